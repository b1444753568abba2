import KubeClient

/// Decides how long a failed key waits before it is handed out again.
///
/// Rate limiters are value types fed the current instant, so they hold no clock and are tested
/// as plain functions of time; the ``WorkQueue`` owns one and calls it under its lock. The
/// semantics follow client-go's `workqueue.TypedRateLimiter`.
public protocol RateLimiter<Key>: Sendable {
    associatedtype Key: Hashable & Sendable

    /// Records one more failure of `key` and returns how long it must wait before its retry.
    mutating func when(_ key: Key, now: WallInstant) -> Duration

    /// Clears the failure history of `key` (called after it was processed successfully).
    mutating func forget(_ key: Key)

    /// How many times `key` has been rate limited since it was last forgotten.
    func numRequeues(_ key: Key) -> Int
}

// MARK: - Per-item exponential backoff

/// Per-key exponential backoff: `base × 2^failures`, capped at `maximum`.
///
/// client-go's `ItemExponentialFailureRateLimiter`; the controller default is 5 ms … 1000 s.
public struct ExponentialBackoffRateLimiter<Key: Hashable & Sendable>: RateLimiter {
    public let base: Duration
    public let maximum: Duration
    private var failures: [Key: Int] = [:]

    public init(base: Duration = .milliseconds(5), maximum: Duration = .seconds(1000)) {
        self.base = base
        self.maximum = max(base, maximum)
    }

    public mutating func when(_ key: Key, now: WallInstant) -> Duration {
        let exponent = failures[key, default: 0]
        failures[key] = exponent + 1
        // 2^exponent overflows long before it matters: past 2^62 the cap has long been reached.
        guard exponent < 62 else { return maximum }
        let delay = base * (1 << exponent)
        return delay > maximum || delay < .zero ? maximum : delay
    }

    public mutating func forget(_ key: Key) {
        failures.removeValue(forKey: key)
    }

    public func numRequeues(_ key: Key) -> Int {
        failures[key, default: 0]
    }
}

// MARK: - Overall token bucket

/// An overall token bucket shared by all keys: `burst` retries at once, then `qps` per second.
///
/// Mirrors client-go's `BucketRateLimiter` over `rate.Limiter.Reserve()`: each retry takes a
/// token; when none is left the retry is scheduled for when the bucket will have refilled one,
/// so the tokens may go negative and later retries queue up behind earlier ones.
public struct TokenBucketRateLimiter<Key: Hashable & Sendable>: RateLimiter {
    public let qps: Double
    public let burst: Int
    private var tokens: Double
    private var lastUpdate: WallInstant?

    /// - Parameters:
    ///   - qps: tokens added per second; must be > 0.
    ///   - burst: the bucket's capacity, which is also its initial content; must be ≥ 1.
    public init(qps: Double = 10, burst: Int = 100) {
        self.qps = qps > 0 ? qps : 1
        self.burst = max(1, burst)
        self.tokens = Double(self.burst)
    }

    public mutating func when(_ key: Key, now: WallInstant) -> Duration {
        if let lastUpdate {
            if lastUpdate < now {
                let elapsed = lastUpdate.duration(to: now).timeInterval
                tokens = min(Double(burst), tokens + elapsed * qps)
                self.lastUpdate = now
            }
        } else {
            lastUpdate = now
        }
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .seconds(-tokens / qps)
    }

    public mutating func forget(_ key: Key) {}

    public func numRequeues(_ key: Key) -> Int { 0 }
}

// MARK: - Composition

/// The longest delay of two limiters; both record every failure (client-go's `MaxOfRateLimiter`).
public struct MaxOfRateLimiter<First: RateLimiter, Second: RateLimiter>: RateLimiter
where First.Key == Second.Key {
    public typealias Key = First.Key

    public private(set) var first: First
    public private(set) var second: Second

    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }

    public mutating func when(_ key: Key, now: WallInstant) -> Duration {
        max(first.when(key, now: now), second.when(key, now: now))
    }

    public mutating func forget(_ key: Key) {
        first.forget(key)
        second.forget(key)
    }

    public func numRequeues(_ key: Key) -> Int {
        max(first.numRequeues(key), second.numRequeues(key))
    }
}

/// client-go's `DefaultControllerRateLimiter`: per-key 5 ms … 1000 s exponential backoff, and
/// an overall bucket of 10 qps with a burst of 100.
public typealias DefaultControllerRateLimiter<Key: Hashable & Sendable> =
    MaxOfRateLimiter<ExponentialBackoffRateLimiter<Key>, TokenBucketRateLimiter<Key>>

/// Makes the controller default rate limiter (see ``DefaultControllerRateLimiter``).
///
/// - Parameter maxBackoff: the longest per-key backoff; client-go's 1000 s by default. A
///   controller whose keys have deadlines (a scheduler's next slot) caps it lower, so a key that
///   failed through an outage is retried soon after the outage ends. The overall bucket is kept.
public func defaultControllerRateLimiter<Key: Hashable & Sendable>(
    maxBackoff: Duration = .seconds(1000)
) -> DefaultControllerRateLimiter<Key> {
    MaxOfRateLimiter(ExponentialBackoffRateLimiter(maximum: maxBackoff), TokenBucketRateLimiter())
}
