import Foundation

/// Filters and paging of a list call.
public struct ListOptions: Sendable, Hashable {
    /// e.g. `app=web,tier in (a,b),!legacy`.
    public var labelSelector: String?
    /// e.g. `metadata.name=report`.
    public var fieldSelector: String?
    /// Page size; ``ResourceClient/list(options:)`` follows `continue` tokens until the end.
    public var limit: Int?
    public var continueToken: String?
    /// `"0"` allows a cached answer; `nil` asks for the latest state.
    public var resourceVersion: String?
    public var timeoutSeconds: Int?

    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
        continueToken: String? = nil, resourceVersion: String? = nil, timeoutSeconds: Int? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Where and how a watch starts.
public struct WatchOptions: Sendable, Hashable {
    /// Start after this version; `nil` or `"0"` starts with the current state as ADDED events.
    public var resourceVersion: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Ask for BOOKMARK events, which advance the resourceVersion without an object change.
    public var allowWatchBookmarks: Bool
    /// The server ends the stream after this many seconds (it may choose a shorter time).
    public var timeoutSeconds: Int?

    public init(
        resourceVersion: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        allowWatchBookmarks: Bool = true, timeoutSeconds: Int? = nil
    ) {
        self.resourceVersion = resourceVersion
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.allowWatchBookmarks = allowWatchBookmarks
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Options of create, update and patch calls.
public struct WriteOptions: Sendable, Hashable {
    /// Validate and answer as if written, without persisting (`dryRun=All`).
    public var isDryRun: Bool
    public var fieldManager: String?
    /// Allow retries of a POST or PATCH. Set only when repeating the request cannot do harm,
    /// e.g. a create of a deterministic name, where a repeat answers 409 AlreadyExists.
    public var isSafeToRetry: Bool
    /// The request's place in the client's rate-limit queue when tokens are scarce.
    public var priority: RequestPriority

    public init(
        isDryRun: Bool = false, fieldManager: String? = nil, isSafeToRetry: Bool = false,
        priority: RequestPriority = .normal
    ) {
        self.isDryRun = isDryRun
        self.fieldManager = fieldManager
        self.isSafeToRetry = isSafeToRetry
        self.priority = priority
    }
}

/// What happens to dependents when an owner is deleted.
public enum PropagationPolicy: String, Sendable, Hashable, Codable {
    /// Dependents are deleted first, then the owner.
    case foreground = "Foreground"
    /// The owner goes at once; the garbage collector deletes dependents afterwards.
    case background = "Background"
    /// Dependents are kept and their owner references removed.
    case orphan = "Orphan"
}

/// The body of a DELETE (meta/v1 DeleteOptions).
public struct DeleteOptions: Sendable, Hashable {
    public var propagationPolicy: PropagationPolicy?
    /// Delete only if the object still has this uid (not a new object of the same name).
    public var preconditionUID: String?
    /// Delete only if the object is still at this version.
    public var preconditionResourceVersion: String?
    public var gracePeriodSeconds: Int64?
    public var isDryRun: Bool
    /// The request's place in the client's rate-limit queue when tokens are scarce (not sent).
    public var priority: RequestPriority

    public init(
        propagationPolicy: PropagationPolicy? = nil, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, gracePeriodSeconds: Int64? = nil, isDryRun: Bool = false,
        priority: RequestPriority = .normal
    ) {
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.gracePeriodSeconds = gracePeriodSeconds
        self.isDryRun = isDryRun
        self.priority = priority
    }

    /// The DeleteOptions JSON object.
    public var body: JSONValue {
        var body: JSONValue = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let propagationPolicy { body["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        if let gracePeriodSeconds { body["gracePeriodSeconds"] = .int(gracePeriodSeconds) }
        if isDryRun { body["dryRun"] = ["All"] }
        if preconditionUID != nil || preconditionResourceVersion != nil {
            var preconditions: JSONValue = [:]
            if let preconditionUID { preconditions["uid"] = .string(preconditionUID) }
            if let preconditionResourceVersion {
                preconditions["resourceVersion"] = .string(preconditionResourceVersion)
            }
            body["preconditions"] = preconditions
        }
        return body
    }
}

/// A patch and its format.
public enum Patch: Sendable, Hashable {
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge, `null` removes,
    /// arrays are replaced whole.
    case merge(JSONValue)
    /// RFC 6902 JSON patch (`application/json-patch+json`): a list of operations.
    case json([JSONPatchOperation])
    /// Kubernetes strategic merge patch. The body is a merge patch; servers that know the
    /// type's merge keys merge lists by key instead of replacing them (built-in types only).
    case strategicMerge(JSONValue)

    public var contentType: String {
        switch self {
        case .merge: "application/merge-patch+json"
        case .json: "application/json-patch+json"
        case .strategicMerge: "application/strategic-merge-patch+json"
        }
    }

    /// The JSON body of the patch.
    public var body: JSONValue {
        switch self {
        case .merge(let value), .strategicMerge(let value): value
        case .json(let operations): .array(operations.map(\.json))
        }
    }
}

/// One RFC 6902 operation; paths are JSON pointers (`/metadata/labels/app`).
public enum JSONPatchOperation: Sendable, Hashable {
    case add(path: String, value: JSONValue)
    case remove(path: String)
    case replace(path: String, value: JSONValue)
    case move(from: String, path: String)
    case copy(from: String, path: String)
    /// Fails the whole patch unless the value at `path` equals `value`.
    case test(path: String, value: JSONValue)

    public var json: JSONValue {
        switch self {
        case .add(let path, let value): ["op": "add", "path": .string(path), "value": value]
        case .remove(let path): ["op": "remove", "path": .string(path)]
        case .replace(let path, let value): ["op": "replace", "path": .string(path), "value": value]
        case .move(let from, let path): ["op": "move", "from": .string(from), "path": .string(path)]
        case .copy(let from, let path): ["op": "copy", "from": .string(from), "path": .string(path)]
        case .test(let path, let value): ["op": "test", "path": .string(path), "value": value]
        }
    }

    /// Escapes one JSON pointer segment (`~` → `~0`, `/` → `~1`), e.g. for annotation keys.
    public static func escape(_ segment: String) -> String {
        segment.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
