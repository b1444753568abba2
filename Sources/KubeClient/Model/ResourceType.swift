import Foundation

/// Where a kind of Kubernetes object lives on the API server: its group, version, plural and
/// scope.
///
/// This is all the client needs to build URLs, so any resource (built-in or custom) can be
/// served through the dynamic path with a `ResourceType` and raw ``JSONValue`` objects.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    /// The API group; empty for the core ("legacy") group served under `/api`.
    public var group: String
    public var version: String
    /// The lower-case plural used in URLs, e.g. `jobs`.
    public var plural: String
    public var kind: String
    /// Whether objects live in a namespace (`false` for cluster-scoped resources).
    public var isNamespaced: Bool

    public init(group: String, version: String, plural: String, kind: String, isNamespaced: Bool) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.isNamespaced = isNamespaced
    }

    /// The `apiVersion` field value: `v1` for core, `group/version` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `plural.group`, the name `kubectl` and RBAC use (`jobs.batch`).
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The path prefix of the group version: `/api/v1` or `/apis/<group>/<version>`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The path of the collection, or of one object when `name` is given.
    ///
    /// - Parameters:
    ///   - namespace: the namespace; ignored for cluster-scoped resources, and `nil` on a
    ///     namespaced resource means "all namespaces" (valid for list and watch only).
    ///   - name: the object name, if the path is for one object.
    ///   - subresource: e.g. `status`, appended after the name.
    public func path(namespace: String? = nil, name: String? = nil, subresource: String? = nil) -> String {
        var path = groupVersionPath
        if isNamespaced, let namespace {
            path += "/namespaces/\(Self.escape(namespace))"
        }
        path += "/\(plural)"
        if let name {
            path += "/\(Self.escape(name))"
            if let subresource { path += "/\(subresource)" }
        }
        return path
    }

    /// Percent-escapes a path segment. Valid Kubernetes names never need it; it keeps an
    /// invalid name from changing the path (`a/b` must not address another resource).
    static func escape(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}

// MARK: - Built-in resource types

extension ResourceType {
    public static let namespaces = ResourceType(
        group: "", version: "v1", plural: "namespaces", kind: "Namespace", isNamespaced: false)
    public static let pods = ResourceType(group: "", version: "v1", plural: "pods", kind: "Pod", isNamespaced: true)
    public static let coreEvents = ResourceType(
        group: "", version: "v1", plural: "events", kind: "Event", isNamespaced: true)
    public static let secrets = ResourceType(
        group: "", version: "v1", plural: "secrets", kind: "Secret", isNamespaced: true)
    public static let configMaps = ResourceType(
        group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", isNamespaced: true)
    public static let jobs = ResourceType(
        group: "batch", version: "v1", plural: "jobs", kind: "Job", isNamespaced: true)
    public static let leases = ResourceType(
        group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", isNamespaced: true)
    public static let events = ResourceType(
        group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", isNamespaced: true)
    public static let priorityClasses = ResourceType(
        group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses", kind: "PriorityClass",
        isNamespaced: false)
    public static let customResourceDefinitions = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions",
        kind: "CustomResourceDefinition", isNamespaced: false)
}
