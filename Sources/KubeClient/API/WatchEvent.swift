/// One change seen by a watch, with the object decoded.
public enum WatchEvent<Object: Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// Nothing changed, but everything up to `resourceVersion` has been sent: resume from it.
    case bookmark(resourceVersion: String)

    /// The object of an added, modified or deleted event.
    public var object: Object? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object
        case .bookmark: nil
        }
    }
}

extension WatchEvent: Equatable where Object: Equatable {}

extension WatchEvent where Object: KubeObjectRepresentable {
    /// The resourceVersion to resume from after this event.
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object.objectMeta.resourceVersion
        case .bookmark(let version): version
        }
    }
}
