import KubeClient

/// The identity of one stored object.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public var resource: GroupResource
    /// The namespace, empty for cluster-scoped objects.
    public var namespace: String
    public var name: String

    public init(resource: GroupResource, namespace: String, name: String) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    public var description: String {
        namespace.isEmpty ? "\(resource) \(name)" : "\(resource) \(namespace)/\(name)"
    }
}

/// One change of the store, in resourceVersion order: what watchers and in-process observers see.
///
/// `object` is the state after the change (for DELETED, the last state); `previous` is the state
/// before a MODIFIED or DELETED, which lets a watcher with a selector turn "stopped matching" into
/// DELETED. A `bookmark` carries only the current resourceVersion.
public struct StoreEvent: Sendable {
    public var type: WatchEventType
    public var resource: GroupResource
    public var object: JSONValue
    public var previous: JSONValue?
    public var resourceVersion: Int64

    public init(
        type: WatchEventType, resource: GroupResource, object: JSONValue, previous: JSONValue? = nil,
        resourceVersion: Int64
    ) {
        self.type = type
        self.resource = resource
        self.object = object
        self.previous = previous
        self.resourceVersion = resourceVersion
    }

    /// The namespace of the changed object (empty for cluster-scoped objects and bookmarks).
    public var namespace: String { object.metadataNamespace }
}

/// Where a subscription starts.
public enum WatchStart: Sendable, Hashable {
    /// Only changes after the current resourceVersion.
    case now
    /// An ADDED event for every current object first, then changes (watch with RV "" or "0").
    case initialState
    /// Every retained change after this resourceVersion; 410 Expired if the history no longer reaches back.
    case after(Int64)
}
