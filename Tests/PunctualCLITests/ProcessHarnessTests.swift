import Foundation
import PunctualTestSupport
import Testing

/// The harness itself: exit codes, both output streams, input, and the time limit.
@Suite struct ProcessHarnessTests {
    private let shell = URL(fileURLWithPath: "/bin/sh")

    @Test func capturesOutputErrorsAndExitCode() async throws {
        let outcome = try await ProcessHarness.run(shell, arguments: ["-c", "echo out; echo err >&2; exit 3"])
        #expect(outcome == .init(exitCode: 3, standardOutput: "out\n", standardError: "err\n", timedOut: false))
        #expect(outcome.outputLines == ["out"])
    }

    @Test func feedsStandardInput() async throws {
        let outcome = try await ProcessHarness.run(shell, arguments: ["-c", "cat"], standardInput: Data("hello".utf8))
        #expect(outcome.standardOutput == "hello")
    }

    @Test func terminatesAProcessThatOutlivesItsLimit() async throws {
        let outcome = try await ProcessHarness.run(
            shell, arguments: ["-c", "exec sleep 30"], timeLimit: .milliseconds(200))
        #expect(outcome.timedOut)
        #expect(outcome.exitCode != 0)
    }

    @Test func missingExecutableIsAnError() async {
        await #expect(throws: ProcessHarness.Failure.self) {
            try await ProcessHarness.run(URL(fileURLWithPath: "/nonexistent/tool"), arguments: [])
        }
    }
}
