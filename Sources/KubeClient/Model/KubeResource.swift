/// An object the client can read and write: anything `Codable` that exposes its metadata.
///
/// Both typed models (``Job``, ``Pod``...) and raw ``JSONValue`` objects conform, so one
/// ``ResourceClient`` serves the typed and the dynamic path.
public protocol KubeObjectRepresentable: Codable, Sendable {
    /// The object's metadata (name, namespace, resourceVersion...).
    var objectMeta: ObjectMeta { get }
}

/// A typed model of one Kubernetes kind, bound to where it is served.
///
/// Models carry only the fields Punctual uses; read them through ``KubeObject`` to keep the
/// rest on a read-modify-write.
public protocol KubeResource: KubeObjectRepresentable {
    /// The resource the type is served as.
    static var resourceType: ResourceType { get }
    var metadata: ObjectMeta { get set }
}

extension KubeResource {
    public var objectMeta: ObjectMeta { metadata }
}

extension JSONValue: KubeObjectRepresentable {
    /// The decoded `metadata` member; an empty value when missing or malformed.
    public var objectMeta: ObjectMeta {
        guard let metadata = self["metadata"], let decoded = try? metadata.decode(as: ObjectMeta.self) else {
            return ObjectMeta()
        }
        return decoded
    }
}
