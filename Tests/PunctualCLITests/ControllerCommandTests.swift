import Foundation
import PunctualTestSupport
import Testing

/// `punctual controller` flag checking, run as the real binary (no cluster needed: bad flags
/// are refused before connecting).
@Suite struct ControllerCommandTests {
    typealias Case = RefusedCommandLine

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
            name: "clock speed not positive", arguments: ["--speed", "0"],
            message: "error: --speed must be a number greater than 0, got 0.0"),
        Case(
            name: "clock anchor not a time", arguments: ["--speed", "20", "--clock-anchor", "yesterday"],
            message: "error: --clock-anchor \"yesterday\": expected an RFC 3339 time"),
        Case(
            name: "placeholder image with a space", arguments: ["--placeholder-image", "pause 3.10"],
            message: "error: --placeholder-image must be an image reference, got \"pause 3.10\""),
        Case(
            name: "reconcile backoff cap of zero", arguments: ["--max-reconcile-backoff", "0"],
            message: "error: --max-reconcile-backoff must be greater than 0, got \"0\""),
        Case(
            name: "negative reconcile backoff cap", arguments: ["--max-reconcile-backoff=-5"],
            message: "error: --max-reconcile-backoff must be greater than 0, got \"-5\""),
        Case(
            name: "reconcile backoff cap not a duration", arguments: ["--max-reconcile-backoff", "a while"],
            message: "error: --max-reconcile-backoff \"a while\": expected a duration"),
    ]

    @Test(arguments: cases)
    func refusesBadFlags(_ testCase: Case) async throws {
        try await testCase.expectRefused(by: "controller")
    }
}
