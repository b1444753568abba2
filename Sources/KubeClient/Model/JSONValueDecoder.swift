import Foundation

/// Decodes typed values straight from a parsed ``JSONValue``, with the conventions of
/// `JSONDecoder.kubernetes` (RFC 3339 dates, base64 `Data`).
///
/// Typed views of objects used to be decoded by serialising the `JSONValue` back to bytes and
/// running `JSONDecoder` over them: every watch event, list item and response was parsed twice
/// and serialised once. This decoder walks the already parsed value instead. A `JSONValue` (or a
/// ``KubeObject``'s raw object) inside a typed value is taken over as it is, so nothing is lost.
struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let location: CodingPath
    var codingPath: [any CodingKey] { location.keys }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: JSONValue, location: CodingPath = .root) {
        self.value = value
        self.location = location
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw Self.mismatch([String: JSONValue].self, at: location, found: value)
        }
        return KeyedDecodingContainer(Keyed<Key>(members: members, location: location))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw Self.mismatch([JSONValue].self, at: location, found: value)
        }
        return Unkeyed(elements: elements, location: location)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        Single(value: value, location: location)
    }

    // MARK: - Decoding one value

    /// Decodes `type` from `value`, with the special cases `JSONDecoder` has (and our date format).
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: @autoclosure () -> CodingPath)
        throws -> T
    {
        if T.self == JSONValue.self, let value = value as? T { return value }
        if T.self == Date.self {
            guard case .string(let text) = value else { throw mismatch(String.self, at: path(), found: value) }
            guard let date = KubeTime.parse(text) as? T else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: path().keys, debugDescription: "expected an RFC 3339 time, got \"\(text)\""))
            }
            return date
        }
        if T.self == Data.self {
            guard case .string(let text) = value else { throw mismatch(String.self, at: path(), found: value) }
            guard let data = Data(base64Encoded: text) as? T else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: path().keys, debugDescription: "expected base64 data"))
            }
            return data
        }
        // The most common members, without a nested decoder.
        if T.self == String.self, let text = try string(from: value, at: path()) as? T { return text }
        if T.self == [String: String].self, let map = try stringMap(from: value, at: path()) as? T { return map }
        return try T(from: JSONValueDecoder(value, location: path()))
    }

    static func mismatch(_ type: Any.Type, at path: @autoclosure () -> CodingPath, found value: JSONValue)
        -> DecodingError
    {
        if value == .null {
            return .valueNotFound(
                type, .init(codingPath: path().keys, debugDescription: "expected \(type), found null"))
        }
        return .typeMismatch(
            type, .init(codingPath: path().keys, debugDescription: "expected \(type), found \(value.kind)"))
    }

    static func integer<T: FixedWidthInteger>(
        _ type: T.Type, from value: JSONValue, at path: @autoclosure () -> CodingPath
    ) throws
        -> T
    {
        switch value {
        case .int(let number):
            if let exact = T(exactly: number) { return exact }
        case .double(let number):
            if let exact = T(exactly: number) { return exact }
        default:
            throw mismatch(T.self, at: path(), found: value)
        }
        throw DecodingError.dataCorrupted(
            .init(codingPath: path().keys, debugDescription: "the number \(value) does not fit in \(T.self)"))
    }

    static func floatingPoint<T: BinaryFloatingPoint>(
        _ type: T.Type, from value: JSONValue, at path: @autoclosure () -> CodingPath
    )
        throws -> T
    {
        switch value {
        case .int(let number): return T(number)
        case .double(let number): return T(number)
        default: throw mismatch(T.self, at: path(), found: value)
        }
    }

    static func string(from value: JSONValue, at path: @autoclosure () -> CodingPath) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, at: path(), found: value) }
        return text
    }

    static func stringMap(from value: JSONValue, at path: @autoclosure () -> CodingPath) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw mismatch([String: String].self, at: path(), found: value)
        }
        var map: [String: String] = [:]
        map.reserveCapacity(members.count)
        for (key, member) in members {
            guard case .string(let text) = member else {
                throw mismatch(String.self, at: path().appending(StringKey(key)), found: member)
            }
            map[key] = text
        }
        return map
    }

    static func bool(from value: JSONValue, at path: @autoclosure () -> CodingPath) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, at: path(), found: value) }
        return flag
    }
}

// MARK: - Coding paths

extension JSONValueDecoder {
    /// Where a value sits, as a list from the innermost key out: extending it allocates one node
    /// instead of copying an array, and the array is only built for an error.
    indirect enum CodingPath {
        case root
        case member(any CodingKey, parent: CodingPath)

        func appending(_ key: any CodingKey) -> CodingPath { .member(key, parent: self) }

        var keys: [any CodingKey] {
            var keys: [any CodingKey] = []
            var current = self
            while case .member(let key, let parent) = current {
                keys.append(key)
                current = parent
            }
            return keys.reversed()
        }
    }

    /// A dictionary key in coding paths.
    struct StringKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }

        init(_ key: String) { stringValue = key }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { nil }
    }
}

// MARK: - Containers

extension JSONValueDecoder {
    /// A coding key for array positions in coding paths.
    struct Index: CodingKey {
        let intValue: Int?
        let stringValue: String

        init(_ index: Int) {
            intValue = index
            stringValue = "Index \(index)"
        }

        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.init(intValue) }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [String: JSONValue]
        let location: CodingPath
        var codingPath: [any CodingKey] { location.keys }

        var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        private func member(_ key: Key) throws -> JSONValue {
            guard let value = members[key.stringValue] else {
                throw DecodingError.keyNotFound(
                    key, .init(codingPath: location.keys, debugDescription: "no value for key \"\(key.stringValue)\""))
            }
            return value
        }

        private func path(_ key: Key) -> CodingPath { location.appending(key) }

        func decodeNil(forKey key: Key) throws -> Bool { try member(key) == .null }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try JSONValueDecoder.bool(from: member(key), at: path(key))
        }

        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try JSONValueDecoder.string(from: member(key), at: path(key))
        }

        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            try JSONValueDecoder.floatingPoint(type, from: member(key), at: path(key))
        }

        func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
            try JSONValueDecoder.floatingPoint(type, from: member(key), at: path(key))
        }

        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(type, key) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }

        private func integer<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T {
            try JSONValueDecoder.integer(type, from: member(key), at: path(key))
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try JSONValueDecoder.decode(type, from: member(key), at: path(key))
        }

        // MARK: Optional members (one lookup instead of contains, decodeNil and decode)

        private func present(_ key: Key) -> JSONValue? {
            guard let value = members[key.stringValue] else { return nil }
            if case .null = value { return nil }
            return value
        }

        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
            try present(key).map { try JSONValueDecoder.bool(from: $0, at: path(key)) }
        }

        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            try present(key).map { try JSONValueDecoder.string(from: $0, at: path(key)) }
        }

        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
            try present(key).map { try JSONValueDecoder.floatingPoint(type, from: $0, at: path(key)) }
        }

        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optionalInteger(type, key) }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optionalInteger(type, key) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optionalInteger(type, key) }

        private func optionalInteger<T: FixedWidthInteger>(_ type: T.Type, _ key: Key) throws -> T? {
            try present(key).map { try JSONValueDecoder.integer(type, from: $0, at: path(key)) }
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            try present(key).map { try JSONValueDecoder.decode(type, from: $0, at: path(key)) }
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type, forKey key: Key
        ) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONValueDecoder(member(key), location: path(key)).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONValueDecoder(member(key), location: path(key)).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            JSONValueDecoder(members["super"] ?? .null, location: location)
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONValueDecoder(members[key.stringValue] ?? .null, location: path(key))
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let elements: [JSONValue]
        let location: CodingPath
        var codingPath: [any CodingKey] { location.keys }
        private(set) var currentIndex = 0

        init(elements: [JSONValue], location: CodingPath) {
            self.elements = elements
            self.location = location
        }

        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        private mutating func next<T>(_ type: T.Type, _ read: (JSONValue, CodingPath) throws -> T) throws -> T {
            let path = location.appending(Index(currentIndex))
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    type, .init(codingPath: path.keys, debugDescription: "the array has no more elements"))
            }
            let value = try read(elements[currentIndex], path)
            currentIndex += 1
            return value
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, elements[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool {
            try next(type) { try JSONValueDecoder.bool(from: $0, at: $1) }
        }
        mutating func decode(_ type: String.Type) throws -> String {
            try next(type) { try JSONValueDecoder.string(from: $0, at: $1) }
        }
        mutating func decode(_ type: Double.Type) throws -> Double {
            try next(type) { try JSONValueDecoder.floatingPoint(type, from: $0, at: $1) }
        }
        mutating func decode(_ type: Float.Type) throws -> Float {
            try next(type) { try JSONValueDecoder.floatingPoint(type, from: $0, at: $1) }
        }
        mutating func decode(_ type: Int.Type) throws -> Int { try integer(type) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

        private mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            try next(type) { try JSONValueDecoder.integer(type, from: $0, at: $1) }
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try next(type) { try JSONValueDecoder.decode(type, from: $0, at: $1) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type
        ) throws -> KeyedDecodingContainer<NestedKey> {
            try next(KeyedDecodingContainer<NestedKey>.self) {
                try JSONValueDecoder($0, location: $1).container(keyedBy: type)
            }
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try next((any UnkeyedDecodingContainer).self) {
                try JSONValueDecoder($0, location: $1).unkeyedContainer()
            }
        }

        mutating func superDecoder() throws -> any Decoder {
            try next((any Decoder).self) { JSONValueDecoder($0, location: $1) }
        }
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let location: CodingPath
        var codingPath: [any CodingKey] { location.keys }

        func decodeNil() -> Bool { value == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try JSONValueDecoder.bool(from: value, at: location) }
        func decode(_ type: String.Type) throws -> String { try JSONValueDecoder.string(from: value, at: location) }
        func decode(_ type: Double.Type) throws -> Double {
            try JSONValueDecoder.floatingPoint(type, from: value, at: location)
        }
        func decode(_ type: Float.Type) throws -> Float {
            try JSONValueDecoder.floatingPoint(type, from: value, at: location)
        }
        func decode(_ type: Int.Type) throws -> Int { try integer(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

        private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            try JSONValueDecoder.integer(type, from: value, at: location)
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONValueDecoder.decode(type, from: value, at: location)
        }
    }
}

extension JSONValue {
    /// The JSON type of the value, for error messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
