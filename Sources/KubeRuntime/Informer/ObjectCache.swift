import KubeClient
import Synchronization

/// A thread-safe store of the objects an ``Informer`` observed, keyed by `namespace/name`
/// (just `name` for cluster-scoped objects), with secondary indexes.
///
/// An index maps each object to zero or more index values (e.g. the uid of its controller
/// owner, or the value of a label); ``objects(in:matching:)`` then answers "the Jobs owned by
/// this task" without scanning. Readers get value snapshots. The writing methods are public so a
/// cache can be filled by hand in tests, but an informer's cache must only be written by it.
public final class ObjectCache<Object: KubeObjectRepresentable>: Sendable {
    /// Computes the values an object is filed under in one index.
    public typealias IndexFunction = @Sendable (Object) -> [String]

    private struct State {
        var objects: [String: Object] = [:]
        /// index name → index value → keys.
        var indexes: [String: [String: Set<String>]] = [:]
    }

    private let indexers: [String: IndexFunction]
    private let state = Mutex(State())

    /// - Parameter indexers: named index functions, e.g. ``ObjectCache/ownerUIDIndex``.
    public init(indexers: [String: IndexFunction] = [:]) {
        self.indexers = indexers
    }

    // MARK: - Keys

    /// `namespace/name`, or `name` for a cluster-scoped object: the work-queue key too.
    public static func key(of object: Object) -> String {
        key(namespace: object.objectMeta.namespace, name: object.objectMeta.name ?? "")
    }

    public static func key(namespace: String?, name: String) -> String {
        guard let namespace, !namespace.isEmpty else { return name }
        return "\(namespace)/\(name)"
    }

    // MARK: - Reading

    public func object(forKey key: String) -> Object? {
        state.withLock { $0.objects[key] }
    }

    public func object(namespace: String?, name: String) -> Object? {
        object(forKey: Self.key(namespace: namespace, name: name))
    }

    /// Every cached object, in key order.
    public var objects: [Object] {
        // Sorting the keys alone: sorting (key, object) pairs moves whole objects around.
        state.withLock { state in state.objects.keys.sorted().compactMap { state.objects[$0] } }
    }

    public var keys: [String] { state.withLock { $0.objects.keys.sorted() } }

    public var count: Int { state.withLock { $0.objects.count } }

    /// The objects filed under `value` in the index called `index` (empty for an unknown index).
    public func objects(in index: String, matching value: String) -> [Object] {
        state.withLock { state in
            (state.indexes[index]?[value] ?? []).sorted().compactMap { state.objects[$0] }
        }
    }

    // MARK: - Writing

    /// Inserts or replaces an object; returns the previous version.
    @discardableResult
    public func upsert(_ object: Object) -> Object? {
        let key = Self.key(of: object)
        return state.withLock { state in
            let old = state.objects.updateValue(object, forKey: key)
            if let old { unindex(old, key: key, in: &state) }
            index(object, key: key, in: &state)
            return old
        }
    }

    /// Removes an object; returns what was cached.
    @discardableResult
    public func remove(forKey key: String) -> Object? {
        state.withLock { state in
            guard let old = state.objects.removeValue(forKey: key) else { return nil }
            unindex(old, key: key, in: &state)
            return old
        }
    }

    /// Replaces the whole content atomically (after a relist) and returns what changed.
    public func replace(with objects: [Object]) -> CacheDelta<Object> {
        var fresh: [String: Object] = [:]
        for object in objects { fresh[Self.key(of: object)] = object }
        return state.withLock { state in
            var delta = CacheDelta<Object>()
            // Keys are sorted alone: sorting (key, object) pairs moves whole objects (a relist of
            // 30,000 Jobs spent most of its time there).
            for key in fresh.keys.sorted() {
                guard let object = fresh[key] else { continue }
                if let old = state.objects[key] {
                    if old.objectMeta.resourceVersion != object.objectMeta.resourceVersion
                        || old.objectMeta.uid != object.objectMeta.uid
                    {
                        delta.updated.append((old, object))
                    }
                } else {
                    delta.added.append(object)
                }
            }
            for key in state.objects.keys.sorted() where fresh[key] == nil {
                if let old = state.objects[key] { delta.deleted.append(old) }
            }
            state.objects = fresh
            state.indexes = [:]
            for (key, object) in fresh { index(object, key: key, in: &state) }
            return delta
        }
    }

    // MARK: - Indexing

    private func index(_ object: Object, key: String, in state: inout State) {
        for (name, function) in indexers {
            for value in function(object) {
                state.indexes[name, default: [:]][value, default: []].insert(key)
            }
        }
    }

    private func unindex(_ object: Object, key: String, in state: inout State) {
        for (name, function) in indexers {
            for value in function(object) {
                state.indexes[name]?[value]?.remove(key)
                if state.indexes[name]?[value]?.isEmpty == true { state.indexes[name]?[value] = nil }
            }
        }
    }
}

/// What a relist changed in the cache, in key order.
public struct CacheDelta<Object: Sendable>: Sendable {
    public var added: [Object] = []
    public var updated: [(old: Object, new: Object)] = []
    public var deleted: [Object] = []
}

extension ObjectCache {
    /// Files objects under the uid of their controller owner (`ownerReferences[controller=true]`).
    public static var ownerUIDIndex: IndexFunction {
        { object in
            (object.objectMeta.ownerReferences ?? []).filter { $0.controller == true }.map(\.uid)
        }
    }

    /// Files objects under the value of `label` (if set).
    public static func labelIndex(_ label: String) -> IndexFunction {
        { object in object.objectMeta.labels?[label].map { [$0] } ?? [] }
    }
}
