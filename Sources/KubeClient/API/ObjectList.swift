/// The items of a list call and the resourceVersion to start a watch from.
public struct ObjectList<Object: Sendable>: Sendable {
    public var items: [Object]
    /// The list's resourceVersion: watching from it misses nothing that happened after the list.
    public var resourceVersion: String
    /// The token for the next page, when the list was read one page at a time.
    public var continueToken: String?

    public init(items: [Object], resourceVersion: String, continueToken: String? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
    }
}

/// What a delete answered: the object (still present while finalizers or foreground deletion
/// run, with `deletionTimestamp` set) or a Status saying it is gone.
public enum DeleteResult<Object: Sendable>: Sendable {
    case object(Object)
    case status(Status)
}
