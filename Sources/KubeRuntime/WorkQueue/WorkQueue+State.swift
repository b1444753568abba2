import KubeClient

/// The order of one of the queue's heaps over its entries.
protocol EntryOrder {
    static func comesBefore<Key>(_ lhs: QueueEntry<Key, Self>, _ rhs: QueueEntry<Key, Self>) -> Bool
}

/// Ready keys: priority (higher first), then due time, then the order they became ready.
enum ReadyOrder: EntryOrder {
    static func comesBefore<Key>(_ lhs: QueueEntry<Key, Self>, _ rhs: QueueEntry<Key, Self>) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        if lhs.due != rhs.due { return lhs.due < rhs.due }
        return lhs.sequence < rhs.sequence
    }
}

/// Delayed keys: due time, then insertion.
enum DueOrder: EntryOrder {
    static func comesBefore<Key>(_ lhs: QueueEntry<Key, Self>, _ rhs: QueueEntry<Key, Self>) -> Bool {
        if lhs.due != rhs.due { return lhs.due < rhs.due }
        return lhs.sequence < rhs.sequence
    }
}

/// A key filed in one of the queue's heaps; `sequence` identifies the current entry of a key
/// (older entries of the same key are stale).
struct QueueEntry<Key, Order: EntryOrder>: Comparable {
    let key: Key
    let priority: Int
    let due: WallInstant
    let sequence: UInt64

    static func < (lhs: Self, rhs: Self) -> Bool { Order.comesBefore(lhs, rhs) }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.sequence == rhs.sequence }
}

extension WorkQueue {
    typealias ReadyEntry = QueueEntry<Key, ReadyOrder>
    typealias DelayedEntry = QueueEntry<Key, DueOrder>

    /// Everything mutable about the queue, guarded by the queue's mutex.
    ///
    /// Both heaps use lazy deletion: `ready` and `delayed` map each key to its *current* entry,
    /// and a heap entry whose sequence differs is stale and skipped when it surfaces.
    struct State {
        var limiter: any RateLimiter<Key>
        var readyHeap = BinaryHeap<ReadyEntry>()
        var ready: [Key: ReadyEntry] = [:]
        var delayedHeap = BinaryHeap<DelayedEntry>()
        var delayed: [Key: DelayedEntry] = [:]
        /// Keys handed out and not yet done, with the instant they were handed out.
        var processing: [Key: WallInstant] = [:]
        /// Keys added while being processed, with the priority to re-queue them at.
        var dirty: [Key: Int] = [:]
        var getters: [Getter] = []
        var cancelledGetters: Set<UInt64> = []
        var nextGetterID: UInt64 = 0
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var isShuttingDown = false
        var timer: TimerTask?
        var nextSequence: UInt64 = 0

        init(limiter: any RateLimiter<Key>) {
            self.limiter = limiter
        }

        private mutating func takeSequence() -> UInt64 {
            nextSequence += 1
            return nextSequence
        }

        // MARK: - Ready keys

        /// Makes `key` ready (or dirty while it is processed), superseding a delayed add.
        mutating func makeReady(_ key: Key, priority: Int, due: WallInstant, metrics: WorkQueueMetrics) {
            delayed.removeValue(forKey: key)
            if processing[key] != nil {
                if let existing = dirty[key] {
                    dirty[key] = max(existing, priority)
                } else {
                    dirty[key] = priority
                    metrics.adds.increment()
                }
                return
            }
            let sequence = takeSequence()
            if Self.upsert(key, priority: priority, due: due, sequence: sequence, in: &ready, heap: &readyHeap) {
                metrics.adds.increment()
                metrics.depth.record(ready.count)
            }
            compactIfNeeded()
        }

        /// Takes the best ready key and marks it as being processed.
        mutating func popReady(now: WallInstant, metrics: WorkQueueMetrics) -> Key? {
            while let entry = readyHeap.popFirst() {
                guard ready[entry.key]?.sequence == entry.sequence else { continue }
                ready.removeValue(forKey: entry.key)
                processing[entry.key] = now
                metrics.depth.record(ready.count)
                metrics.queueDuration.recordNanoseconds(max(0, entry.due.duration(to: now).nanoseconds))
                return entry.key
            }
            return nil
        }

        // MARK: - Delayed keys

        /// Delays `key` until `due`, unless it is ready, dirty or delayed until earlier already.
        mutating func delay(_ key: Key, until due: WallInstant, priority: Int) {
            if let existing = ready[key] {
                // Already due: only its priority can rise.
                let sequence = takeSequence()
                Self.upsert(
                    key, priority: priority, due: existing.due, sequence: sequence, in: &ready, heap: &readyHeap)
                return
            }
            if let existing = dirty[key] {
                dirty[key] = max(existing, priority)
                return
            }
            let sequence = takeSequence()
            Self.upsert(key, priority: priority, due: due, sequence: sequence, in: &delayed, heap: &delayedHeap)
            compactIfNeeded()
        }

        /// Files `key` with `priority` and `due` into a map and its heap: a new key is inserted;
        /// a known key keeps the higher priority and the earlier due time (a new heap entry
        /// supersedes the old one, which becomes stale) or is left alone if neither improves.
        ///
        /// - Returns: whether the key was new.
        @discardableResult
        static func upsert<Order: EntryOrder>(
            _ key: Key,
            priority: Int,
            due: WallInstant,
            sequence: UInt64,
            in entries: inout [Key: QueueEntry<Key, Order>],
            heap: inout BinaryHeap<QueueEntry<Key, Order>>
        ) -> Bool {
            let existing = entries[key]
            if let existing, priority <= existing.priority, due >= existing.due { return false }
            let entry = QueueEntry<Key, Order>(
                key: key,
                priority: max(priority, existing?.priority ?? priority),
                due: min(due, existing?.due ?? due),
                sequence: sequence
            )
            entries[key] = entry
            heap.insert(entry)
            return existing == nil
        }

        /// The due time of the earliest delayed key, discarding stale heap entries on the way.
        mutating func earliestDelayedDue() -> WallInstant? {
            while let entry = delayedHeap.first {
                if delayed[entry.key]?.sequence == entry.sequence { return entry.due }
                _ = delayedHeap.popFirst()
            }
            return nil
        }

        /// Removes and returns the earliest delayed key if it is due by `now`.
        mutating func popDelayed(dueBy now: WallInstant) -> DelayedEntry? {
            guard let due = earliestDelayedDue(), due <= now, let entry = delayedHeap.popFirst() else { return nil }
            delayed.removeValue(forKey: entry.key)
            return entry
        }

        /// Drops every waiting key (on shutdown).
        mutating func clearPending() {
            ready.removeAll()
            readyHeap.removeAll()
            delayed.removeAll()
            delayedHeap.removeAll()
            dirty.removeAll()
        }

        /// Rebuilds a heap when stale entries outnumber live ones, so repeated re-adds of the
        /// same keys cannot grow memory without bound.
        private mutating func compactIfNeeded() {
            if readyHeap.count > 2 * ready.count + 64 {
                let live = ready
                readyHeap.retain { live[$0.key]?.sequence == $0.sequence }
            }
            if delayedHeap.count > 2 * delayed.count + 64 {
                let live = delayed
                delayedHeap.retain { live[$0.key]?.sequence == $0.sequence }
            }
        }
    }
}
