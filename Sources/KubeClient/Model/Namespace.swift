/// A core/v1 Namespace (cluster-scoped).
public struct Namespace: KubeResource, Hashable {
    public static let resourceType = ResourceType.namespaces

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var status: Status?

    /// `Active` or `Terminating`.
    public struct Status: Codable, Sendable, Hashable {
        public var phase: String?

        public init(phase: String? = nil) { self.phase = phase }
    }

    public init(metadata: ObjectMeta, status: Status? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.status = status
    }
}
