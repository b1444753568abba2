import Foundation
import PunctualTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `punctual demo` run as the real binary, piped (not a terminal), on a fast clock.
///
/// Serialized: each demo keeps a simulated cluster and two controllers busy for seconds, and on a
/// two-core machine several at once would starve the virtual-time tests of other suites.
@Suite(.serialized) struct DemoCommandTests {
    /// The environment of the child: no colour preference, so only the missing terminal keeps
    /// the output plain.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        environment["TERM"] = "xterm-256color"
        return environment
    }

    /// `punctual demo <arguments>` at a lower scheduling priority (`nice` execs it, so signals reach
    /// the demo itself): its accelerated clock absorbs the delays, and the tests in this process
    /// keep their share of the machine.
    static func demo(_ arguments: [String]) throws -> (executable: URL, arguments: [String]) {
        let punctual = try ProcessHarness.product(named: "punctual").path
        return (URL(fileURLWithPath: "/usr/bin/nice"), ["-n", "10", punctual, "demo"] + arguments)
    }

    @Test(.timeLimit(.minutes(1)))
    func runsByItselfAndSummarises() async throws {
        let demo = try Self.demo(["--duration", "6s", "--speed", "40"])
        let outcome = try await ProcessHarness.run(
            demo.executable, arguments: demo.arguments, environment: Self.environment, timeLimit: .seconds(25))
        let output = outcome.standardOutput
        #expect(!outcome.timedOut, "the demo did not end by itself within 25 s")
        #expect(outcome.exitCode == 0, "stderr: \(outcome.standardError)")
        #expect(!output.contains("\u{1B}"), "piped output must not contain escape sequences")
        let kinds = Set(
            outcome.outputLines.compactMap { line -> String? in
                let columns = line.split(separator: " ", omittingEmptySubsequences: true)
                guard columns.count >= 2, columns[0].count == 8, columns[0].contains(":") else { return nil }
                return String(columns[1])
            })
        for kind in ["leader", "created", "started", "succeeded", "failed", "retried", "alerted", "killed", "failover"]
        {
            #expect(kinds.contains(kind), "no \(kind) line in:\n\(output)")
        }
        #expect(output.contains("kubectl get stask at "))
        #expect(output.contains("Summary: "))
        // The killed leader's successor takes over; a busy machine may add a takeover of its own.
        let failovers = outcome.outputLines.first { $0.hasPrefix("Leader failovers: ") }
        #expect(failovers != nil && failovers != "Leader failovers: 0", "summary: \(failovers ?? "none")")
        let demoHello = outcome.outputLines.first { $0.hasPrefix("  demo-hello ") }
        #expect(demoHello != nil, "the summary has a row for demo-hello:\n\(output)")
    }

    @Test(.timeLimit(.minutes(1)))
    func serveKeepsTheAPIOpenUntilSIGTERM() async throws {
        let demo = try Self.demo(["--duration", "1s", "--speed", "40", "--serve"])
        let process = try BackgroundProcess(demo.executable, arguments: demo.arguments, environment: Self.environment)
        let line = try await process.waitForOutput(
            matching: #"kubectl --server http://127\.0\.0\.1:[0-9]+ get stask"#, within: .seconds(20))
        let address = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") })
        let client = RawJSONClient(baseURL: try #require(URL(string: String(address))))
        let reply: Result<RawJSONClient.Reply, any Error>
        do {
            reply = .success(try await client.request(.GET, "/apis/punctual.dev/v1alpha1/scheduledtasks"))
        } catch {
            reply = .failure(error)
        }
        await client.shutdown()
        let status = await process.stop(signal: SIGTERM, within: .seconds(10))
        let body = try reply.get()
        #expect(body.status == 200)
        let names = (body.body["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "name"]]?.stringValue }
        #expect(names.contains("demo-hello"))
        #expect(names.contains("daily-report"))
        #expect(status == 0, "output:\n\(process.output)")
    }

    @Test(.timeLimit(.minutes(1)))
    func endsWhenItsReaderGoesAway() async throws {
        let demo = try Self.demo(["--duration", "30s", "--speed", "40"])
        let outcome = try await ProcessHarness.run(
            URL(fileURLWithPath: "/bin/bash"),
            arguments: ["-c", "set -o pipefail; \"$@\" | head -n 1", "bash", demo.executable.path] + demo.arguments,
            environment: Self.environment, timeLimit: .seconds(15))
        #expect(!outcome.timedOut, "the demo kept running after its reader left")
        #expect(outcome.exitCode == 0, "stderr: \(outcome.standardError)")
        #expect(outcome.outputLines.count == 1)
        #expect(outcome.standardOutput.hasPrefix("Punctual demo: "))
    }

    @Test(arguments: [
        RefusedCommandLine(
            name: "speed below 1", arguments: ["--speed", "0.5"],
            message: "error: --speed must be between 1 and 10000, got 0.5"),
        RefusedCommandLine(
            name: "zero duration", arguments: ["--duration", "0s"],
            message: "error: --duration must be positive, got 0s"),
        RefusedCommandLine(
            name: "unparsable duration", arguments: ["--duration", "soon"],
            message: "error: --duration \"soon\": expected a duration"),
        RefusedCommandLine(
            name: "port out of range", arguments: ["--port", "70000"],
            message: "error: --port must be in 0...65535, got 70000"),
        RefusedCommandLine(
            name: "bad log level", arguments: ["--log-level", "loud"], message: "error: --log-level \"loud\""),
    ])
    func refusesBadFlags(_ testCase: RefusedCommandLine) async throws {
        try await testCase.expectRefused(by: "demo")
    }
}
