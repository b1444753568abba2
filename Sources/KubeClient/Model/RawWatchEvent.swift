/// The type of one event of a watch stream.
public enum WatchEventType: String, Codable, Sendable, Hashable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
}

/// One line of a watch stream (metav1.WatchEvent) with the object still raw: for ERROR events
/// the object is a ``Status``, for BOOKMARK only its resourceVersion is meaningful.
public struct RawWatchEvent: Codable, Sendable, Hashable {
    public var type: WatchEventType
    public var object: JSONValue

    public init(type: WatchEventType, object: JSONValue) {
        self.type = type
        self.object = object
    }
}
