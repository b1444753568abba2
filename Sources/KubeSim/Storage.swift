import Foundation
import KubeClient
import Synchronization

/// A list query against the store: the server-side form of a list request, with parsed selectors
/// (clients describe the same request with KubeClient's `ListOptions`).
public struct StoreListQuery: Sendable, Hashable {
    /// Only this namespace; `nil` lists across all namespaces.
    public var namespace: String?
    public var labelSelector: LabelSelector
    public var fieldSelector: FieldSelector
    /// At most this many items; a continue token is returned when more remain.
    public var limit: Int?
    /// The token of the previous page.
    public var continueToken: String?

    public init(
        namespace: String? = nil, labelSelector: LabelSelector = .everything,
        fieldSelector: FieldSelector = .everything, limit: Int? = nil, continueToken: String? = nil
    ) {
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
    }
}

/// One page of a list.
public struct ListResult: Sendable {
    public var items: [JSONValue]
    /// The resourceVersion the list is consistent with (of the first page, for continued lists).
    public var resourceVersion: Int64
    public var continueToken: String?
    /// How many objects come after this page (only without selectors, as on a real server).
    public var remainingItemCount: Int64?
}

/// A stream of store changes for an in-process observer or a watch; ``cancel()`` ends it.
public struct StoreSubscription: Sendable {
    /// The changes in resourceVersion order. The stream ends when the subscription is cancelled,
    /// when the subscriber falls too far behind (bounded subscriptions), or when the store closes
    /// its watches.
    public let events: AsyncStream<StoreEvent>
    /// How many of the first events are the initial state (``WatchStart/initialState``) or replayed history.
    public let initialEventCount: Int
    /// The store's resourceVersion when the subscription started.
    public let startRevision: Int64
    let id: UInt64
    let store: SimStore

    /// Ends the subscription and its stream.
    public func cancel() { store.unsubscribe(id) }
}

/// The object store of the simulated API server: every resource, one resourceVersion sequence.
///
/// All objects are kept as ``JSONValue``, keyed by (resource, namespace, name). Every write gets the
/// next value of a single, monotonically increasing resourceVersion, and the semantics clients rely
/// on are enforced here, independent of HTTP: uid, creationTimestamp (from the injected clock),
/// generation (bumped when anything outside `metadata` and `status` changes, for custom resources,
/// CRDs and Jobs), `generateName`, AlreadyExists and stale-resourceVersion conflicts, status
/// subresource separation, dry runs, finalizers and `deletionTimestamp`, garbage collection through
/// ownerReferences with the three propagation policies, and CRDs that start and stop serving their
/// resources.
///
/// In-process components (the simulated runtime, tests) use the same API as the HTTP server:
/// ``subscribe(resources:namespace:from:bufferLimit:isFaultExempt:)`` to observe changes and
/// ``modify(_:namespace:name:subresource:_:)`` for atomic read-modify-write.
///
/// Approximations, compared with a real API server: garbage collection and namespace deletion happen
/// synchronously inside the deleting write (the events follow in order); a deleted namespace takes
/// its objects at once, ignoring their finalizers; continued lists show current objects after the
/// last key instead of a snapshot; core `events` and `events.k8s.io` events are stored separately.
public final class SimStore: Sendable {
    /// The clock creationTimestamps and deletionTimestamps are read from.
    public let clock: any WallClock
    private let state: Mutex<StoreState>

    /// Creates a store with the built-in resources and the namespaces of a fresh cluster.
    ///
    /// - Parameters:
    ///   - clock: the injected clock, shared with the rest of the simulation.
    ///   - historyLimit: how many changes are retained for watches resuming from a resourceVersion.
    ///   - admission: plug-ins run before every create and update (see ``AdmissionPlugin``); by
    ///     default KubeSim's validation and defaulting (``Admission``), `[]` stores objects unchecked.
    public init(
        clock: any WallClock, historyLimit: Int = 10_000, admission: [any AdmissionPlugin] = [Admission()]
    ) {
        self.clock = clock
        state = Mutex(StoreState(historyLimit: historyLimit, admission: admission, now: { clock.currentDate }))
        let namespaces = GroupResource(group: "", resource: "namespaces")
        for name in ServedResource.initialNamespaces {
            _ = try? create(namespaces, namespace: "", object: ["metadata": ["name": .string(name)]])
        }
    }

    // MARK: - Resources

    /// The resource served under `resource`, if any (built-in or defined by a CRD).
    public func resourceType(_ resource: GroupResource) -> ServedResource? {
        state.withLock { $0.types[resource] }
    }

    /// Every served resource, sorted by group and name.
    public func resourceTypes() -> [ServedResource] {
        state.withLock { Array($0.types.values) }.sorted { ($0.group, $0.resource) < ($1.group, $1.resource) }
    }

    /// The resourceVersion of the latest write.
    public var currentResourceVersion: Int64 { state.withLock { $0.revision } }

    // MARK: - Reads

    /// One object.
    ///
    /// - Throws: 404 NotFound for an unknown resource or object.
    public func get(_ resource: GroupResource, namespace: String, name: String) throws(Status) -> JSONValue {
        try state.withLock { state throws(Status) in
            _ = try state.type(of: resource)
            return try state.existing(ObjectKey(resource: resource, namespace: namespace, name: name))
        }
    }

    /// A page of objects matching the options, in (namespace, name) order.
    ///
    /// - Throws: 410 Expired for a continue token older than the history, 400 for a malformed token.
    public func list(
        _ resource: GroupResource, options: StoreListQuery = StoreListQuery()
    ) throws(Status) -> ListResult {
        let (listRevision, startAfter) = try ContinueToken.decode(options.continueToken)
        return try state.withLock { state throws(Status) -> ListResult in
            let type = try state.type(of: resource)
            if let listRevision, listRevision < state.hub.compactedRevision {
                throw Status.expired(
                    "The provided continue parameter is too old to display a consistent list result. "
                        + "You can start a new list without the continue parameter.")
            }
            let namespace = type.isNamespaced ? options.namespace.flatMap { $0.isEmpty ? nil : $0 } : nil
            var bucket = state.buckets[resource] ?? ResourceBucket()
            let keys = bucket.keys(in: namespace)
            state.buckets[resource] = bucket
            var start = keys.startIndex
            if let startAfter {
                start = keys.partitioningIndex { $0 > startAfter }
            }
            let limit = options.limit.flatMap { $0 > 0 ? $0 : nil } ?? Int.max
            var items: [JSONValue] = []
            var index = start
            while index < keys.endIndex && items.count < limit {
                let key = keys[index]
                if let object = bucket.object(namespace: key.namespace, name: key.name),
                    options.labelSelector.matches(object: object), options.fieldSelector.matches(object)
                {
                    items.append(object)
                }
                index += 1
            }
            let revision = listRevision ?? state.revision
            let hasMore = index < keys.endIndex
            let isFiltered = !options.labelSelector.requirements.isEmpty || !options.fieldSelector.terms.isEmpty
            return ListResult(
                items: items, resourceVersion: revision,
                continueToken: hasMore ? ContinueToken.encode(revision: revision, after: keys[index - 1]) : nil,
                remainingItemCount: hasMore && !isFiltered ? Int64(keys.endIndex - index) : nil)
        }
    }

    // MARK: - Writes

    /// Creates an object (POST).
    ///
    /// - Parameter namespace: the namespace from the request path; empty for cluster-scoped resources.
    /// - Returns: the stored object (for a dry run, the object that would be stored, without resourceVersion).
    /// - Throws: 409 AlreadyExists, 404 for a missing namespace, 422 from admission, 400 for a bad body.
    @discardableResult
    public func create(
        _ resource: GroupResource, namespace: String, object: JSONValue, isDryRun: Bool = false,
        validation: WriteValidation = WriteValidation()
    ) throws(Status) -> JSONValue {
        try state.withLock { state throws(Status) in
            try state.create(resource, namespace: namespace, object: object, isDryRun: isDryRun, validation: validation)
        }
    }

    /// Replaces an object (PUT); a non-empty `metadata.resourceVersion` in the body must be current.
    ///
    /// - Throws: 404, 409 Conflict for a stale resourceVersion, 422 from admission.
    @discardableResult
    public func update(
        _ resource: GroupResource, namespace: String, name: String, object: JSONValue,
        subresource: Subresource = .main, isDryRun: Bool = false, validation: WriteValidation = WriteValidation()
    ) throws(Status) -> JSONValue {
        try state.withLock { state throws(Status) in
            try state.update(
                ObjectKey(resource: resource, namespace: namespace, name: name), with: object,
                subresource: subresource, isDryRun: isDryRun, validation: validation)
        }
    }

    /// Patches an object (PATCH): the patch is applied to the current object and stored atomically.
    @discardableResult
    public func patch(
        _ resource: GroupResource, namespace: String, name: String, patch: Patch, subresource: Subresource = .main,
        isDryRun: Bool = false, validation: WriteValidation = WriteValidation()
    ) throws(Status) -> JSONValue {
        try modify(
            resource, namespace: namespace, name: name, subresource: subresource, isDryRun: isDryRun,
            validation: validation
        ) { object throws(Status) in
            object = try patch.apply(to: object)
        }
    }

    /// Atomic read-modify-write for in-process components: `change` edits the current object, and the
    /// result is stored as an update (same rules as PUT, with the current resourceVersion).
    @discardableResult
    public func modify(
        _ resource: GroupResource, namespace: String, name: String, subresource: Subresource = .main,
        isDryRun: Bool = false, validation: WriteValidation = WriteValidation(),
        _ change: (inout JSONValue) throws(Status) -> Void
    ) throws(Status) -> JSONValue {
        try state.withLock { state throws(Status) in
            let key = ObjectKey(resource: resource, namespace: namespace, name: name)
            _ = try state.type(of: resource)
            var object = try state.existing(key)
            try change(&object)
            return try state.update(
                key, with: object, subresource: subresource, isDryRun: isDryRun, validation: validation)
        }
    }

    /// Deletes an object (DELETE) with finalizers, preconditions and propagation.
    ///
    /// - Returns: the object after the call: still present with a deletionTimestamp while finalizers
    ///   remain, otherwise its last state.
    @discardableResult
    public func delete(
        _ resource: GroupResource, namespace: String, name: String, options: DeleteOptions = DeleteOptions()
    ) throws(Status) -> JSONValue {
        try state.withLock { state throws(Status) in
            try state.delete(ObjectKey(resource: resource, namespace: namespace, name: name), options: options)
        }
    }

    // MARK: - Observing

    /// Subscribes to changes.
    ///
    /// - Parameters:
    ///   - resources: the resources of interest; `nil` for all.
    ///   - namespace: only this namespace; `nil` or empty for all.
    ///   - from: where to start (see ``WatchStart``).
    ///   - bufferLimit: events buffered before a slow subscriber is closed; `nil` is unbounded.
    ///   - isFaultExempt: the injected "close all watches" fault (``FaultInjector/closeAllWatches()``)
    ///     leaves this subscription open. For an in-process observer that must record the very
    ///     faults injected (a soak's record of the cluster): resuming after a closed stream races
    ///     the next compaction, and losing that race loses events. Server shutdown still ends it.
    /// - Throws: 410 Expired when `from` is a resourceVersion older than the retained history, 504
    ///   Timeout (cause `ResourceVersionTooLarge`) when it is newer than the store.
    public func subscribe(
        resources: Set<GroupResource>? = nil, namespace: String? = nil, from start: WatchStart = .now,
        bufferLimit: Int? = nil, isFaultExempt: Bool = false
    ) throws(Status) -> StoreSubscription {
        let (id, stream, count, revision) = try state.withLock {
            state throws(Status) -> (UInt64, AsyncStream<StoreEvent>, Int, Int64) in
            var initial: [StoreEvent] = []
            switch start {
            case .now:
                break
            case .initialState:
                for (resource, bucket) in state.buckets where resources?.contains(resource) ?? true {
                    let scope = namespace.flatMap { $0.isEmpty ? nil : $0 }
                    let type = state.types[resource]
                    for object in bucket.all(in: (type?.isNamespaced ?? true) ? scope : nil) {
                        let version = Int64(object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0
                        initial.append(
                            StoreEvent(type: .added, resource: resource, object: object, resourceVersion: version))
                    }
                }
                initial.sort { $0.resourceVersion < $1.resourceVersion }
            case .after(let revision):
                if revision > state.revision {
                    // What a real server answers (after a short wait) to a version from its future,
                    // typically from a client that outlived a restarted simulator: relist.
                    throw Status.failure(
                        code: 504, reason: "Timeout",
                        message: "Timeout: Too large resource version: \(revision), current: \(state.revision)",
                        details: Status.Details(
                            causes: [
                                Status.Cause(reason: "ResourceVersionTooLarge", message: "Too large resource version")
                            ],
                            retryAfterSeconds: 1))
                }
                if revision < state.hub.compactedRevision {
                    throw Status.expired(
                        "too old resource version: \(revision) (\(state.hub.compactedRevision + 1))")
                }
                initial = state.hub.events(after: revision).filter { event in
                    (resources?.contains(event.resource) ?? true)
                        && (namespace.map { $0.isEmpty || event.namespace == $0 } ?? true)
                }
            }
            let (id, stream, _) = state.hub.subscribe(
                resources: resources, namespace: namespace, initial: initial, bufferLimit: bufferLimit,
                isFaultExempt: isFaultExempt)
            return (id, stream, initial.count, state.revision)
        }
        return StoreSubscription(
            events: stream, initialEventCount: count, startRevision: revision, id: id, store: self)
    }

    func unsubscribe(_ id: UInt64) {
        state.withLock { $0.hub.unsubscribe(id) }
    }

    /// Sends a BOOKMARK with the current resourceVersion to every subscriber.
    public func sendBookmarks() {
        state.withLock { state in
            state.hub.deliver(
                StoreEvent(
                    type: .bookmark, resource: GroupResource(group: "", resource: ""), object: .object([:]),
                    resourceVersion: state.revision))
        }
    }

    /// Forgets the change history: watches and continue tokens from before now get 410 Expired.
    public func compactHistory() {
        state.withLock { $0.hub.compact(through: $0.revision) }
    }

    /// Ends every subscription (watch clients see their stream end and must resume).
    public func closeAllSubscriptions() {
        state.withLock { $0.hub.closeAll() }
    }

    /// Ends every subscription but the fault-exempt ones: the "close all watches" fault.
    public func closeWatchesSparingFaultExempt() {
        state.withLock { $0.hub.closeAll(sparingFaultExempt: true) }
    }

    /// The number of open subscriptions (watches and in-process observers).
    public var subscriptionCount: Int { state.withLock { $0.hub.subscriberCount } }
}

// MARK: - Continue tokens

/// The opaque `continue` token: the list's resourceVersion and the last key returned, base64-encoded.
enum ContinueToken {
    static func encode(revision: Int64, after key: ResourceBucket.SortKey) -> String {
        Data("\(revision)/\(key.namespace)/\(key.name)".utf8).base64EncodedString()
    }

    static func decode(_ token: String?) throws(Status) -> (Int64?, ResourceBucket.SortKey?) {
        guard let token, !token.isEmpty else { return (nil, nil) }
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else {
            throw Status.badRequest("invalid continue token \"\(token)\"")
        }
        let parts = text.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let revision = Int64(parts[0]) else {
            throw Status.badRequest("invalid continue token \"\(token)\"")
        }
        return (revision, ResourceBucket.SortKey(namespace: parts[1], name: parts[2]))
    }
}

extension Collection {
    /// The index of the first element for which `belongsInSecondPartition` is true (the collection
    /// must be partitioned by it), found by binary search.
    func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if belongsInSecondPartition(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
