import KubeClient

// MARK: - Deletion, finalizers and garbage collection

extension StoreState {
    static let foregroundFinalizer = "foregroundDeletion"
    static let orphanFinalizer = "orphan"

    /// Deletes an object as DELETE does: honours preconditions, finalizers and propagation.
    ///
    /// - Returns: the object as it is after the call: marked for deletion (finalizers remain) or its last state.
    mutating func delete(_ key: ObjectKey, options: DeleteOptions) throws(Status) -> JSONValue {
        let type = try type(of: key.resource)
        let object = try existing(key)
        if let uid = options.preconditionUID, uid != object.metadataUID {
            throw Status.conflict(
                key.resource, name: key.name,
                reason: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.metadataUID)")
        }
        if let version = options.preconditionResourceVersion,
            let current = object[path: ["metadata", "resourceVersion"]]?.stringValue, version != current
        {
            throw Status.conflict(
                key.resource, name: key.name,
                reason: "Precondition failed: ResourceVersion in precondition: \(version), "
                    + "ResourceVersion in object meta: \(current)")
        }
        if options.isDryRun { return object }
        let policy = options.propagationPolicy ?? (key.resource.group == "batch" ? .orphan : .background)
        return delete(key, object: object, type: type, policy: policy)
    }

    /// The deletion itself, also used by the garbage-collection cascade.
    @discardableResult
    mutating func delete(_ key: ObjectKey, object: JSONValue, type: ServedResource, policy: PropagationPolicy)
        -> JSONValue
    {
        let uid = object.metadataUID
        if policy == .orphan { orphanDependents(of: uid) }
        let hasDependents = !(dependentsByOwner[uid]?.isEmpty ?? true)
        var finalizers = object.finalizers
        if policy == .foreground && hasDependents && !finalizers.contains(Self.foregroundFinalizer) {
            finalizers.append(Self.foregroundFinalizer)
        }
        if finalizers.isEmpty { return remove(key, finalState: object, type: type) }
        // Finalizers remain: mark the object; whoever owns a finalizer removes it with an update.
        var marked = object
        if !object.isBeingDeleted {
            marked.set(path: ["metadata", "deletionTimestamp"], to: .string(timestamp))
            marked.set(path: ["metadata", "deletionGracePeriodSeconds"], to: 0)
        }
        marked.set(path: ["metadata", "finalizers"], to: .array(finalizers.map { .string($0) }))
        let result = marked == object ? object : commitUpdate(marked, key: key, old: object, type: type)
        if finalizers.contains(Self.foregroundFinalizer) {
            for dependent in dependentsByOwner[uid] ?? [] {
                guard let child = self.object(dependent), let childType = types[dependent.resource] else { continue }
                if !child.isBeingDeleted { delete(dependent, object: child, type: childType, policy: .foreground) }
            }
            completeForegroundDeletion(ownerUID: uid)
        }
        return self.object(key) ?? result
    }

    /// Removes an object for good, publishes DELETED, and lets garbage collection follow.
    @discardableResult
    mutating func remove(_ key: ObjectKey, finalState: JSONValue, type: ServedResource) -> JSONValue {
        guard let stored = buckets[key.resource]?.remove(namespace: key.namespace, name: key.name) else {
            return finalState
        }
        revision += 1
        var object = finalState
        object.set(path: ["metadata", "resourceVersion"], to: .string(String(revision)))
        unindex(stored, key: key)
        let uid = stored.metadataUID
        keysByUID.removeValue(forKey: uid)
        hub.publish(
            StoreEvent(
                type: .deleted, resource: key.resource, object: object, previous: stored, resourceVersion: revision))
        if type.isCustomResourceDefinition { unregisterDefinition(stored) }
        if type.isNamespace { removeContents(ofNamespace: key.name) }
        collectDependents(ofRemoved: uid)
        for owner in stored.ownerUIDs { completeForegroundDeletion(ownerUID: owner) }
        return object
    }

    /// Background garbage collection: dependents whose every owner is gone are deleted; those that
    /// still have a living owner only lose the dangling reference.
    private mutating func collectDependents(ofRemoved uid: String) {
        guard let dependents = dependentsByOwner.removeValue(forKey: uid) else { return }
        for dependent in dependents.sorted(by: { $0.description < $1.description }) {
            guard let child = object(dependent), let childType = types[dependent.resource] else { continue }
            let livingOwners = child.ownerUIDs.filter { $0 != uid && keysByUID[$0] != nil }
            if livingOwners.isEmpty {
                if !child.isBeingDeleted { delete(dependent, object: child, type: childType, policy: .background) }
            } else {
                commitUpdate(Self.removingOwner(uid, from: child), key: dependent, old: child, type: childType)
            }
        }
    }

    /// Orphan propagation: dependents stay, without their reference to the owner.
    private mutating func orphanDependents(of uid: String) {
        for dependent in (dependentsByOwner[uid] ?? []).sorted(by: { $0.description < $1.description }) {
            guard let child = object(dependent), let childType = types[dependent.resource] else { continue }
            commitUpdate(Self.removingOwner(uid, from: child), key: dependent, old: child, type: childType)
        }
    }

    /// Removes the `foregroundDeletion` finalizer of an owner whose dependents are all gone.
    private mutating func completeForegroundDeletion(ownerUID: String) {
        guard let key = keysByUID[ownerUID], let owner = object(key), owner.isBeingDeleted,
            owner.finalizers.contains(Self.foregroundFinalizer), dependentsByOwner[ownerUID]?.isEmpty ?? true,
            let type = types[key.resource]
        else { return }
        var updated = owner
        let remaining = owner.finalizers.filter { $0 != Self.foregroundFinalizer }
        updated.set(
            path: ["metadata", "finalizers"], to: remaining.isEmpty ? nil : .array(remaining.map { .string($0) }))
        if remaining.isEmpty {
            remove(key, finalState: updated, type: type)
        } else {
            commitUpdate(updated, key: key, old: owner, type: type)
        }
    }

    private static func removingOwner(_ uid: String, from object: JSONValue) -> JSONValue {
        var updated = object
        let references = object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        let kept = references.filter { $0["uid"]?.stringValue != uid }
        updated.set(path: ["metadata", "ownerReferences"], to: kept.isEmpty ? nil : .array(kept))
        return updated
    }

    /// Deleting a namespace deletes everything in it (at once, not through a Terminating phase).
    private mutating func removeContents(ofNamespace namespace: String) {
        for (resource, bucket) in buckets {
            guard let type = types[resource], type.isNamespaced else { continue }
            for object in bucket.all(in: namespace) {
                let key = ObjectKey(resource: resource, namespace: namespace, name: object.metadataName)
                guard let current = self.object(key) else { continue }  // already removed by the cascade
                remove(key, finalState: current, type: type)
            }
        }
    }
}
