import ArgumentParser
import Foundation

/// A problem with the command line or its inputs, reported as `error: <message>` on standard
/// error with exit status 2 (1 is reserved for "the check found problems" and runtime failures).
struct CommandLineError: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) { self.message = message }

    var description: String { message }
}

/// Runs a command body, turning ``CommandLineError`` into `error: ...` and exit status 2 and any
/// other error into `error: ...` and exit status 1: the one diagnostics path of the commands.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CommandLineError {
        printError(error.message)
        throw ExitCode(2)
    } catch is CancellationError {
        throw ExitCode.success
    } catch {
        printError("\(error)")
        throw ExitCode.failure
    }
}

/// Writes `error: <message>` to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}
