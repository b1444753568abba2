import KubeClient

/// Turns the store's change stream into the events one watcher should see.
///
/// Applies the watcher's label and field selectors the way the real watch cache does: an object
/// that starts matching appears as ADDED, one that stops matching as DELETED (carrying its last
/// matching state with the new resourceVersion). Bookmarks pass only if the watcher allows them.
struct WatchFilter {
    let labelSelector: LabelSelector
    let fieldSelector: FieldSelector
    let allowsBookmarks: Bool

    private func matches(_ object: JSONValue?) -> Bool {
        guard let object else { return false }
        return labelSelector.matches(object: object) && fieldSelector.matches(object)
    }

    /// The event to send for a store change, or `nil` if this watcher does not see it.
    func event(for change: StoreEvent) -> (WatchEventType, JSONValue)? {
        switch change.type {
        case .bookmark, .error:
            return allowsBookmarks && change.type == .bookmark ? (.bookmark, change.object) : nil
        case .added:
            return matches(change.object) ? (.added, change.object) : nil
        case .deleted:
            return matches(change.previous ?? change.object) ? (.deleted, change.object) : nil
        case .modified:
            let isMatching = matches(change.object)
            let wasMatching = matches(change.previous)
            switch (wasMatching, isMatching) {
            case (true, true): return (.modified, change.object)
            case (false, true): return (.added, change.object)
            case (true, false):
                var last = change.previous ?? change.object
                last.set(path: ["metadata", "resourceVersion"], to: .string(String(change.resourceVersion)))
                return (.deleted, last)
            case (false, false): return nil
            }
        }
    }
}
