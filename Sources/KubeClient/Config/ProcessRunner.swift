import Foundation
import Synchronization

/// Runs an external program to completion, collecting its output, with a time limit.
///
/// The blocking waits run on a Dispatch queue, never on the Swift concurrency pool.
enum ProcessRunner {
    struct Result: Sendable {
        var exitCode: Int32
        var standardOutput: Data
        var standardError: Data
    }

    /// Finds `command`: used as-is when it contains a `/`, otherwise searched in `path`.
    static func locate(_ command: String, path: String?) -> String? {
        let manager = FileManager.default
        if command.contains("/") { return manager.isExecutableFile(atPath: command) ? command : nil }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func run(
        executable: String, arguments: [String], environment: [String: String], timeout: Duration
    ) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ConfigurationError(field: "exec.command", message: "cannot start \(executable): \(error)")
        }
        let limit = DispatchTime.now() + timeout.timeInterval
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let group = DispatchGroup()
                let errorData = LockedData()
                DispatchQueue.global().async(group: group) {
                    errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
                }
                DispatchQueue.global().asyncAfter(deadline: limit) {
                    if process.isRunning { process.terminate() }
                }
                let outputData = output.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                if process.terminationReason == .uncaughtSignal, DispatchTime.now() >= limit {
                    continuation.resume(
                        throwing: ConfigurationError(
                            field: "exec.command", message: "\(executable) did not finish within \(timeout)"))
                    return
                }
                continuation.resume(
                    returning: Result(
                        exitCode: process.terminationStatus, standardOutput: outputData,
                        standardError: errorData.value))
            }
        }
    }
}

/// A `Data` value shared between two Dispatch blocks.
private final class LockedData: Sendable {
    private let storage = Mutex<Data>(Data())

    func set(_ data: Data) { storage.withLock { $0 = data } }

    var value: Data { storage.withLock { $0 } }
}
