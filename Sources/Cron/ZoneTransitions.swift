import Foundation
import Synchronization

/// The UTC-offset history of one time zone, as a sorted table of transitions.
///
/// Foundation answers offset questions through ICU, at microseconds per call; a slot computation
/// needs up to three such answers. So the transitions between 1800 and 2400 are read from
/// Foundation once per zone and process (about a millisecond for a DST zone) and shared by every
/// schedule in that zone; lookups are then a binary search. Outside the table Foundation is asked
/// directly. Instances are immutable and therefore `Sendable`.
final class ZoneTransitions: Sendable {
    /// One change of UTC offset: from `instant` on, wall time is UTC + `offsetAfter` seconds.
    struct Transition: Hashable, Sendable {
        var instant: Int64
        var offsetBefore: Int64
        var offsetAfter: Int64

        /// Clocks jump forward: the wall times in `[instant + offsetBefore, instant + offsetAfter)`
        /// do not exist.
        var isForward: Bool { offsetAfter > offsetBefore }
        /// Clocks fall back: the wall times in `[instant + offsetAfter, instant + offsetBefore)`
        /// occur twice.
        var isBackward: Bool { offsetAfter < offsetBefore }
    }

    /// The stretch of time with one offset that contains an instant.
    struct Segment: Sendable {
        var offset: Int64
        /// The transition that began the segment, if one is known within the lookback window.
        var start: Transition?
        /// The transition that ends it, if the zone ever changes again.
        var end: Transition?
    }

    let timeZone: TimeZone
    /// The offset of a zone that never changes it (UTC, Etc/GMT-8); nil otherwise.
    let fixedOffset: Int64?
    private let tableStart: Int64
    private let tableEnd: Int64
    private let instants: [Int64]
    private let offsetsAfter: [Int64]
    private let initialOffset: Int64
    private let firstAfterTable: Transition?

    /// How far back a segment start is looked for outside the table: as far as the wall-clock
    /// search looks back (ten years) plus any gap, so `previous` never misses a transition
    /// between a candidate and its starting point. Slow, but only years before 1800 or after
    /// 2400 get here.
    private static let fallbackLookback: Int64 = 11 * 366 * CivilCalendar.secondsPerDay

    // 1800-01-01T00:00Z and 2400-01-01T00:00Z.
    private static let defaultTableStart: Int64 = -5_364_662_400
    private static let defaultTableEnd: Int64 = 13_569_465_600

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        tableStart = Self.defaultTableStart
        tableEnd = Self.defaultTableEnd
        initialOffset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(tableStart))))
        var instants: [Int64] = []
        var offsets: [Int64] = []
        var cursor = Self.transition(of: timeZone, after: tableStart - 1)
        while let transition = cursor, transition.instant < tableEnd {
            instants.append(transition.instant)
            offsets.append(transition.offsetAfter)
            cursor = Self.transition(of: timeZone, after: transition.instant)
        }
        self.instants = instants
        self.offsetsAfter = offsets
        self.firstAfterTable = cursor
        fixedOffset = instants.isEmpty && cursor == nil ? initialOffset : nil
    }

    // MARK: - Shared instances

    private static let registry = Mutex<[String: ZoneTransitions]>([:])

    /// The table for a zone, built on first use and shared afterwards.
    static func shared(for timeZone: TimeZone) -> ZoneTransitions {
        registry.withLock { tables in
            if let table = tables[timeZone.identifier] { return table }
            let table = ZoneTransitions(timeZone: timeZone)
            tables[timeZone.identifier] = table
            return table
        }
    }

    // MARK: - Lookup

    /// The segment containing instant `x` (seconds since the epoch).
    func segment(containing x: Int64) -> Segment {
        if let fixedOffset { return Segment(offset: fixedOffset) }
        guard x >= tableStart && x < tableEnd else { return fallbackSegment(containing: x) }
        // Number of transitions at or before x.
        var low = 0
        var high = instants.count
        while low < high {
            let middle = (low + high) / 2
            if instants[middle] <= x { low = middle + 1 } else { high = middle }
        }
        let offset = low == 0 ? initialOffset : offsetsAfter[low - 1]
        var segment = Segment(offset: offset)
        if low > 0 {
            let before = low >= 2 ? offsetsAfter[low - 2] : initialOffset
            segment.start = Transition(instant: instants[low - 1], offsetBefore: before, offsetAfter: offset)
        }
        if low < instants.count {
            segment.end = Transition(instant: instants[low], offsetBefore: offset, offsetAfter: offsetsAfter[low])
        } else {
            segment.end = firstAfterTable
        }
        return segment
    }

    private func fallbackSegment(containing x: Int64) -> Segment {
        var segment = Segment(offset: Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(x)))))
        var cursor = Self.transition(of: timeZone, after: x - Self.fallbackLookback)
        while let transition = cursor, transition.instant <= x {
            segment.start = transition
            cursor = Self.transition(of: timeZone, after: transition.instant)
        }
        segment.end = cursor
        return segment
    }

    /// The first transition strictly after instant `x`, straight from Foundation.
    private static func transition(of timeZone: TimeZone, after x: Int64) -> Transition? {
        guard let date = timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(x) + 0.5))
        else { return nil }
        let instant = Int64(date.timeIntervalSince1970.rounded())
        return Transition(
            instant: instant,
            offsetBefore: Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant - 1)))),
            offsetAfter: Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant)))))
    }
}
