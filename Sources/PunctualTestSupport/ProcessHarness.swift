import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs an executable to completion with a time limit and captures what it printed.
///
/// Output goes to temporary files rather than pipes, so a chatty process can never block on a
/// full pipe buffer while the harness waits for it to exit. A process still running at the time
/// limit is killed (SIGKILL) and reported with `timedOut == true`, so a hung child never
/// outlives its test.
public enum ProcessHarness {
    /// What a finished process left behind.
    public struct Outcome: Sendable, Hashable {
        /// The exit status, or the terminating signal's number when it was killed.
        public var exitCode: Int32
        public var standardOutput: String
        public var standardError: String
        /// The process was terminated because it outlived the time limit.
        public var timedOut: Bool

        public init(exitCode: Int32, standardOutput: String, standardError: String, timedOut: Bool) {
            self.exitCode = exitCode
            self.standardOutput = standardOutput
            self.standardError = standardError
            self.timedOut = timedOut
        }

        /// Standard output split into lines, without the final empty line.
        public var outputLines: [String] {
            standardOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .reversed().drop { $0.isEmpty }.reversed()
        }
    }

    /// Errors that keep a process from being run at all.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` with `arguments` and waits at most `timeLimit` for it to exit.
    ///
    /// - Parameters:
    ///   - environment: the child's environment; the current one when nil.
    ///   - standardInput: bytes fed to the child's standard input (empty input when nil).
    /// - Throws: ``Failure`` when the executable cannot be started or its output read.
    public static func run(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil,
        standardInput: Data? = nil, timeLimit: Duration = .seconds(30)
    ) async throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("process-harness-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        let inputURL = directory.appendingPathComponent("stdin")
        for url in [outputURL, errorURL] {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw Failure(description: "cannot create \(url.path)")
            }
        }
        guard FileManager.default.createFile(atPath: inputURL.path, contents: standardInput ?? Data()) else {
            throw Failure(description: "cannot create \(inputURL.path)")
        }
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        let input = try FileHandle(forReadingFrom: inputURL)
        defer {
            try? output.close()
            try? errors.close()
            try? input.close()
        }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        let (exited, exit) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            exit.yield()
            exit.finish()
        }
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run \(executable.path): \(error)")
        }

        let timedOut = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in exited { return false }
                return false
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeLimit)
                    return true
                } catch {
                    return false
                }
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if timedOut {
            // SIGKILL, not Process.terminate(): a child inherits the test runner's signal mask,
            // in which SIGTERM may be blocked.
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()

        return Outcome(
            exitCode: process.terminationStatus,
            standardOutput: try String(contentsOf: outputURL, encoding: .utf8),
            standardError: try String(contentsOf: errorURL, encoding: .utf8),
            timedOut: timedOut)
    }

    // MARK: - Locating built products

    /// The directory holding the package's built executables, found next to the running test
    /// binary (SwiftPM puts tests and products in the same `.build/<configuration>` directory).
    ///
    /// Set `PUNCTUAL_PRODUCTS_DIR` to override, for example when the tests run from elsewhere.
    public static func productsDirectory(containing product: String) throws -> URL {
        if let override = ProcessInfo.processInfo.environment["PUNCTUAL_PRODUCTS_DIR"] {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        let candidates = [Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments.first ?? "")]
        for start in candidates.compactMap({ $0?.resolvingSymlinksInPath() }) {
            var directory = start.deletingLastPathComponent()
            // Linux: .build/debug/Pkg.xctest; macOS: .build/debug/Pkg.xctest/Contents/MacOS/Pkg.
            for _ in 0..<5 {
                if FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent(product).path) {
                    return directory
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw Failure(description: "no built \"\(product)\" next to the test binary; run `swift build` first")
    }

    /// The URL of a built executable product of this package, such as `punctual`.
    public static func product(named name: String) throws -> URL {
        try productsDirectory(containing: name).appendingPathComponent(name)
    }
}
