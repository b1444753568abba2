import Foundation
import KubeClient

/// The mutable state of a ``SimStore``; every method runs under the store's lock.
///
/// Writes are expressed as mutating methods so that a write, its garbage-collection cascade and the
/// events they produce form one atomic step, published to watchers in resourceVersion order.
struct StoreState {
    var revision: Int64 = 0
    var types: [GroupResource: ServedResource] = [:]
    var buckets: [GroupResource: ResourceBucket] = [:]
    /// uid → key, for garbage collection and owner lookups.
    var keysByUID: [String: ObjectKey] = [:]
    /// owner uid → dependents naming it in an ownerReference.
    var dependentsByOwner: [String: Set<ObjectKey>] = [:]
    var hub: WatchHub
    let admission: [any AdmissionPlugin]
    let now: @Sendable () -> Date

    init(historyLimit: Int, admission: [any AdmissionPlugin], now: @escaping @Sendable () -> Date) {
        hub = WatchHub(historyLimit: historyLimit)
        self.admission = admission
        self.now = now
        for type in ServedResource.builtIns { types[type.groupResource] = type }
    }

    // MARK: - Lookup

    func type(of resource: GroupResource) throws(Status) -> ServedResource {
        guard let type = types[resource] else {
            throw Status.pathNotFound("the server doesn't have a resource type \"\(resource)\"")
        }
        return type
    }

    func object(_ key: ObjectKey) -> JSONValue? {
        buckets[key.resource]?.object(namespace: key.namespace, name: key.name)
    }

    func existing(_ key: ObjectKey) throws(Status) -> JSONValue {
        guard let object = object(key) else { throw Status.notFound(key.resource, name: key.name) }
        return object
    }

    /// Checks the namespace part of a request against the resource's scope and the stored namespaces.
    func checkNamespace(_ namespace: String, for type: ServedResource) throws(Status) {
        if type.isNamespaced {
            guard !namespace.isEmpty else {
                throw Status.badRequest("the resource \(type.groupResource) is namespaced: a namespace is required")
            }
            let namespaces = GroupResource(group: "", resource: "namespaces")
            guard object(ObjectKey(resource: namespaces, namespace: "", name: namespace)) != nil else {
                throw Status.notFound(namespaces, name: namespace)
            }
        } else if !namespace.isEmpty {
            throw Status.pathNotFound("\(type.groupResource) is cluster-scoped: no namespace \(namespace)")
        }
    }

    var timestamp: String { KubeTime.format(now()) }

    // MARK: - Create

    mutating func create(
        _ resource: GroupResource, namespace: String, object input: JSONValue, isDryRun: Bool,
        validation: WriteValidation = WriteValidation()
    ) throws(Status) -> JSONValue {
        let type = try type(of: resource)
        try checkNamespace(namespace, for: type)
        guard case .object = input else { throw Status.badRequest("the request body must be a JSON object") }
        var object = input
        try checkKind(object, type)
        object["apiVersion"] = .string(type.apiVersion(type.preferredVersion))
        object["kind"] = .string(type.kind)
        var metadata = object["metadata"]?.objectValue ?? [:]
        if let bodyNamespace = metadata["namespace"]?.stringValue, !bodyNamespace.isEmpty,
            bodyNamespace != namespace, type.isNamespaced
        {
            throw Status.badRequest(
                "the namespace of the provided object does not match the namespace sent on the request")
        }
        if let version = metadata["resourceVersion"]?.stringValue, !version.isEmpty {
            throw Status.badRequest("resourceVersion should not be set on objects to be created")
        }
        var name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty {
            guard let prefix = metadata["generateName"]?.stringValue, !prefix.isEmpty else {
                throw Admission.invalidStatus(
                    kind: type.kind, group: type.group, name: "",
                    errors: [.required("metadata.name", "name or generateName is required")])
            }
            name = uniqueName(prefix: prefix, resource: resource, namespace: namespace)
        }
        let key = ObjectKey(resource: resource, namespace: namespace, name: name)
        guard self.object(key) == nil else { throw Status.alreadyExists(resource, name: name) }
        metadata["name"] = .string(name)
        if type.isNamespaced { metadata["namespace"] = .string(namespace) } else { metadata["namespace"] = nil }
        metadata["uid"] = .string(UUID().uuidString.lowercased())
        metadata["creationTimestamp"] = .string(timestamp)
        metadata["deletionTimestamp"] = nil
        metadata["deletionGracePeriodSeconds"] = nil
        metadata["resourceVersion"] = nil
        if Self.tracksGeneration(type) { metadata["generation"] = 1 } else { metadata["generation"] = nil }
        object["metadata"] = .object(metadata)
        object = Self.withDefaults(object, type: type, old: nil)
        if type.group.isEmpty && type.resource == "pods" { object = try resolvingPriority(of: object) }
        object = initialStatus(of: object, type: type)
        object = try admit(
            .create, type: type, subresource: .main, object: object, old: nil, isDryRun: isDryRun,
            validation: validation)
        if isDryRun { return object }
        return commitCreate(object, key: key, type: type)
    }

    /// Stores a new object: assigns its resourceVersion, indexes it and publishes ADDED.
    mutating func commitCreate(_ input: JSONValue, key: ObjectKey, type: ServedResource) -> JSONValue {
        revision += 1
        var object = input
        object.set(path: ["metadata", "resourceVersion"], to: .string(String(revision)))
        buckets[key.resource, default: ResourceBucket()].store(object, namespace: key.namespace, name: key.name)
        index(object, key: key)
        if type.isCustomResourceDefinition { registerDefinition(object) }
        hub.publish(StoreEvent(type: .added, resource: key.resource, object: object, resourceVersion: revision))
        return object
    }

    private func uniqueName(prefix: String, resource: GroupResource, namespace: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        while true {
            let suffix = String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
            let name = String(prefix.prefix(58)) + suffix
            if object(ObjectKey(resource: resource, namespace: namespace, name: name)) == nil { return name }
        }
    }

    private func checkKind(_ object: JSONValue, _ type: ServedResource) throws(Status) {
        if let kind = object["kind"]?.stringValue, !kind.isEmpty, kind != type.kind {
            throw Status.badRequest("the kind in the body (\(kind)) does not match the resource kind (\(type.kind))")
        }
        if let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty,
            !type.versions.contains(where: { type.apiVersion($0) == apiVersion })
        {
            throw Status.badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version "
                    + "(\(type.apiVersion(type.preferredVersion)))")
        }
    }

    /// Resources whose `metadata.generation` counts spec changes (custom resources, CRDs, Jobs).
    static func tracksGeneration(_ type: ServedResource) -> Bool {
        type.definitionUID != nil || type.isCustomResourceDefinition || (type.group == "batch")
    }

    /// What the real server does to `.status` on create: reset it for resources with a status
    /// subresource (Pods start `Pending`, Namespaces `Active`, CRDs get their conditions).
    private func initialStatus(of input: JSONValue, type: ServedResource) -> JSONValue {
        var object = input
        guard type.hasStatus else { return object }
        switch (type.group, type.resource) {
        case ("", "pods"): object["status"] = ["phase": "Pending"]
        case ("", "namespaces"): object["status"] = ["phase": "Active"]
        case ("", "nodes"): break  // A kubelet registers its Node with its status.
        case ("apiextensions.k8s.io", "customresourcedefinitions"): object["status"] = definitionStatus(object)
        default: object["status"] = nil
        }
        return object
    }

    func admit(
        _ operation: AdmissionOperation, type: ServedResource, subresource: Subresource, object: JSONValue,
        old: JSONValue?, isDryRun: Bool, validation: WriteValidation = WriteValidation()
    ) throws(Status) -> JSONValue {
        if type.isCustomResourceDefinition { try validateDefinition(object) }
        var current = object
        for plugin in admission {
            current = try plugin.admit(
                AdmissionRequest(
                    operation: operation, resourceType: type, subresource: subresource, object: current,
                    oldObject: old, isDryRun: isDryRun, fieldValidation: validation.mode,
                    warnings: validation.warnings))
        }
        return current
    }

    // MARK: - Update

    /// Replaces an object (PUT, or the result of a patch or an in-process modification).
    ///
    /// - Parameter requireMatchingRV: when the body's resourceVersion is set it must equal the stored one.
    mutating func update(
        _ key: ObjectKey, with input: JSONValue, subresource: Subresource, isDryRun: Bool,
        validation: WriteValidation = WriteValidation()
    ) throws(Status) -> JSONValue {
        let type = try type(of: key.resource)
        let old = try existing(key)
        guard case .object = input else { throw Status.badRequest("the request body must be a JSON object") }
        try checkKind(input, type)
        let bodyName = input.metadataName
        if !bodyName.isEmpty, bodyName != key.name {
            throw Status.badRequest(
                "the name of the object (\(bodyName)) does not match the name on the URL (\(key.name))")
        }
        if let version = input[path: ["metadata", "resourceVersion"]]?.stringValue, !version.isEmpty,
            version != old[path: ["metadata", "resourceVersion"]]?.stringValue
        {
            throw Status.staleResourceVersion(key.resource, name: key.name)
        }
        var object: JSONValue
        switch subresource {
        case .status:
            guard type.hasStatus else { throw Status.pathNotFound("\(key.resource) has no status subresource") }
            object = old
            object["status"] = input["status"]
        case .main:
            object = input
            object["apiVersion"] = old["apiVersion"]
            object["kind"] = old["kind"]
            if type.hasStatus { object["status"] = old["status"] }
            var metadata = object["metadata"]?.objectValue ?? [:]
            let oldMetadata = old["metadata"]?.objectValue ?? [:]
            for field in [
                "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                "deletionGracePeriodSeconds", "generation", "generateName",
            ] {
                metadata[field] = oldMetadata[field]
            }
            object["metadata"] = .object(metadata)
            object = Self.withDefaults(object, type: type, old: old)
            if type.isCustomResourceDefinition { object["status"] = definitionStatus(object) }
        }
        object.set(path: ["metadata", "resourceVersion"], to: old[path: ["metadata", "resourceVersion"]])
        if Self.tracksGeneration(type), Self.specChanged(old, object) {
            let generation = old[path: ["metadata", "generation"]]?.intValue ?? 1
            object.set(path: ["metadata", "generation"], to: .int(generation + 1))
        }
        if object == old { return old }  // A no-op write does not bump the resourceVersion, as on a real server.
        object = try admit(
            .update, type: type, subresource: subresource, object: object, old: old, isDryRun: isDryRun,
            validation: validation)
        if isDryRun { return object }
        if object.isBeingDeleted && object.finalizers.isEmpty {
            return remove(key, finalState: object, type: type)
        }
        return commitUpdate(object, key: key, old: old, type: type)
    }

    /// Stores a changed object: bumps the resourceVersion, re-indexes owners and publishes MODIFIED.
    @discardableResult
    mutating func commitUpdate(_ input: JSONValue, key: ObjectKey, old: JSONValue, type: ServedResource) -> JSONValue {
        revision += 1
        var object = input
        object.set(path: ["metadata", "resourceVersion"], to: .string(String(revision)))
        buckets[key.resource, default: ResourceBucket()].store(object, namespace: key.namespace, name: key.name)
        unindex(old, key: key)
        index(object, key: key)
        if type.isCustomResourceDefinition { registerDefinition(object) }
        hub.publish(
            StoreEvent(
                type: .modified, resource: key.resource, object: object, previous: old, resourceVersion: revision))
        return object
    }

    /// Whether anything outside `metadata` and `status` differs: what bumps `metadata.generation`.
    static func specChanged(_ old: JSONValue, _ new: JSONValue) -> Bool {
        var oldSpec = old.objectValue ?? [:]
        var newSpec = new.objectValue ?? [:]
        for field in ["metadata", "status", "apiVersion", "kind"] {
            oldSpec[field] = nil
            newSpec[field] = nil
        }
        return oldSpec != newSpec
    }

    // MARK: - Indexes

    mutating func index(_ object: JSONValue, key: ObjectKey) {
        keysByUID[object.metadataUID] = key
        for owner in object.ownerUIDs { dependentsByOwner[owner, default: []].insert(key) }
    }

    mutating func unindex(_ object: JSONValue, key: ObjectKey) {
        for owner in object.ownerUIDs {
            dependentsByOwner[owner]?.remove(key)
            if dependentsByOwner[owner]?.isEmpty == true { dependentsByOwner.removeValue(forKey: owner) }
        }
    }
}
