import Foundation

extension CronSchedule {
    /// The most recent slot at or before `date`.
    ///
    /// The controller uses it to find the slot it may have missed: `previous(atOrBefore: now)` is
    /// the latest slot that is already due. It agrees exactly with ``next(after:)``: for every
    /// slot `s`, `previous(atOrBefore: s) == s`, and no slot lies strictly between
    /// `previous(atOrBefore: t)` and `next(after: t)`.
    ///
    /// - Returns: the slot, or nil if `date` is outside the years 1-9999 or no slot precedes it.
    public func previous(atOrBefore date: Date) -> Date? {
        guard let seconds = Self.wholeSeconds(date, rounding: .down) else { return nil }
        return lastSlot(atOrBefore: seconds).map(Self.date(seconds:))
    }

    /// The last slot at or before instant `start`; the mirror image of `firstSlot(atOrAfter:)`.
    func lastSlot(atOrBefore start: Int64) -> Int64? {
        if let offset = zone.fixedOffset {
            return previousWall(atOrBefore: start + offset).map { $0 - offset }
        }
        var x = start
        for _ in 0..<Self.maximumSegmentSteps {
            let segment = zone.segment(containing: x)
            guard let wall = previousWall(atOrBefore: x + segment.offset) else { return nil }
            let candidate = wall - segment.offset
            guard let begin = segment.start else { return candidate }
            if begin.instant > candidate {
                // No regular slot in [begin, x]; the transition itself may be a gap slot.
                if hasFixedHour && begin.isForward && gapContainsMatch(begin) { return begin.instant }
                x = begin.instant - 1
                continue
            }
            if hasFixedHour && begin.isBackward && wall < begin.instant + begin.offsetBefore {
                // A repeated wall time: it fired at its first occurrence, before the fall-back.
                x = begin.instant - 1
                continue
            }
            return candidate
        }
        return nil
    }
}
