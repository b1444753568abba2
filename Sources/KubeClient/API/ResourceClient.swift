import Foundation
import Logging

/// Calls on one resource type: get, list, create, update, updateStatus, patch, delete, watch.
///
/// `Object` is a typed model, a ``KubeObject`` (typed view plus raw JSON) or a raw
/// ``JSONValue``. Every failure is a ``KubeError`` naming the verb, resource and object.
public struct ResourceClient<Object: KubeObjectRepresentable>: Sendable {
    public let client: KubeClient
    public let resource: ResourceType
    /// The namespace of list/watch and of single-object calls that name none; `nil` lists and
    /// watches all namespaces.
    public let namespace: String?
    private let builder: RequestBuilder

    public init(client: KubeClient, resource: ResourceType, namespace: String?) {
        self.client = client
        self.resource = resource
        self.namespace = resource.isNamespaced ? namespace : nil
        self.builder = RequestBuilder(resource: resource)
    }

    /// The same resource in another namespace.
    public func inNamespace(_ namespace: String?) -> ResourceClient {
        ResourceClient(client: client, resource: resource, namespace: namespace)
    }

    // MARK: - Reads

    public func get(_ name: String, namespace: String? = nil) async throws -> Object {
        try decode(try await send(builder.get(name: name, namespace: namespace ?? self.namespace)))
    }

    /// Lists every object, following `continue` tokens across pages.
    ///
    /// The result's resourceVersion is the first page's: the snapshot a list with `continue`
    /// is consistent with, and where a following watch must start. An object that does not
    /// decode as `Object` is logged and left out; it does not fail the list.
    public func list(options: ListOptions = ListOptions()) async throws -> ObjectList<Object> {
        try await list(options: options) { $0 }
    }

    /// Lists every object like ``list(options:)``, passing each one through `transform` as its
    /// page arrives.
    ///
    /// A cache that keeps only part of each object (an informer's transform) then never holds
    /// the whole decoded list at once: only one page of whole objects is alive at a time, which
    /// bounds the memory of a relist of tens of thousands of objects. The members `omitted` names
    /// are never parsed nor decoded (see ``OmittedFields``).
    public func list(
        options: ListOptions = ListOptions(), omitting omitted: OmittedFields = OmittedFields(),
        transform: (Object) throws -> Object
    ) async throws -> ObjectList<Object> {
        var options = options
        var items: [Object] = []
        var resourceVersion: String?
        repeat {
            let page = try await listPage(options: options, omitting: omitted)
            // No exact `reserveCapacity` per page: it would move every item listed so far to new
            // storage on each page (quadratic in pages), where appending grows geometrically.
            for item in page.items { items.append(try transform(item)) }
            if resourceVersion == nil { resourceVersion = page.resourceVersion }
            options.continueToken = page.continueToken
            // A continued list must not repeat the resourceVersion (the token carries it).
            options.resourceVersion = nil
        } while options.continueToken != nil
        return ObjectList(items: items, resourceVersion: resourceVersion ?? "")
    }

    /// One page of a list; set `options.limit` and pass back `continueToken` for the next. The
    /// members `omitted` names are left out of every item.
    public func listPage(
        options: ListOptions, omitting omitted: OmittedFields = OmittedFields()
    ) async throws -> ObjectList<Object> {
        let request = builder.list(namespace: namespace, options: options)
        let response = try await client.transport.send(request)
        let list: JSONValue = try decode(response, in: request, filter: omitted.listFilter)
        var items: [Object] = []
        for item in list["items"]?.arrayValue ?? [] {
            do {
                items.append(try item.decode(as: Object.self))
            } catch {
                let meta = item.objectMeta
                client.logger.warning(
                    "skipping a listed object that does not decode",
                    metadata: [
                        "resource": "\(resource)", "name": "\(meta.namespace ?? "")/\(meta.name ?? "")",
                        "error": "\(error)",
                    ])
            }
        }
        let token = list[path: ["metadata", "continue"]]?.stringValue
        return ObjectList(
            items: items, resourceVersion: list[path: ["metadata", "resourceVersion"]]?.stringValue ?? "",
            continueToken: token.flatMap { $0.isEmpty ? nil : $0 })
    }

    // MARK: - Writes

    /// Creates `object` in its own namespace, or this client's.
    ///
    /// A 409 answers ``KubeError/Kind/alreadyExists``; for deterministic names that means the
    /// object was already made, so callers may set `options.isSafeToRetry`.
    public func create(_ object: Object, options: WriteOptions = WriteOptions()) async throws -> Object {
        let body = try encode(object, verb: .create)
        return try decode(
            try await send(builder.create(body, namespace: namespaceOf(object), options: options)))
    }

    /// Replaces `object` (PUT). The object's resourceVersion makes this a compare-and-swap: a
    /// stale one answers ``KubeError/Kind/conflict``; re-read and try again.
    public func update(_ object: Object, options: WriteOptions = WriteOptions()) async throws -> Object {
        let body = try encode(object, verb: .update)
        return try decode(try await send(builder.update(body, namespace: namespaceOf(object), options: options)))
    }

    /// Replaces the status of `object` through the status subresource; the rest is ignored.
    public func updateStatus(_ object: Object, options: WriteOptions = WriteOptions()) async throws -> Object {
        let body = try encode(object, verb: .update)
        return try decode(
            try await send(
                builder.update(body, namespace: namespaceOf(object), subresource: "status", options: options)))
    }

    /// Patches an object (or its `status` with `subresource: "status"`).
    public func patch(
        _ name: String, patch: Patch, namespace: String? = nil, subresource: String? = nil,
        options: WriteOptions = WriteOptions()
    ) async throws -> Object {
        try decode(
            try await send(
                builder.patch(
                    name: name, namespace: namespace ?? self.namespace, patch: patch, subresource: subresource,
                    options: options)))
    }

    /// Deletes an object, optionally with a propagation policy and uid/resourceVersion preconditions
    /// (a failed precondition answers ``KubeError/Kind/conflict``).
    public func delete(
        _ name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()
    ) async throws -> DeleteResult<Object> {
        let request = try builder.delete(name: name, namespace: namespace ?? self.namespace, options: options)
        let response = try await client.transport.send(request)
        let value: JSONValue = try decode(response, in: request)
        if value["kind"]?.stringValue == "Status", value["metadata"]?["name"] == nil {
            return .status(try decode(response, in: request))
        }
        return .object(try decode(response, in: request))
    }

    // MARK: - Watch

    /// Opens a watch; iterate the returned stream for events.
    ///
    /// - Parameters:
    ///   - omitted: members left out of every event's object (see ``OmittedFields``).
    ///   - onSkipped: called for every malformed line or undecodable object skipped.
    /// - Throws: ``KubeError`` if the watch cannot be started (after retries); a too old
    ///   resourceVersion is ``KubeError/Kind/gone`` here or as the stream's first error.
    public func watch(
        options: WatchOptions = WatchOptions(), omitting omitted: OmittedFields = OmittedFields(),
        onSkipped: (@Sendable (String) -> Void)? = nil
    ) async throws -> WatchStream<Object> {
        let request = builder.watch(namespace: namespace, options: options)
        let body = try await client.transport.stream(request)
        return WatchStream(
            body: body, request: request, logger: client.logger, omitting: omitted, onSkipped: onSkipped)
    }

    // MARK: - Helpers

    private struct Sent {
        let request: KubeRequest
        let response: KubeResponse
    }

    private func send(_ request: KubeRequest) async throws -> Sent {
        Sent(request: request, response: try await client.transport.send(request))
    }

    private func decode(_ sent: Sent) throws -> Object {
        try decode(sent.response, in: sent.request)
    }

    private func decode<T: Decodable>(
        _ response: KubeResponse, in request: KubeRequest, filter: JSONValue.ParseFilter? = nil
    ) throws -> T {
        do {
            // The one-pass parser is several times faster than `JSONDecoder`; typed values are then
            // decoded from the parsed value directly.
            return try JSONValue.parseBytes(response.body, filter: filter).decode(as: T.self)
        } catch {
            throw KubeError(
                .decoding(underlying: error), verb: request.verb, resource: resource.description,
                namespace: request.namespace, name: request.name,
                message: "cannot decode the answer as \(T.self): \(error)")
        }
    }

    private func encode(_ object: Object, verb: KubeVerb) throws -> JSONValue {
        do {
            return try JSONValue(encoding: object)
        } catch {
            let meta = object.objectMeta
            throw KubeError(
                .invalidRequest, verb: verb, resource: resource.description, namespace: meta.namespace,
                name: meta.name, message: "cannot encode the object: \(error)")
        }
    }

    private func namespaceOf(_ object: Object) -> String? {
        let own = object.objectMeta.namespace
        return (own?.isEmpty ?? true) ? namespace : own
    }
}
