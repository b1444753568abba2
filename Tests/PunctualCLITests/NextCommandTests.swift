import Foundation
import PunctualTestSupport
import Testing

/// `punctual next`, run as the real binary.
@Suite struct NextCommandTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: [String]
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "UTC instants by default",
            arguments: ["30 2 * * *", "--after", "2026-03-07T12:00:00Z", "--count", "2"],
            expected: ["2026-03-08T02:30:00Z", "2026-03-09T02:30:00Z"]),
        Case(
            name: "spring forward in New York",
            arguments: [
                "30 2 * * *", "--time-zone", "America/New_York", "--after", "2026-03-07T12:00:00Z", "--count", "2",
            ],
            expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        Case(
            name: "--local prints the zone's offset",
            arguments: [
                "30 2 * * *", "--time-zone", "America/New_York", "--after", "2026-03-07T12:00:00Z", "--count", "2",
                "--local",
            ],
            expected: ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
        Case(
            name: "--local with a half-hour offset",
            arguments: [
                "@daily", "--time-zone", "Asia/Kolkata", "--after", "2026-01-01T00:00:00+05:30", "--local", "--count",
                "1",
            ],
            expected: ["2026-01-02T00:00:00+05:30"]),
        Case(
            name: "count defaults to 5", arguments: ["@monthly", "--after", "2026-01-15T00:00:00Z"],
            expected: [
                "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z",
                "2026-06-01T00:00:00Z",
            ]),
    ]

    @Test(arguments: cases)
    func printsSlots(_ testCase: Case) async throws {
        let outcome = try await punctual(["next"] + testCase.arguments)
        #expect(outcome.exitCode == 0, "stderr: \(outcome.standardError)")
        #expect(outcome.outputLines == testCase.expected)
        #expect(outcome.standardError.isEmpty)
    }

    @Test func defaultStartIsNow() async throws {
        let before = Date()
        let outcome = try await punctual(["next", "* * * * *", "--count", "1"])
        let after = Date()
        #expect(outcome.exitCode == 0)
        let slot = try Date(try #require(outcome.outputLines.first), strategy: Date.ISO8601FormatStyle())
        #expect(slot > before.addingTimeInterval(-1) && slot <= after.addingTimeInterval(60))
    }

    // MARK: - Invalid input

    struct Invalid: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: [String]
        let mentions: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Invalid(name: "bad schedule", arguments: ["61 * * * *"], mentions: "minute \"61\""),
        Invalid(name: "schedule that never fires", arguments: ["0 0 30 2 *"], mentions: "never fires"),
        Invalid(name: "TZ prefix", arguments: ["TZ=UTC 0 0 * * *"], mentions: "spec.timeZone"),
        Invalid(name: "unknown zone", arguments: ["@daily", "--time-zone", "Mars/Base"], mentions: "Mars/Base"),
        Invalid(name: "bad --after", arguments: ["@daily", "--after", "yesterday"], mentions: "RFC 3339"),
        Invalid(name: "zero count", arguments: ["@daily", "--count", "0"], mentions: "--count"),
    ])
    func rejectsWithExitCodeTwo(_ testCase: Invalid) async throws {
        let outcome = try await punctual(["next"] + testCase.arguments)
        #expect(outcome.exitCode == 2)
        #expect(outcome.standardError.hasPrefix("error: "))
        #expect(outcome.standardError.contains(testCase.mentions), "stderr: \(outcome.standardError)")
        #expect(outcome.standardOutput.isEmpty)
    }

    // MARK: - Version

    @Test func version() async throws {
        let outcome = try await punctual(["--version"])
        #expect(outcome.exitCode == 0)
        #expect(outcome.outputLines.count == 1)
        #expect(outcome.outputLines.first?.split(separator: ".").count == 3)
    }

    private func punctual(_ arguments: [String]) async throws -> ProcessHarness.Outcome {
        let outcome = try await ProcessHarness.run(
            try ProcessHarness.product(named: "punctual"), arguments: arguments, timeLimit: .seconds(20))
        #expect(!outcome.timedOut)
        return outcome
    }
}
