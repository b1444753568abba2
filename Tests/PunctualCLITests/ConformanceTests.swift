import Foundation
import Testing

/// Runs `hack/conformance.sh`: `punctual sim` checked by the real clients (kubectl and the official
/// Python client). Skipped, with the reason recorded, when either client is missing; CI installs
/// both (`.ci/run`). Set `PUNCTUAL_SKIP_CONFORMANCE=1` to skip it on purpose.
@Suite(.serialized) struct ConformanceTests {
    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The directory of the running test binary, where SwiftPM also puts the `punctual` executable.
    static let productsDirectory: URL = {
        let binary = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var directory = binary.deletingLastPathComponent()
        // On Darwin the binary sits inside `X.xctest/Contents/MacOS`.
        while directory.pathExtension == "xctest" || directory.lastPathComponent == "MacOS"
            || directory.lastPathComponent == "Contents"
        {
            directory.deleteLastPathComponent()
        }
        return directory
    }()

    /// Why the conformance run cannot happen here, or `nil` when it can.
    static let missingPrerequisite: String? = {
        if ProcessInfo.processInfo.environment["PUNCTUAL_SKIP_CONFORMANCE"] == "1" {
            return "PUNCTUAL_SKIP_CONFORMANCE=1"
        }
        if run("/usr/bin/env", ["kubectl", "version", "--client"]) != 0 { return "kubectl is not installed" }
        if run("/usr/bin/env", ["python3", "-c", "import kubernetes"]) != 0 {
            return "the Python kubernetes client is not installed (pip install kubernetes)"
        }
        return nil
    }()

    @Test(
        "kubectl and the Python client work against punctual sim",
        .enabled(if: missingPrerequisite == nil, "\(missingPrerequisite ?? "")"),
        .timeLimit(.minutes(5)))
    func conformanceScript() async throws {
        let (status, log) = await Self.runScript("hack/conformance.sh", seconds: 280, log: "conformance.log")
        #expect(status == 0, "hack/conformance.sh failed (exit \(status)):\n\(log.suffix(4_000))")
    }

    /// Runs a `hack/` script with bash from the repository root, killed after `seconds`, with
    /// `PUNCTUAL_BIN` pointing at the `punctual` built next to the tests and `environment` added.
    /// Its output goes to `.build/<log>` (kept for a look after a failure) and is returned.
    static func runScript(
        _ script: String, seconds: Int, log: String, environment extra: [String: String] = [:]
    ) async -> (status: Int32, log: String) {
        var environment = ProcessInfo.processInfo.environment.merging(extra) { _, added in added }
        let binary = productsDirectory.appendingPathComponent("punctual").path
        if FileManager.default.isExecutableFile(atPath: binary) {
            environment["PUNCTUAL_BIN"] = binary
        }
        let output = repositoryRoot.appendingPathComponent(".build").appendingPathComponent(log)
        let status = await runWithoutBlocking(
            "/usr/bin/env", ["timeout", "--kill-after=10", "\(seconds)", "bash", script],
            environment: environment, output: output)
        return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// Runs a long process like ``run(_:_:environment:output:)`` but waits for its exit without holding a
    /// thread: the script takes tens of seconds, and blocking one of the two threads of the cooperative pool
    /// on a 2-core machine starves the other suites' virtual-time tests.
    static func runWithoutBlocking(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: URL? = nil
    ) async -> Int32 {
        let (exited, exit) = AsyncStream<Int32>.makeStream()
        let process = makeProcess(executable, arguments, environment: environment, output: output)
        process.terminationHandler = { finished in
            exit.yield(finished.terminationStatus)
            exit.finish()
        }
        do {
            try process.run()
        } catch {
            return -1
        }
        for await status in exited { return status }
        return -1
    }

    /// Runs a short process to completion in the repository root; output goes to `output` or is discarded.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: URL? = nil
    ) -> Int32 {
        let process = makeProcess(executable, arguments, environment: environment, output: output)
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    private static func makeProcess(
        _ executable: String, _ arguments: [String], environment: [String: String]?, output: URL?
    ) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        if let output {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try? FileHandle(forWritingTo: output)
            process.standardOutput = handle ?? FileHandle.nullDevice
            process.standardError = handle ?? FileHandle.nullDevice
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        return process
    }
}
