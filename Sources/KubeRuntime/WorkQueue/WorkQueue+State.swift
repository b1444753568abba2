import KubeClient

extension WorkQueue {
    /// A key waiting to be handed out. Ordered by priority (higher first), then due time, then
    /// the order in which it became ready.
    struct ReadyEntry: Comparable {
        let key: Key
        let priority: Int
        let due: WallInstant
        let sequence: UInt64

        static func < (lhs: Self, rhs: Self) -> Bool {
            if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
            if lhs.due != rhs.due { return lhs.due < rhs.due }
            return lhs.sequence < rhs.sequence
        }

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.sequence == rhs.sequence }
    }

    /// A key waiting for its due time. Ordered by due time, then insertion.
    struct DelayedEntry: Comparable {
        let key: Key
        let priority: Int
        let due: WallInstant
        let sequence: UInt64

        static func < (lhs: Self, rhs: Self) -> Bool {
            if lhs.due != rhs.due { return lhs.due < rhs.due }
            return lhs.sequence < rhs.sequence
        }

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.sequence == rhs.sequence }
    }

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
            if let existing = ready[key] {
                guard priority > existing.priority || due < existing.due else { return }
                let entry = ReadyEntry(
                    key: key,
                    priority: max(priority, existing.priority),
                    due: min(due, existing.due),
                    sequence: takeSequence()
                )
                ready[key] = entry
                readyHeap.insert(entry)
            } else {
                let entry = ReadyEntry(key: key, priority: priority, due: due, sequence: takeSequence())
                ready[key] = entry
                readyHeap.insert(entry)
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
                if priority > existing.priority {
                    let entry = ReadyEntry(key: key, priority: priority, due: existing.due, sequence: takeSequence())
                    ready[key] = entry
                    readyHeap.insert(entry)
                }
                return
            }
            if let existing = dirty[key] {
                dirty[key] = max(existing, priority)
                return
            }
            if let existing = delayed[key] {
                guard due < existing.due || priority > existing.priority else { return }
                let entry = DelayedEntry(
                    key: key,
                    priority: max(priority, existing.priority),
                    due: min(due, existing.due),
                    sequence: takeSequence()
                )
                delayed[key] = entry
                delayedHeap.insert(entry)
            } else {
                let entry = DelayedEntry(key: key, priority: priority, due: due, sequence: takeSequence())
                delayed[key] = entry
                delayedHeap.insert(entry)
            }
            compactIfNeeded()
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
