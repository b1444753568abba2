/// How dependents are treated when their owner is deleted (metav1.DeletionPropagation).
public enum PropagationPolicy: String, Sendable, Hashable {
    /// The owner stays, with finalizer `foregroundDeletion`, until its dependents are gone.
    case foreground = "Foreground"
    /// The owner goes at once; its dependents are then deleted by garbage collection.
    case background = "Background"
    /// The owner goes; its dependents stay, with the ownerReference removed.
    case orphan = "Orphan"
}

/// The options of a DELETE (metav1.DeleteOptions) the simulator honours.
public struct DeleteOptions: Sendable, Hashable {
    /// `nil` uses the resource's default: Orphan for batch/v1 Jobs (as the real server does for
    /// that API version), Background for everything else.
    public var propagationPolicy: PropagationPolicy?
    /// Delete only if the object still has this uid (409 Conflict otherwise).
    public var preconditionUID: String?
    /// Delete only if the object still has this resourceVersion (409 Conflict otherwise).
    public var preconditionResourceVersion: String?
    public var isDryRun: Bool

    public init(
        propagationPolicy: PropagationPolicy? = nil, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, isDryRun: Bool = false
    ) {
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.isDryRun = isDryRun
    }
}
