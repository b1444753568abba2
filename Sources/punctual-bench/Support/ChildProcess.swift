import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A long-running child process of a benchmark (`punctual sim` or `punctual controller`), its
/// standard output and error in a log file so it can never block on a full pipe.
final class ChildProcess {
    let name: String
    let logURL: URL
    private let process = Process()

    /// Starts `executable` with `arguments`, adding `environment` to the current environment.
    init(name: String, executable: URL, arguments: [String], environment: [String: String], directory: URL) throws {
        self.name = name
        logURL = directory.appendingPathComponent("\(name).log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else {
            throw BenchProcessError("cannot create \(logURL.path)")
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchProcessError("cannot start \(name) (\(executable.path)): \(error)")
        }
    }

    var isRunning: Bool { process.isRunning }

    /// The process id, for reading its figures under `/proc/<pid>`.
    var processIdentifier: Int32 { process.processIdentifier }

    /// Everything the process printed so far.
    var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Sends `signal` (SIGKILL, SIGTERM) if the process still runs.
    func send(_ signal: Int32) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    /// Waits (polling) until the process exited; `false` when it still runs after `limit`.
    func waitForExit(within limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while process.isRunning && clock.now < deadline {
            try? await clock.sleep(for: .milliseconds(10))
        }
        return !process.isRunning
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(10)) async {
        send(SIGTERM)
        if await waitForExit(within: grace) { return }
        send(SIGKILL)
        _ = await waitForExit(within: .seconds(5))
    }
}
