import Cron
import Foundation
import PunctualTestSupport
import Testing

/// Parses an RFC 3339 instant written in a test table.
func instant(_ text: String) throws -> Date {
    try Date(text, strategy: Date.ISO8601FormatStyle())
}

/// Formats an instant the way the tables write them (`2026-03-08T07:00:00Z`).
func rfc3339(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle())
}

extension CronSchedule {
    /// The first `count` slots after `date`, formatted for comparison with a table.
    func nextSlots(after date: Date, count: Int) -> [String] {
        var slots: [String] = []
        var cursor = date
        while slots.count < count, let slot = next(after: cursor) {
            slots.append(rfc3339(slot))
            cursor = slot
        }
        return slots
    }

    /// The last `count` slots at or before `date`, latest first, formatted like a table.
    func previousSlots(atOrBefore date: Date, count: Int) -> [String] {
        var slots: [String] = []
        var cursor = date
        while slots.count < count, let slot = previous(atOrBefore: cursor) {
            slots.append(rfc3339(slot))
            cursor = slot.addingTimeInterval(-1)
        }
        return slots
    }
}
