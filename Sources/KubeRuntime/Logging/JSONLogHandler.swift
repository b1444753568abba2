import Foundation
import KubeClient
import Logging

/// A swift-log handler writing one JSON object per line: `timestamp` (RFC 3339 with
/// milliseconds, UTC), `level`, `label`, `message`, `source`, then the merged metadata as
/// string fields (handler metadata, provider metadata, then the call's own, later winning).
///
/// Log collectors (Loki, Elasticsearch, Cloud Logging) index such lines without parsing rules.
public struct JSONLogHandler: LogHandler {
    /// Where finished lines go: one call per record, the line ends with `\n`.
    public typealias Sink = @Sendable (String) -> Void

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: Sink
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - label: the logger's label.
    ///   - level: the minimum level written.
    ///   - metadataProvider: contributes task-local metadata to every record.
    ///   - now: the timestamp source (the log shows wall time even when the controller runs on a
    ///     virtual clock, so this defaults to the system time).
    ///   - sink: receives every line; defaults to standard error.
    public init(
        label: String,
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil,
        now: @escaping @Sendable () -> Date = { SystemClock().currentDate },
        sink: @escaping Sink = JSONLogHandler.standardError
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.now = now
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }

        var fields: [(String, String)] = [
            ("timestamp", Self.timestamp(now())),
            ("level", event.level.rawValue),
            ("label", label),
            ("message", "\(event.message)"),
            ("source", event.source),
        ]
        if let error = event.error { fields.append(("error", "\(error)")) }
        let reserved = Set(fields.map(\.0))
        for key in merged.keys.sorted() where !reserved.contains(key) {
            if let value = merged[key] { fields.append((key, "\(value)")) }
        }
        let body = fields.map { "\(Self.quote($0.0)):\(Self.quote($0.1))" }.joined(separator: ",")
        sink("{\(body)}\n")
    }

    // MARK: - Encoding

    /// Writes to standard error in one `write`, so concurrent lines never interleave.
    public static let standardError: Sink = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// A JSON string literal for `text` (RFC 8259 escaping).
    static func quote(_ text: String) -> String {
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
