/// What a reconcile asks of the queue for the key it processed (controller-runtime's `Result`).
public enum ReconcileResult: Sendable, Equatable {
    /// Nothing more to do: the key's failure history is forgotten.
    case done
    /// Run again at a known instant (e.g. the next slot): failures are forgotten, the key is
    /// delayed by `after`.
    case requeue(after: Duration, priority: Int = 0)
    /// It failed and should be retried with backoff (per-key exponential plus the bucket), but
    /// no later than `atLatest` when given (the instant a `requeue` would have asked for: a
    /// failure must not make the key sleep past its next deadline).
    case retry(priority: Int = 0, atLatest: Duration? = nil)
}

extension WorkQueue {
    /// Runs `count` workers that take keys and pass them to `reconcile` until the queue shuts
    /// down or the calling task is cancelled, applying each ``ReconcileResult``.
    ///
    /// Each key is processed by one worker at a time (the queue is stingy), so `reconcile` needs
    /// no per-key locking.
    public func runWorkers(_ count: Int, reconcile: @escaping @Sendable (Key) async -> ReconcileResult) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, count) {
                group.addTask {
                    while let key = await self.get() {
                        let result = await reconcile(key)
                        switch result {
                        case .done:
                            self.forget(key)
                        case .requeue(let delay, let priority):
                            self.forget(key)
                            self.add(key, after: delay, priority: priority)
                        case .retry(let priority, let atLatest):
                            let deadline = atLatest.map { self.clock.now.advanced(by: $0) }
                            self.addRateLimited(key, priority: priority, deadline: deadline)
                        }
                        self.done(key)
                    }
                }
            }
        }
    }
}
