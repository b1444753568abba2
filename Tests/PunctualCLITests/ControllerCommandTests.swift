import Foundation
import PunctualTestSupport
import Testing

/// `punctual controller` flag checking, run as the real binary (no cluster needed: bad flags
/// are refused before connecting).
@Suite struct ControllerCommandTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: [String]
        let message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no workers", arguments: ["--workers", "0"], message: "error: --workers must be at least 1, got 0"),
        Case(name: "zero qps", arguments: ["--qps", "0"], message: "error: --qps must be greater than 0, got 0.0"),
        Case(name: "zero burst", arguments: ["--burst", "0"], message: "error: --burst must be at least 1, got 0"),
        Case(
            name: "renew deadline not below the lease duration",
            arguments: ["--lease-duration", "10s", "--renew-deadline", "10s"],
            message: "error: --lease-duration: must be greater than renewDeadline"),
        Case(
            name: "unparsable duration", arguments: ["--retry-period", "soon"],
            message: "error: --retry-period \"soon\": expected a duration"),
        Case(
            name: "bad log format", arguments: ["--log-format", "xml"],
            message: "error: --log-format \"xml\": expected one of"),
        Case(
            name: "bad namespace", arguments: ["--namespace", "Not_A_Label"],
            message: "error: --namespace \"Not_A_Label\": must be a DNS label"),
        Case(
            name: "bad metrics address", arguments: ["--metrics-bind-address", "nonsense"],
            message: "error: --metrics-bind-address \"nonsense\": expected host:port"),
        Case(
            name: "placeholder image with a space", arguments: ["--placeholder-image", "pause 3.10"],
            message: "error: --placeholder-image must be an image reference, got \"pause 3.10\""),
    ]

    @Test(arguments: cases)
    func refusesBadFlags(_ testCase: Case) async throws {
        let outcome = try await ProcessHarness.run(
            try ProcessHarness.product(named: "punctual"), arguments: ["controller"] + testCase.arguments,
            timeLimit: .seconds(20))
        #expect(outcome.exitCode == 2, "stderr: \(outcome.standardError)")
        #expect(
            outcome.standardError.hasPrefix(testCase.message),
            "expected stderr to start with \(testCase.message), got \(outcome.standardError)")
    }
}
