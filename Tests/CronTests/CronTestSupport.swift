import Cron
import Foundation
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

/// A deterministic pseudo-random generator (SplitMix64), so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
