import KubeClient

/// The kind of write an admission plug-in is asked about.
public enum AdmissionOperation: String, Sendable, Hashable {
    case create = "CREATE"
    case update = "UPDATE"
}

/// Which part of an object a write addresses.
public enum Subresource: String, Sendable, Hashable {
    /// The object itself: `.status` changes are ignored for resources with a status subresource.
    case main = ""
    /// `/status`: only `.status` changes.
    case status
}

/// One write about to be stored, as shown to admission plug-ins.
public struct AdmissionRequest: Sendable {
    public var operation: AdmissionOperation
    /// The resource written, including a custom resource's schema (``ServedResource/schemas``).
    public var resourceType: ServedResource
    public var subresource: Subresource
    /// The object as it would be stored (metadata such as uid and generation already filled in).
    public var object: JSONValue
    /// The stored object before an update.
    public var oldObject: JSONValue?
    public var isDryRun: Bool
    /// What to do with fields the schema does not know.
    public var fieldValidation: FieldValidation
    /// Where plug-ins record warnings for the client.
    public var warnings: AdmissionWarnings

    public init(
        operation: AdmissionOperation, resourceType: ServedResource, subresource: Subresource, object: JSONValue,
        oldObject: JSONValue?, isDryRun: Bool, fieldValidation: FieldValidation = .ignore,
        warnings: AdmissionWarnings = AdmissionWarnings()
    ) {
        self.operation = operation
        self.resourceType = resourceType
        self.subresource = subresource
        self.object = object
        self.oldObject = oldObject
        self.isDryRun = isDryRun
        self.fieldValidation = fieldValidation
        self.warnings = warnings
    }
}

/// The extension point for validation and defaulting before an object is stored.
///
/// Plug-ins run in order on every create and update (including patches and `/status` writes, and
/// dry runs) after the store has applied its own rules (status separation, metadata, generation),
/// and before anything is stored or an event is sent. A plug-in returns the object to store (it may
/// default fields) or throws a ``Status``, typically
/// ``Admission/invalidStatus(kind:group:name:errors:)`` (422 with causes).
///
/// - Important: plug-ins run while the store holds its lock, so that a patch is computed, validated
///   and stored atomically. They must be fast and must not call back into the ``SimStore``.
public protocol AdmissionPlugin: Sendable {
    /// Validates (and may default) one write.
    ///
    /// - Returns: the object to store.
    /// - Throws: a ``Status`` that is returned to the client unchanged.
    func admit(_ request: AdmissionRequest) throws(Status) -> JSONValue
}
