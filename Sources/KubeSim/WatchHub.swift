import KubeClient

/// The change history and the subscribers of a ``SimStore``.
///
/// The hub is a value kept inside the store's lock, so recording a change and handing it to every
/// subscriber happen atomically with the write itself: subscribers see changes in resourceVersion
/// order with no gaps. Handing over never blocks the writer: each subscriber has a bounded buffer,
/// and one that falls behind by more than its buffer is closed, as the real API server closes a
/// watcher that does not keep up (the client then resumes from the last resourceVersion it saw).
/// JSON encoding happens in the subscriber's own task, never under the store's lock.
///
/// The history is a ring of the most recent `historyLimit` events. A watch that asks for an older
/// resourceVersion gets 410 Expired; ``compact()`` forgets the history at once (fault injection).
struct WatchHub {
    /// One subscriber: a continuation plus the filter evaluated under the lock (resource, namespace).
    private struct Subscriber {
        let resources: Set<GroupResource>?
        let namespace: String?
        /// Kept open by ``WatchHub/closeAll(sparingFaultExempt:)`` when sparing (see
        /// ``SimStore/subscribe(resources:namespace:from:bufferLimit:isFaultExempt:)``).
        let isFaultExempt: Bool
        let continuation: AsyncStream<StoreEvent>.Continuation

        func wants(_ event: StoreEvent) -> Bool {
            if event.type == .bookmark { return true }
            if let resources, !resources.contains(event.resource) { return false }
            if let namespace, !namespace.isEmpty, event.namespace != namespace { return false }
            return true
        }
    }

    let historyLimit: Int
    /// Ring buffer of the last `historyLimit` events, oldest at `head`.
    private var history: [StoreEvent] = []
    private var head = 0
    /// Every event with a resourceVersion at or below this one is gone from the history.
    private(set) var compactedRevision: Int64 = 0
    private var subscribers: [UInt64: Subscriber] = [:]
    private var nextSubscriberID: UInt64 = 0

    init(historyLimit: Int) {
        self.historyLimit = max(1, historyLimit)
        history.reserveCapacity(min(self.historyLimit, 4096))
    }

    var subscriberCount: Int { subscribers.count }

    // MARK: - Recording

    /// Records a change and offers it to every interested subscriber.
    mutating func publish(_ event: StoreEvent) {
        if history.count < historyLimit {
            history.append(event)
        } else {
            compactedRevision = history[head].resourceVersion
            history[head] = event
            head = (head + 1) % historyLimit
        }
        deliver(event)
    }

    /// Offers an event that is not part of the history (a bookmark) to every subscriber.
    mutating func deliver(_ event: StoreEvent) {
        var overflowed: [UInt64] = []
        for (id, subscriber) in subscribers where subscriber.wants(event) {
            switch subscriber.continuation.yield(event) {
            case .dropped, .terminated: overflowed.append(id)
            default: break
            }
        }
        for id in overflowed {
            // Too slow: close it. The events already buffered are still delivered, so the
            // subscriber's last seen resourceVersion stays a correct resume point.
            subscribers.removeValue(forKey: id)?.continuation.finish()
        }
    }

    /// Forgets the whole history: every resourceVersion up to `currentRevision` becomes too old.
    mutating func compact(through currentRevision: Int64) {
        history.removeAll(keepingCapacity: true)
        head = 0
        compactedRevision = max(compactedRevision, currentRevision)
    }

    /// The retained events after `revision`, oldest first.
    func events(after revision: Int64) -> [StoreEvent] {
        let ordered = history[head...] + history[..<head]
        // Events are in increasing resourceVersion order: binary search the first newer one.
        var low = ordered.startIndex
        var high = ordered.endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if ordered[middle].resourceVersion <= revision { low = middle + 1 } else { high = middle }
        }
        return Array(ordered[low...])
    }

    // MARK: - Subscribers

    /// Registers a subscriber and returns its id and stream; `initial` events are queued first.
    ///
    /// - Parameter bufferLimit: events buffered before the subscriber is closed; `nil` is unbounded
    ///   (for in-process components that must not miss anything).
    mutating func subscribe(
        resources: Set<GroupResource>?, namespace: String?, initial: [StoreEvent], bufferLimit: Int?,
        isFaultExempt: Bool = false
    ) -> (UInt64, AsyncStream<StoreEvent>, AsyncStream<StoreEvent>.Continuation) {
        nextSubscriberID += 1
        let id = nextSubscriberID
        let policy: AsyncStream<StoreEvent>.Continuation.BufferingPolicy =
            bufferLimit.map { .bufferingOldest(max($0, initial.count + 1)) } ?? .unbounded
        let (stream, continuation) = AsyncStream<StoreEvent>.makeStream(bufferingPolicy: policy)
        for event in initial { continuation.yield(event) }
        subscribers[id] = Subscriber(
            resources: resources, namespace: namespace, isFaultExempt: isFaultExempt, continuation: continuation)
        return (id, stream, continuation)
    }

    /// Removes a subscriber and ends its stream.
    mutating func unsubscribe(_ id: UInt64) {
        subscribers.removeValue(forKey: id)?.continuation.finish()
    }

    /// Ends the streams of subscribers that watch only `resource` (its CRD was deleted), as the real
    /// server ends watches of a resource it stops serving.
    mutating func close(onlyWatching resource: GroupResource) {
        for (id, subscriber) in subscribers where subscriber.resources == [resource] {
            subscribers.removeValue(forKey: id)
            subscriber.continuation.finish()
        }
    }

    /// Ends every subscriber's stream (server shutdown), or, when `sparingFaultExempt`, every one
    /// but the fault-exempt observers (fault injection "close all watches").
    mutating func closeAll(sparingFaultExempt: Bool = false) {
        for (id, subscriber) in subscribers where !(sparingFaultExempt && subscriber.isFaultExempt) {
            subscribers.removeValue(forKey: id)
            subscriber.continuation.finish()
        }
    }
}
