import Synchronization

/// A set of work-queue keys shared between the reconcile workers and a callback.
final class KeySet: Sendable {
    private let keys = Mutex<Set<String>>([])

    func insert(_ key: String) {
        _ = keys.withLock { $0.insert(key) }
    }

    /// Removes `key`; true when it was there.
    func remove(_ key: String) -> Bool {
        keys.withLock { $0.remove(key) != nil }
    }
}
