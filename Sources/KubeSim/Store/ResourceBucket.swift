import KubeClient

/// The objects of one resource, by namespace and name, with a cached sorted key list for paging.
struct ResourceBucket {
    private(set) var objects: [String: [String: JSONValue]] = [:]
    private(set) var count = 0
    /// `namespace/name` keys in list order, rebuilt lazily after an insert or removal.
    private var sortedKeys: [SortKey]?

    /// The position of an object in list order (real servers list in key order: namespace, name).
    struct SortKey: Comparable, Hashable {
        var namespace: String
        var name: String

        static func < (lhs: SortKey, rhs: SortKey) -> Bool {
            (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
        }
    }

    func object(namespace: String, name: String) -> JSONValue? {
        objects[namespace]?[name]
    }

    mutating func store(_ object: JSONValue, namespace: String, name: String) {
        if objects[namespace, default: [:]].updateValue(object, forKey: name) == nil {
            count += 1
            sortedKeys = nil
        }
    }

    @discardableResult
    mutating func remove(namespace: String, name: String) -> JSONValue? {
        guard let removed = objects[namespace]?.removeValue(forKey: name) else { return nil }
        if objects[namespace]?.isEmpty == true { objects.removeValue(forKey: namespace) }
        count -= 1
        sortedKeys = nil
        return removed
    }

    /// Every object of one namespace (or of all namespaces when `namespace` is nil).
    func all(in namespace: String?) -> [JSONValue] {
        if let namespace { return objects[namespace].map { Array($0.values) } ?? [] }
        return objects.values.flatMap(\.values)
    }

    /// The keys in list order, restricted to a namespace when given.
    mutating func keys(in namespace: String?) -> ArraySlice<SortKey> {
        if let namespace {
            let names = objects[namespace]?.keys.sorted() ?? []
            return names.map { SortKey(namespace: namespace, name: $0) }[...]
        }
        if let sortedKeys { return sortedKeys[...] }
        let keys = objects.flatMap { namespace, members in
            members.keys.map { SortKey(namespace: namespace, name: $0) }
        }.sorted()
        sortedKeys = keys
        return keys[...]
    }
}
