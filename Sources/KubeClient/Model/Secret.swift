import Foundation

/// A core/v1 Secret. `data` values are base64 on the wire and raw bytes here.
public struct Secret: KubeResource, Hashable {
    public static let resourceType = ResourceType.secrets

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var data: [String: Data]?
    /// Write-only convenience: the server merges it into `data` and never returns it.
    public var stringData: [String: String]?
    public var type: String?
    public var immutable: Bool?

    public init(
        metadata: ObjectMeta, data: [String: Data]? = nil, stringData: [String: String]? = nil,
        type: String? = nil, immutable: Bool? = nil
    ) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.data = data
        self.stringData = stringData
        self.type = type
        self.immutable = immutable
    }

    /// The value of `key` decoded as UTF-8, or `nil` when missing or not text.
    public func string(forKey key: String) -> String? {
        guard let bytes = data?[key] else { return stringData?[key] }
        return String(data: bytes, encoding: .utf8)
    }
}
