import Logging

/// The `--log-format` of a controller process.
public enum LogFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// One JSON object per line (``JSONLogHandler``), for log collectors.
    case json
    /// swift-log's human-readable `StreamLogHandler` on standard error.
    case text

    public var description: String { rawValue }

    /// Parses a flag value.
    ///
    /// - Throws: ``LoggingOptionError`` listing the accepted values.
    public init(parsing value: String) throws(LoggingOptionError) {
        guard let format = LogFormat(rawValue: value.lowercased()) else {
            throw LoggingOptionError(
                message:
                    "--log-format \"\(value)\": expected one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        self = format
    }

    /// Makes a handler of this format for the logger labelled `label`.
    public func makeHandler(
        label: String,
        level: Logger.Level,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> any LogHandler {
        switch self {
        case .json:
            return JSONLogHandler(label: label, level: level, metadataProvider: metadataProvider)
        case .text:
            var handler = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
            handler.logLevel = level
            return handler
        }
    }

    /// Bootstraps swift-log for the whole process. Call once, from the executable only.
    public func bootstrap(level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        LoggingSystem.bootstrap(
            { label, provider in
                makeHandler(label: label, level: level, metadataProvider: provider)
            }, metadataProvider: metadataProvider)
    }
}

extension Logger.Level {
    /// Parses a `--log-level` value: swift-log's names plus the common aliases `warn` and `fatal`.
    ///
    /// - Throws: ``LoggingOptionError`` listing the accepted values.
    public init(parsing value: String) throws(LoggingOptionError) {
        let lowered = value.lowercased()
        switch lowered {
        case "warn": self = .warning
        case "fatal": self = .critical
        default:
            guard let level = Logger.Level(rawValue: lowered) else {
                throw LoggingOptionError(
                    message: "--log-level \"\(value)\": expected one of "
                        + Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                )
            }
            self = level
        }
    }
}

/// An invalid logging flag value.
public struct LoggingOptionError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}
