import Foundation

/// A typed view of an object together with the raw JSON it was read from.
///
/// Typed models only carry the fields Punctual uses. Writing a model back as-is would erase
/// everything else (fields of newer API versions, other controllers' data). A `KubeObject`
/// keeps the raw object; ``merged()`` carries the edits made to ``value`` over onto it, so a
/// read-modify-write changes exactly the fields that were edited.
public struct KubeObject<Value: KubeResource>: Sendable {
    /// The object exactly as the server sent it.
    public private(set) var raw: JSONValue
    /// The typed view; edit it, then write with `ResourceClient.update(_:)`.
    public var value: Value
    /// The typed view as decoded from `raw`, the base the edits are measured against.
    private let original: Value

    /// Decodes `raw` into the typed view.
    ///
    /// - Throws: `DecodingError` when `raw` does not match `Value`.
    public init(raw: JSONValue) throws {
        self.raw = raw
        let decoded = try raw.decode(as: Value.self)
        self.value = decoded
        self.original = decoded
    }

    /// Wraps a value built in code (nothing unmodelled to keep), e.g. for a create.
    ///
    /// - Throws: `EncodingError` if the value cannot be encoded.
    public init(_ value: Value) throws {
        self.raw = try JSONValue(encoding: value)
        self.value = value
        self.original = value
    }

    /// The raw object with the typed edits applied: what an update should send.
    ///
    /// - Throws: `EncodingError` if the typed value cannot be encoded.
    public func merged() throws -> JSONValue {
        let base = try JSONValue(encoding: original)
        let edited = try JSONValue(encoding: value)
        return raw.merging(changesFrom: base, to: edited)
    }

    /// A merge patch with only the typed edits, or `nil` if nothing was edited.
    ///
    /// - Throws: `EncodingError` if the typed value cannot be encoded.
    public func mergePatch() throws -> JSONValue? {
        try JSONValue(encoding: original).mergePatch(to: JSONValue(encoding: value))
    }

    public var metadata: ObjectMeta { value.metadata }
}

extension KubeObject: KubeObjectRepresentable {
    public var objectMeta: ObjectMeta { value.metadata }

    public init(from decoder: any Decoder) throws {
        try self.init(raw: JSONValue(from: decoder))
    }

    /// Encodes the merged object, so unmodelled fields are written back.
    public func encode(to encoder: any Encoder) throws {
        try merged().encode(to: encoder)
    }
}

extension KubeObject: Equatable where Value: Equatable {
    public static func == (lhs: KubeObject, rhs: KubeObject) -> Bool {
        lhs.raw == rhs.raw && lhs.value == rhs.value
    }
}
