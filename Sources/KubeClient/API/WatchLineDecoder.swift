import Foundation

/// Splits a watch stream into events: newline-delimited JSON arriving in arbitrary chunks.
///
/// Pure and incremental: ``feed(_:)`` takes whatever bytes arrived and returns the lines
/// completed so far, decoded; a partial line waits for the next chunk. Blank lines are
/// ignored and `\r\n` is accepted. A line that is not a watch event is returned as a
/// failure without stopping the stream. A line longer than ``maxLineLength`` is dropped
/// (reported once it ends) so a broken server cannot make the buffer grow without bound.
public struct WatchLineDecoder: Sendable {
    /// One decoded line.
    public enum Line: Sendable, Hashable {
        case event(RawWatchEvent)
        /// The line could not be decoded; `preview` is its start, for the log.
        case malformed(preview: String, reason: String)
    }

    public let maxLineLength: Int
    /// Left out of every event's object (see ``OmittedFields``).
    private let filter: JSONValue.ParseFilter?
    private var buffer: [UInt8] = []
    private var isDiscardingLongLine = false

    /// - Parameter omitted: members of the events' objects that are never parsed.
    public init(maxLineLength: Int = 16 << 20, omitting omitted: OmittedFields = OmittedFields()) {
        self.maxLineLength = maxLineLength
        self.filter = omitted.watchEventFilter
    }

    /// Adds a chunk of bytes and returns the lines it completed.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Line] {
        var lines: [Line] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if isDiscardingLongLine {
                    lines.append(.malformed(preview: "", reason: "line longer than \(maxLineLength) bytes"))
                    isDiscardingLongLine = false
                } else if let line = Self.decode(buffer, filter: filter) {
                    lines.append(line)
                }
                buffer.removeAll(keepingCapacity: true)
            } else if !isDiscardingLongLine {
                buffer.append(byte)
                if buffer.count > maxLineLength {
                    buffer.removeAll()
                    isDiscardingLongLine = true
                }
            }
        }
        return lines
    }

    /// Ends the stream, decoding a last line that had no newline.
    public mutating func finish() -> [Line] {
        defer {
            buffer.removeAll()
            isDiscardingLongLine = false
        }
        if isDiscardingLongLine { return [.malformed(preview: "", reason: "line longer than \(maxLineLength) bytes")] }
        return Self.decode(buffer, filter: filter).map { [$0] } ?? []
    }

    /// Bytes held for an incomplete line.
    public var bufferedByteCount: Int { buffer.count }

    private static func decode(_ line: [UInt8], filter: JSONValue.ParseFilter?) -> Line? {
        var slice = line[...]
        while let last = slice.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") { slice.removeLast() }
        while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { slice.removeFirst() }
        guard !slice.isEmpty else { return nil }
        let preview = { String(decoding: slice.prefix(200), as: UTF8.self) }
        do {
            // The one-pass parser: `JSONDecoder` into `JSONValue` costs several times more, and every
            // event of every informer comes through here.
            let line = try JSONValue.parseBytes(Data(slice), filter: filter)
            guard let name = line["type"]?.stringValue, let type = WatchEventType(rawValue: name) else {
                return .malformed(preview: preview(), reason: "\"type\" is not a watch event type")
            }
            guard let object = line["object"] else {
                return .malformed(preview: preview(), reason: "the event has no \"object\"")
            }
            return .event(RawWatchEvent(type: type, object: object))
        } catch {
            return .malformed(preview: preview(), reason: "\(error)")
        }
    }
}
