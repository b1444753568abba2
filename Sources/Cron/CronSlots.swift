import Foundation

/// The slots of a schedule within a span of time, computed lazily in increasing order.
///
/// Created by ``CronSchedule/slots(in:)`` or ``CronSchedule/slots(from:through:)``; iterating
/// costs one `next` computation per slot, so even a span of years is cheap to walk partially.
public struct CronSlots: Sequence, Sendable {
    let schedule: CronSchedule
    /// First candidate instant (inclusive), or nil for an empty span.
    let first: Int64?
    /// Last candidate instant (inclusive).
    let last: Int64

    public func makeIterator() -> Iterator {
        Iterator(schedule: schedule, cursor: first, last: last)
    }

    /// Produces the slots one at a time.
    public struct Iterator: IteratorProtocol, Sendable {
        let schedule: CronSchedule
        var cursor: Int64?
        let last: Int64

        public mutating func next() -> Date? {
            guard let from = cursor, from <= last, let slot = schedule.firstSlot(atOrAfter: from), slot <= last
            else {
                cursor = nil
                return nil
            }
            cursor = slot + 1
            return CronSchedule.date(seconds: slot)
        }
    }
}

extension CronSchedule {
    /// The slots `s` with `range.lowerBound <= s < range.upperBound`, lazily.
    public func slots(in range: Range<Date>) -> CronSlots {
        guard let lower = Self.wholeSeconds(range.lowerBound, rounding: .up),
            let upper = Self.wholeSeconds(range.upperBound, rounding: .up)
        else { return CronSlots(schedule: self, first: nil, last: 0) }
        return CronSlots(schedule: self, first: lower, last: upper - 1)
    }

    /// The slots `s` with `start <= s <= end`, lazily; empty when `end < start`.
    public func slots(from start: Date, through end: Date) -> CronSlots {
        guard let lower = Self.wholeSeconds(start, rounding: .up),
            let upper = Self.wholeSeconds(end, rounding: .down)
        else { return CronSlots(schedule: self, first: nil, last: 0) }
        return CronSlots(schedule: self, first: lower, last: upper)
    }
}
