import Foundation

/// Any JSON value, kept losslessly.
///
/// Kubernetes objects carry far more than Punctual models. Typed views decode what we need, while
/// the raw object travels as a `JSONValue` so a read-modify-write never drops a field we do not
/// know about (see DESIGN.md, "nothing is lost"). Integers are kept apart from doubles so that
/// `replicas: 3` round-trips as `3`, not `3.0`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

// MARK: - Accessors

extension JSONValue {
    /// The member `key` of an object, or `nil` for any other value or a missing key.
    public subscript(key: String) -> JSONValue? {
        get {
            if case .object(let members) = self { return members[key] }
            return nil
        }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The value at a path of object keys, e.g. `["metadata", "name"]`.
    public subscript(path path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path { current = current?[key] }
        return current
    }

    /// Sets the value at a path of object keys, creating intermediate objects; `nil` removes it.
    public mutating func set(path: [String], to value: JSONValue?) {
        guard let first = path.first else {
            if let value { self = value }
            return
        }
        guard case .object(var members) = self else { return }
        if path.count == 1 {
            members[first] = value
        } else {
            var child = members[first] ?? .object([:])
            if case .object = child {} else { child = .object([:]) }
            child.set(path: Array(path.dropFirst()), to: value)
            members[first] = child
        }
        self = .object(members)
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value as an integer; doubles with no fractional part count.
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e18: return Int64(value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

// MARK: - Codable

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        // Inside a value decoded from a parsed JSONValue: take the member over as it is.
        if let source = decoder as? JSONValueDecoder {
            self = source.value
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

// MARK: - Conversion to and from typed values

extension JSONValue {
    /// Parses JSON bytes into a value.
    public static func parse(_ data: Data) throws -> JSONValue {
        try parseBytes(data)
    }

    /// Serialises the value as compact JSON with sorted keys (stable output for tests and diffs).
    public func serialized() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Encodes any `Encodable` value into a `JSONValue`.
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder.kubernetes.encode(value)
        self = try JSONValue.parse(data)
    }

    /// Decodes this value into a `Decodable` type, with the conventions of `JSONDecoder.kubernetes`,
    /// walking the value directly (no serialising and parsing again).
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONValueDecoder.decode(T.self, from: self, at: .root)
    }
}

extension JSONEncoder {
    /// An encoder using Kubernetes conventions: RFC 3339 timestamps in UTC, sorted keys.
    public static var kubernetes: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(KubeTime.format(date))
        }
        return encoder
    }
}

extension JSONDecoder {
    /// A decoder using Kubernetes conventions: RFC 3339 timestamps with or without fractions.
    public static var kubernetes: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = KubeTime.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an RFC 3339 time, got \"\(text)\"")
            }
            return date
        }
        return decoder
    }
}

/// Formatting and parsing of Kubernetes timestamps (metav1.Time is RFC 3339 at second precision,
/// metav1.MicroTime at microsecond precision).
public enum KubeTime {
    /// `2026-03-08T07:00:00Z`: metav1.Time.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    /// `2026-03-08T07:00:00.123456Z`: metav1.MicroTime, used by Leases and events.k8s.io.
    public static func formatMicro(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded())
        let whole = format(Date(timeIntervalSince1970: seconds))
        return String(whole.dropLast()) + String(format: ".%06dZ", min(micros, 999_999))
    }

    /// Parses RFC 3339 with optional fractional seconds and any offset.
    public static func parse(_ text: String) -> Date? {
        if let date = parseUTC(text) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: false)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// The common form `2026-03-08T07:00:00Z` (what API servers write), parsed without a
    /// formatter: timestamps are in every object, and `Date.ISO8601FormatStyle` parsing was a
    /// visible share of decoding. Anything else (fractions, offsets) returns `nil`.
    static func parseUTC(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                bytes[10] == UInt8(ascii: "T"),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                bytes[19] == UInt8(ascii: "Z")
            else { return nil }
            func number(_ from: Int, _ count: Int) -> Int? {
                var value = 0
                for index in from..<(from + count) {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
                hour < 24, minute < 60, second < 60
            else { return nil }
            var time = tm()
            time.tm_year = Int32(year - 1900)
            time.tm_mon = Int32(month - 1)
            time.tm_mday = Int32(day)
            time.tm_hour = Int32(hour)
            time.tm_min = Int32(minute)
            time.tm_sec = Int32(second)
            return Date(timeIntervalSince1970: TimeInterval(timegm(&time)))
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
