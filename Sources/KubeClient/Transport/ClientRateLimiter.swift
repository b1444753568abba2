import Foundation

/// A token bucket limiting how fast one client sends requests (client-go's `qps`/`burst`).
///
/// The bucket holds up to `burst` tokens and refills at `qps` tokens per second on the
/// injected clock. Each request takes one token; when none is left the request waits for its
/// turn. Waiters are served in arrival order because each one reserves its token (the count
/// goes negative) before it sleeps.
public actor ClientRateLimiter {
    public nonisolated let qps: Double
    public nonisolated let burst: Int
    private let clock: any WallClock
    private var tokens: Double
    private var lastRefill: WallInstant

    /// - Throws: ``ConfigurationError`` if `qps` is not positive or `burst` is below 1.
    public init(qps: Double, burst: Int, clock: any WallClock) throws {
        guard qps > 0, qps.isFinite else {
            throw ConfigurationError(field: "qps", message: "must be > 0, got \(qps)")
        }
        guard burst >= 1 else {
            throw ConfigurationError(field: "burst", message: "must be ≥ 1, got \(burst)")
        }
        self.qps = qps
        self.burst = burst
        self.clock = clock
        self.tokens = Double(burst)
        self.lastRefill = clock.now
    }

    /// Waits until the caller may send one request.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting (its token is
    ///   not returned, which only makes later callers slightly slower).
    public func acquire() async throws {
        let wait = reserve()
        if wait > .zero {
            try await clock.sleep(until: clock.now.advanced(by: wait), tolerance: nil)
        }
    }

    /// Takes one token and returns how long the caller must wait before using it.
    public func reserve() -> Duration {
        refill()
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .seconds(-tokens / qps)
    }

    /// Tokens available right now (negative when callers are queued).
    public var availableTokens: Double {
        refill()
        return tokens
    }

    private func refill() {
        let now = clock.now
        let elapsed = lastRefill.duration(to: now).timeInterval
        if elapsed > 0 {
            tokens = min(Double(burst), tokens + elapsed * qps)
            lastRefill = now
        }
    }
}
