import Foundation
import PunctualTestSupport
import Testing

/// A command line the `punctual` binary must refuse before doing anything: exit status 2 and
/// standard error starting with `message` (`error: ...`).
struct RefusedCommandLine: CustomTestStringConvertible, Sendable {
    let name: String
    let arguments: [String]
    let message: String
    var testDescription: String { name }

    /// Runs `punctual <subcommand> <arguments>` and checks the refusal.
    func expectRefused(by subcommand: String) async throws {
        let outcome = try await ProcessHarness.run(
            try ProcessHarness.product(named: "punctual"), arguments: [subcommand] + arguments,
            timeLimit: .seconds(20))
        #expect(outcome.exitCode == 2, "stderr: \(outcome.standardError)")
        #expect(
            outcome.standardError.hasPrefix(message),
            "expected stderr to start with \(message), got \(outcome.standardError)")
    }
}
