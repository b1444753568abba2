import Foundation
import PunctualController
import PunctualTestSupport
import Testing

@Suite("Job naming: the name is the lock")
struct JobNamingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let task: String
        let slot: Date
        var attempt = 1
        var trigger: String? = nil
        let expected: String
        var testDescription: String { name }
    }

    static let longName = String(repeating: "settlement-", count: 6) + "eom"

    static let cases: [Case] = [
        Case(
            name: "first attempt: task and slot minutes since the epoch", task: "report",
            slot: Instants.topOfTheHour, expected: "report-29671800"),
        Case(
            name: "attempt 3 appends -r3", task: "report", slot: Instants.topOfTheHour, attempt: 3,
            expected: "report-29671800-r3"),
        Case(
            name: "seconds inside the minute do not change the name", task: "report",
            slot: Instants.topOfTheHour.plus(seconds: 59), expected: "report-29671800"),
        Case(
            name: "manual run: hash of the trigger value", task: "report", slot: Instants.topOfTheHour,
            trigger: "2026-06-01 by alice", expected: "report-manual-" + StableHash.hex("2026-06-01 by alice")),
        Case(
            name: "manual retry gets -r2 too", task: "report", slot: Instants.topOfTheHour, attempt: 2,
            trigger: "x", expected: "report-manual-" + StableHash.hex("x") + "-r2"),
    ]

    @Test(arguments: cases)
    func names(_ row: Case) {
        let name =
            row.trigger.map { JobNaming.manualName(task: row.task, trigger: $0, attempt: row.attempt) }
            ?? JobNaming.name(task: row.task, slot: row.slot, attempt: row.attempt)
        #expect(name == row.expected)
    }

    @Test("long task names are truncated to 63 characters with a stable hash, for every suffix")
    func longNames() {
        let names = [
            JobNaming.name(task: Self.longName, slot: Instants.topOfTheHour),
            JobNaming.name(task: Self.longName, slot: Instants.topOfTheHour, attempt: 12),
            JobNaming.manualName(task: Self.longName, trigger: "now", attempt: 2),
        ]
        for name in names {
            #expect(name.count <= JobNaming.maximumLength, "\(name)")
            #expect(name.contains(StableHash.hex(Self.longName)), "\(name)")
            #expect(!name.contains("--"), "\(name)")
        }
        // Two long names that share the kept prefix still differ.
        let other = JobNaming.name(task: Self.longName + "x", slot: Instants.topOfTheHour)
        #expect(other != names[0])
        // Stable across calls (no per-process seed).
        #expect(JobNaming.name(task: Self.longName, slot: Instants.topOfTheHour) == names[0])
    }

    @Test("the stable hash is FNV-1a (known vectors), not Swift's seeded hashValue")
    func stableHash() {
        #expect(StableHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.hex("a") == "af63dc4c")
    }

    @Test("jitter is in [0, jitterSeconds), stable per uid, and spreads uids")
    func jitter() {
        let offsets = (0..<200).map { Jitter.offset(seed: "uid-\($0)", jitterSeconds: 60) }
        #expect(offsets.allSatisfy { $0 >= 0 && $0 < 60 && $0 == $0.rounded() })
        #expect(Set(offsets).count > 40)
        #expect(Jitter.offset(seed: "uid-7", jitterSeconds: 60) == offsets[7])
        #expect(Jitter.offset(seed: "uid-7", jitterSeconds: 0) == 0)
        #expect(Jitter.offset(seed: "uid-7", jitterSeconds: 1) == 0)
    }
}
