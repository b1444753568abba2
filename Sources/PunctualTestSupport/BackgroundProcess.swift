import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A process that keeps running while a test talks to it (a server), with its output captured
/// to a file that the test can wait on.
///
/// Unlike ``ProcessHarness/run(_:arguments:environment:standardInput:timeLimit:)``, which waits for
/// the exit, this starts the process and returns. The test waits for a line with
/// ``waitForOutput(matching:within:)`` and must end it with ``stop(signal:within:)``, which kills
/// it (SIGKILL) if it outlives the polite signal, so no child outlives its test.
public final class BackgroundProcess {
    /// Why a wait for output failed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let process: Process
    private let directory: URL
    private let outputURL: URL
    private let exited: AsyncStream<Int32>

    /// Starts `executable` with `arguments`; standard output and error go to one file.
    ///
    /// - Throws: ``Failure`` when it cannot be started.
    public init(_ executable: URL, arguments: [String], environment: [String: String]? = nil) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("background-process-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        outputURL = directory.appendingPathComponent("output")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil) else {
            throw Failure(description: "cannot create \(outputURL.path)")
        }
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let (exited, exit) = AsyncStream<Int32>.makeStream()
        self.exited = exited
        process.terminationHandler = { finished in
            exit.yield(finished.terminationStatus)
            exit.finish()
        }
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run \(executable.path): \(error)")
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Everything the process printed so far.
    public var output: String {
        (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }

    /// Waits until the output has a match of `pattern` (a regular expression) and returns the match.
    ///
    /// - Throws: ``Failure`` with the output so far when `within` (real time) passes first or the
    ///   process exits without printing it.
    public func waitForOutput(matching pattern: String, within limit: Duration) async throws -> String {
        let expression = try NSRegularExpression(pattern: pattern)
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            let text = output
            let range = NSRange(text.startIndex..., in: text)
            if let match = expression.firstMatch(in: text, range: range), let found = Range(match.range, in: text) {
                return String(text[found])
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "no output matching \(pattern) within \(limit); output so far:\n\(output)")
    }

    /// Sends `signal`, waits up to `within` for the exit, then kills the process.
    ///
    /// - Returns: the exit status, or `nil` when it had to be killed.
    public func stop(signal: Int32 = SIGTERM, within limit: Duration) async -> Int32? {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let exited = self.exited
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in exited { return status }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if status == nil, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return status ?? process.terminationStatus
    }
}
