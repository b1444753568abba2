import Foundation

/// Builds ``KubeRequest`` values for one resource: URL paths, query parameters and bodies,
/// without any I/O, so every request shape is testable on its own.
public struct RequestBuilder: Sendable {
    public var resource: ResourceType

    public init(resource: ResourceType) {
        self.resource = resource
    }

    // MARK: - Reads

    public func get(name: String, namespace: String?) throws -> KubeRequest {
        let namespace = try scope(namespace, verb: .get, name: name)
        return request(.get, namespace: namespace, name: name, isRetryable: true)
    }

    /// One page of a list; `namespace == nil` on a namespaced resource lists all namespaces.
    public func list(namespace: String?, options: ListOptions) -> KubeRequest {
        var query: [(name: String, value: String)] = []
        query.append(optional: "labelSelector", options.labelSelector)
        query.append(optional: "fieldSelector", options.fieldSelector)
        query.append(optional: "limit", options.limit.map(String.init))
        query.append(optional: "continue", options.continueToken)
        query.append(optional: "resourceVersion", options.resourceVersion)
        query.append(optional: "timeoutSeconds", options.timeoutSeconds.map(String.init))
        return request(.list, namespace: listScope(namespace), query: query, isRetryable: true)
    }

    public func watch(namespace: String?, options: WatchOptions) -> KubeRequest {
        var query: [(name: String, value: String)] = [("watch", "1")]
        query.append(optional: "resourceVersion", options.resourceVersion)
        query.append(optional: "labelSelector", options.labelSelector)
        query.append(optional: "fieldSelector", options.fieldSelector)
        if options.allowWatchBookmarks { query.append(("allowWatchBookmarks", "true")) }
        query.append(optional: "timeoutSeconds", options.timeoutSeconds.map(String.init))
        return request(.watch, namespace: listScope(namespace), query: query, isRetryable: true)
    }

    // MARK: - Writes

    /// A POST of `object` to the collection.
    public func create(_ object: JSONValue, namespace: String?, options: WriteOptions) throws -> KubeRequest {
        let namespace = try scope(namespace, verb: .create, name: object.objectMeta.name)
        return request(
            .create, namespace: namespace, query: writeQuery(options), contentType: "application/json",
            body: try completed(object).serialized(), isRetryable: options.isSafeToRetry,
            priority: options.priority, reportedName: object.objectMeta.name)
    }

    /// A PUT of `object` to its own path, or to its `status` subresource.
    public func update(
        _ object: JSONValue, namespace: String?, subresource: String? = nil, options: WriteOptions
    ) throws -> KubeRequest {
        guard let name = object.objectMeta.name, !name.isEmpty else {
            throw KubeError(
                .invalidRequest, verb: .update, resource: resource.description, namespace: namespace,
                message: "metadata.name is required to update an object")
        }
        let namespace = try scope(namespace, verb: .update, name: name)
        return request(
            .update, namespace: namespace, name: name, subresource: subresource, query: writeQuery(options),
            contentType: "application/json", body: try completed(object).serialized(), isRetryable: true,
            priority: options.priority)
    }

    public func patch(
        name: String, namespace: String?, patch: Patch, subresource: String? = nil, options: WriteOptions
    ) throws -> KubeRequest {
        let namespace = try scope(namespace, verb: .patch, name: name)
        return request(
            .patch, namespace: namespace, name: name, subresource: subresource, query: writeQuery(options),
            contentType: patch.contentType, body: try patch.body.serialized(), isRetryable: options.isSafeToRetry,
            priority: options.priority)
    }

    public func delete(name: String, namespace: String?, options: DeleteOptions) throws -> KubeRequest {
        let namespace = try scope(namespace, verb: .delete, name: name)
        var query: [(name: String, value: String)] = []
        if options.isDryRun { query.append(("dryRun", "All")) }
        return request(
            .delete, namespace: namespace, name: name, query: query, contentType: "application/json",
            body: try options.body.serialized(), isRetryable: true, priority: options.priority)
    }

    // MARK: - Helpers

    private func request(
        _ verb: KubeVerb, namespace: String?, name: String? = nil, subresource: String? = nil,
        query: [(name: String, value: String)] = [], contentType: String? = nil, body: Data? = nil,
        isRetryable: Bool, priority: RequestPriority = .normal, reportedName: String? = nil
    ) -> KubeRequest {
        KubeRequest(
            verb: verb, resource: resource, namespace: namespace, name: name ?? reportedName,
            path: resource.path(namespace: namespace, name: name, subresource: subresource), query: query,
            contentType: contentType, body: body, isRetryable: isRetryable, priority: priority)
    }

    /// The namespace for a single-object call: required for namespaced resources, dropped for
    /// cluster-scoped ones.
    private func scope(_ namespace: String?, verb: KubeVerb, name: String?) throws -> String? {
        guard resource.isNamespaced else { return nil }
        guard let namespace, !namespace.isEmpty else {
            throw KubeError(
                .invalidRequest, verb: verb, resource: resource.description, name: name,
                message: "\(resource) is namespaced: a namespace is required")
        }
        return namespace
    }

    private func listScope(_ namespace: String?) -> String? {
        resource.isNamespaced ? namespace.flatMap { $0.isEmpty ? nil : $0 } : nil
    }

    private func writeQuery(_ options: WriteOptions) -> [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if options.isDryRun { query.append(("dryRun", "All")) }
        query.append(optional: "fieldManager", options.fieldManager)
        return query
    }

    /// Fills in `apiVersion` and `kind` when the object leaves them out.
    private func completed(_ object: JSONValue) -> JSONValue {
        var object = object
        if object["apiVersion"] == nil { object["apiVersion"] = .string(resource.apiVersion) }
        if object["kind"] == nil { object["kind"] = .string(resource.kind) }
        return object
    }
}

extension Array where Element == (name: String, value: String) {
    fileprivate mutating func append(optional name: String, _ value: String?) {
        if let value { append((name, value)) }
    }
}
