import KubeClient
import Metrics
import Synchronization

/// A rate-limited, delayed, priority-ordered queue of keys for level-triggered controllers.
///
/// The queue carries keys only (`namespace/name`), never events or objects: a worker re-reads
/// the current state from its cache. It follows client-go's `workqueue` contract:
///
/// - **Deduplicated**: a key waiting in the queue is held once, however often it is added.
/// - **Stingy**: a key handed out by ``get()`` is never handed out again before ``done(_:)``; an
///   add while it is processed marks it dirty and it is re-queued once, right after `done`.
/// - **Delayed**: ``add(_:after:priority:)`` and ``add(_:at:priority:)`` wait on the injected
///   clock. All delayed keys share ONE timer task that sleeps until the earliest due time (a
///   min-heap), so 10,000 delayed keys cost one sleeper. An earlier add of the same key wins.
/// - **Ordered**: ready keys are served by priority (higher first), then by due time, then in
///   the order they became ready.
/// - **Rate limited**: ``addRateLimited(_:priority:)`` delays a failed key by its
///   ``RateLimiter`` (per-key exponential backoff plus an overall token bucket by default);
///   ``forget(_:)`` resets it after a success.
/// - **Graceful**: ``shutDown(drain:)`` stops handing out keys and can wait for in-flight work.
///
/// All state lives behind one `Mutex`, so ``add(_:priority:)`` is synchronous and can be called
/// from informer handlers; only ``get()`` and ``shutDown(drain:)`` suspend.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    /// The queue's name, used as the `name` label of its metrics.
    public let name: String
    let clock: any WallClock
    let metrics: WorkQueueMetrics
    let state: Mutex<State>

    /// Creates a queue.
    ///
    /// - Parameters:
    ///   - name: names the queue in metrics and logs.
    ///   - clock: the clock delays and durations are measured on (a `ManualClock` in tests).
    ///   - rateLimiter: decides the delay of ``addRateLimited(_:priority:)``; defaults to
    ///     client-go's controller default (5 ms … 1000 s per key, 10 qps / 100 burst overall).
    ///   - metricsFactory: where metrics go; defaults to the process-wide `MetricsSystem`.
    public init(
        name: String,
        clock: any WallClock,
        rateLimiter: any RateLimiter<Key> = defaultControllerRateLimiter(),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.name = name
        self.clock = clock
        self.metrics = WorkQueueMetrics(queueName: name, factory: metricsFactory ?? MetricsSystem.factory)
        self.state = Mutex(State(limiter: rateLimiter))
    }

    deinit {
        state.withLock { $0.timer?.task.cancel() }
    }

    // MARK: - Adding

    /// Makes `key` ready now (or marks it dirty if it is being processed).
    ///
    /// Adding a key that already waits raises its priority to the higher of the two; a pending
    /// delayed add of the key is superseded. Ignored after ``shutDown(drain:)``.
    public func add(_ key: Key, priority: Int = 0) {
        let effects = state.withLock { state -> Effects in
            guard !state.isShuttingDown else { return Effects() }
            let now = clock.now
            state.makeReady(key, priority: priority, due: now, metrics: metrics)
            return dispatchAndRearm(&state, now: now)
        }
        effects.perform()
    }

    /// Makes `key` ready after `delay` on the queue's clock.
    public func add(_ key: Key, after delay: Duration, priority: Int = 0) {
        add(key, at: clock.now.advanced(by: delay), priority: priority)
    }

    /// Makes `key` ready at `instant` on the queue's clock.
    ///
    /// If the key is already ready, dirty, or delayed until an earlier instant, the earlier one
    /// wins (its priority is raised if this add's is higher). An instant in the past makes the
    /// key ready at once, ordered by that instant.
    public func add(_ key: Key, at instant: WallInstant, priority: Int = 0) {
        let effects = state.withLock { state -> Effects in
            guard !state.isShuttingDown else { return Effects() }
            let now = clock.now
            if instant <= now {
                state.makeReady(key, priority: priority, due: instant, metrics: metrics)
            } else {
                state.delay(key, until: instant, priority: priority)
            }
            return dispatchAndRearm(&state, now: now)
        }
        effects.perform()
    }

    /// Re-queues a key whose processing failed, after the delay its rate limiter decides.
    ///
    /// - Parameter deadline: an instant the key must come back by whatever its backoff (the next
    ///   time its owner has to act, e.g. a schedule's next slot): the key is due at the earlier of
    ///   the two. A deadline that already passed is ignored, so a failing key never skips its backoff.
    public func addRateLimited(_ key: Key, priority: Int = 0, deadline: WallInstant? = nil) {
        let due: WallInstant? = state.withLock { state in
            guard !state.isShuttingDown else { return nil }
            let now = clock.now
            metrics.retries.increment()
            let backedOff = now.advanced(by: state.limiter.when(key, now: now))
            guard let deadline, deadline > now else { return backedOff }
            return min(backedOff, deadline)
        }
        if let due { add(key, at: due, priority: priority) }
    }

    /// Clears the failure history of `key`: call it when the key was processed successfully.
    public func forget(_ key: Key) {
        state.withLock { $0.limiter.forget(key) }
    }

    /// How many times `key` was rate limited since it was last forgotten.
    public func numRequeues(_ key: Key) -> Int {
        state.withLock { $0.limiter.numRequeues(key) }
    }

    // MARK: - Processing

    /// Waits for the next ready key and marks it as being processed.
    ///
    /// Every key returned must be passed to ``done(_:)`` when its processing ends.
    ///
    /// - Returns: the key, or `nil` when the queue is shutting down or the calling task was
    ///   cancelled: the worker should stop.
    public func get() async -> Key? {
        let id = state.withLock { state in
            state.nextGetterID += 1
            return state.nextGetterID
        }
        let key: Key? = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                let immediate: Key?? = state.withLock { state in
                    if state.cancelledGetters.remove(id) != nil || state.isShuttingDown { return .some(nil) }
                    let now = clock.now
                    if let key = state.popReady(now: now, metrics: metrics) { return .some(key) }
                    state.getters.append(Getter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let getter: Getter? = state.withLock { state in
                if let index = state.getters.firstIndex(where: { $0.id == id }) {
                    return state.getters.remove(at: index)
                }
                state.cancelledGetters.insert(id)
                return nil
            }
            getter?.continuation.resume(returning: nil)
        }
        state.withLock { _ = $0.cancelledGetters.remove(id) }
        return key
    }

    /// Marks the processing of `key` as finished; a key added meanwhile is re-queued now.
    public func done(_ key: Key) {
        let effects = state.withLock { state -> Effects in
            let now = clock.now
            guard let started = state.processing.removeValue(forKey: key) else { return Effects() }
            metrics.workDuration.recordNanoseconds(started.duration(to: now).nanoseconds)
            var effects = Effects()
            if let priority = state.dirty.removeValue(forKey: key), !state.isShuttingDown {
                state.makeReady(key, priority: priority, due: now, metrics: metrics)
                effects = dispatchAndRearm(&state, now: now)
            }
            if state.processing.isEmpty {
                effects.drained = state.drainWaiters
                state.drainWaiters.removeAll()
            }
            metrics.updateProcessing(state.processing.values, now: now)
            return effects
        }
        effects.perform()
    }

    // MARK: - Shutting down

    /// Stops handing out keys: waiting and future ``get()`` calls return `nil`, adds are ignored,
    /// delayed keys are dropped.
    ///
    /// - Parameter drain: when `true`, waits until every key handed out has been passed to
    ///   ``done(_:)``. Bound the wait (e.g. by the pod's grace period) if workers may hang.
    public func shutDown(drain: Bool = true) async {
        let (effects, mustWait) = state.withLock { state -> (Effects, Bool) in
            state.isShuttingDown = true
            var effects = Effects()
            effects.handOuts = state.getters.map { ($0.continuation, nil) }
            state.getters.removeAll()
            effects.cancelledTimer = state.timer?.task
            state.timer = nil
            state.clearPending()
            metrics.depth.record(0)
            return (effects, drain && !state.processing.isEmpty)
        }
        effects.perform()
        guard mustWait else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyDrained = state.withLock { state in
                if state.processing.isEmpty { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if alreadyDrained { continuation.resume() }
        }
    }

    // MARK: - Inspection

    /// Whether ``shutDown(drain:)`` was called.
    public var isShuttingDown: Bool { state.withLock { $0.isShuttingDown } }

    /// The number of keys ready to be handed out (client-go's `Len`).
    public var count: Int { state.withLock { $0.ready.count } }

    /// The number of keys waiting for their delay to pass.
    public var delayedCount: Int { state.withLock { $0.delayed.count } }

    /// The number of workers suspended in ``get()`` waiting for a key.
    public var idleWorkerCount: Int { state.withLock { $0.getters.count } }

    /// Where `key` stands, for diagnostics: `processing since …`, `ready`, `delayed until …`
    /// (with `dirty` when it was added again while processed), or `absent`; and the queue's
    /// timer, idle workers and clock.
    public func describe(_ key: Key) -> String {
        state.withLock { state in
            var parts: [String] = []
            if let started = state.processing[key] { parts.append("processing since \(started)") }
            if state.dirty[key] != nil { parts.append("dirty") }
            if state.ready[key] != nil { parts.append("ready") }
            if let delayed = state.delayed[key] { parts.append("delayed until \(delayed.due)") }
            if parts.isEmpty { parts.append("absent") }
            let timer = state.timer.map { "\($0.deadline)" } ?? "none"
            return parts.joined(separator: ", ")
                + "; timer \(timer), idle workers \(state.getters.count), requeues \(state.limiter.numRequeues(key)), "
                + "now \(clock.now)"
        }
    }

    /// The number of keys handed out and not yet done.
    public var processingCount: Int { state.withLock { $0.processing.count } }

    // MARK: - Timer

    /// Moves every delayed key whose time has come to the ready queue (run by the timer task).
    func fireDueKeys() {
        let effects = state.withLock { state -> Effects in
            guard !state.isShuttingDown else { return Effects() }
            let now = clock.now
            state.timer = nil
            while let key = state.popDelayed(dueBy: now) {
                state.makeReady(key.key, priority: key.priority, due: key.due, metrics: metrics)
            }
            return dispatchAndRearm(&state, now: now)
        }
        effects.perform()
    }

    /// Hands ready keys to waiting getters and makes sure the single timer waits for the
    /// earliest delayed key. Runs under the lock; the returned effects run after it.
    private func dispatchAndRearm(_ state: inout State, now: WallInstant) -> Effects {
        var effects = Effects()
        while !state.getters.isEmpty, let key = state.popReady(now: now, metrics: metrics) {
            let getter = state.getters.removeFirst()
            effects.handOuts.append((getter.continuation, key))
        }
        metrics.updateProcessing(state.processing.values, now: now)
        let earliest = state.earliestDelayedDue()
        guard earliest != state.timer?.deadline else { return effects }
        effects.cancelledTimer = state.timer?.task
        state.timer = nil
        guard let earliest else { return effects }
        // The one timer of the queue: it sleeps until the earliest due time and is replaced
        // (cancelled and re-created) only when an even earlier key arrives.
        let task = Task { [weak self, clock] in
            do {
                try await clock.sleep(until: earliest, tolerance: nil)
            } catch {
                return
            }
            self?.fireDueKeys()
        }
        state.timer = TimerTask(deadline: earliest, task: task)
        return effects
    }
}

// MARK: - Effects performed outside the lock

extension WorkQueue {
    /// Continuations to resume and a timer to cancel, collected under the lock and performed
    /// after releasing it so no foreign code runs while the queue is locked.
    struct Effects {
        var handOuts: [(CheckedContinuation<Key?, Never>, Key?)] = []
        var drained: [CheckedContinuation<Void, Never>] = []
        var cancelledTimer: Task<Void, Never>?

        func perform() {
            cancelledTimer?.cancel()
            for (continuation, key) in handOuts { continuation.resume(returning: key) }
            for continuation in drained { continuation.resume() }
        }
    }

    struct Getter {
        let id: UInt64
        let continuation: CheckedContinuation<Key?, Never>
    }

    struct TimerTask {
        let deadline: WallInstant
        let task: Task<Void, Never>
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`.
    var nanoseconds: Int64 {
        let parts = components
        let (scaled, overflow) = parts.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return parts.seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(parts.attoseconds / 1_000_000_000).partialValue
    }
}
