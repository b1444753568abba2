import Cron
import Foundation

/// Which due slots a guarantee starts and which it records Missed: a pure function of the
/// schedule, the cursor and the current instant.
///
/// - OnceMost and Unlimited look only at the latest due slot (found with
///   `previous(atOrBefore:)`, never by walking the downtime) and start it if it is within its
///   creation window; every older slot after the cursor is Missed.
/// - OnceOnly iterates the schedule exactly (irregular schedules such as
///   `30 10,11,12 * * 1-5` across a weekend included) and starts, oldest first, every slot inside
///   its window (the larger of the on-time window and `catchUpWindowSeconds`); older slots are
///   Missed.
public struct SlotSelection: Sendable, Hashable {
    /// Slots to start now, oldest first.
    public var candidates: [Date]
    /// How many slots are Missed (a floor when `missedCountIsFloor`).
    public var missedCount: Int
    public var missedCountIsFloor: Bool
    /// The newest missed slots (at most the requested number), oldest first, with the reason.
    public var missed: [MissedSlot]
    /// More candidates were due than one reconcile creates; the rest follow right after.
    public var isTruncated: Bool

    /// A slot recorded Missed, and why.
    public struct MissedSlot: Sendable, Hashable {
        public var slot: Date
        public var reason: String
    }

    /// Reasons recorded on Missed runs.
    public enum Reason {
        /// Older than the latest due slot, which alone is started (OnceMost, Unlimited).
        public static let superseded = "Superseded"
        /// Due longer ago than the slot's creation window allows.
        public static let startingDeadlineExceeded = "StartingDeadlineExceeded"
        /// OnceOnly: older than the catch-up window.
        public static let outsideCatchUpWindow = "OutsideCatchUpWindow"
    }

    /// Selects the slots of `schedule` after `cursor` that are due at `horizon` (now minus the
    /// jitter).
    ///
    /// - Parameters:
    ///   - window: how long after its due instant a slot may still be created; nil = no limit.
    ///   - keepMissed: how many of the newest missed slots to return individually.
    ///   - maximumCandidates: cap on `candidates` (OnceOnly catch-up).
    ///   - maximumCounted: cap on the missed slots counted one by one.
    public static func select(
        schedule: CronSchedule, guarantee: ScheduledTaskSpec.Guarantee, cursor: Date, horizon: Date,
        window: TimeInterval?, keepMissed: Int, maximumCandidates: Int, maximumCounted: Int
    ) -> SlotSelection {
        var selection = SlotSelection(
            candidates: [], missedCount: 0, missedCountIsFloor: false, missed: [], isTruncated: false)
        guard let latest = schedule.previous(atOrBefore: horizon), latest > cursor else { return selection }
        let first = afterCursor(cursor)
        switch guarantee {
        case .onceMost, .unlimited:
            let inWindow = window.map { horizon <= latest.addingTimeInterval($0) } ?? true
            selection.countMissed(
                schedule: schedule, from: first, before: latest, reason: Reason.superseded, keep: keepMissed,
                maximum: maximumCounted)
            if inWindow {
                selection.candidates = [latest]
            } else {
                selection.missedCount += 1
                selection.missed.append(MissedSlot(slot: latest, reason: Reason.startingDeadlineExceeded))
                selection.missed = Array(selection.missed.suffix(keepMissed))
            }
        case .onceOnly:
            let earliest = window.map { max(first, horizon.addingTimeInterval(-$0)) } ?? first
            selection.countMissed(
                schedule: schedule, from: first, before: earliest, reason: Reason.outsideCatchUpWindow,
                keep: keepMissed, maximum: maximumCounted)
            var iterator = schedule.slots(from: earliest, through: horizon).makeIterator()
            while let slot = iterator.next() {
                guard selection.candidates.count < maximumCandidates else {
                    selection.isTruncated = true
                    break
                }
                selection.candidates.append(slot)
            }
        }
        return selection
    }

    /// The first instant after the cursor at whole seconds (slots are whole seconds).
    static func afterCursor(_ cursor: Date) -> Date {
        Date(timeIntervalSince1970: cursor.timeIntervalSince1970.rounded(.down) + 1)
    }

    /// Counts the slots in `[from, before)`: one by one up to `maximum` (keeping the newest
    /// `keep`); beyond that the count is a floor and the newest are found walking backwards.
    private mutating func countMissed(
        schedule: CronSchedule, from: Date, before: Date, reason: String, keep: Int, maximum: Int
    ) {
        guard from < before else { return }
        var count = 0
        var newest: [Date] = []
        for slot in schedule.slots(in: from..<before) {
            count += 1
            if count > maximum { break }
            newest.append(slot)
            if newest.count > keep { newest.removeFirst() }
        }
        if count > maximum {
            count = maximum
            missedCountIsFloor = true
            newest = []
            var cursor = before.addingTimeInterval(-1)
            while newest.count < keep, let slot = schedule.previous(atOrBefore: cursor), slot >= from {
                newest.insert(slot, at: 0)
                cursor = slot.addingTimeInterval(-1)
            }
        }
        missedCount += count
        missed += newest.map { MissedSlot(slot: $0, reason: reason) }
    }
}
