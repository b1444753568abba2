import ArgumentParser
import KubeRuntime
import Logging

/// `--log-format` and `--log-level`.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log format: json (one object per line) or text.")
    var logFormat: String = "json"

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    /// The parsed values.
    ///
    /// - Throws: ``CommandLineError`` naming the flag and the accepted values.
    func parsed() throws(CommandLineError) -> (format: LogFormat, level: Logger.Level) {
        do {
            return (try LogFormat(parsing: logFormat), try Logger.Level(parsing: logLevel))
        } catch {
            throw CommandLineError(error.message)
        }
    }
}
