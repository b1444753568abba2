import Foundation

/// A token bucket limiting how fast one client sends requests (client-go's `qps`/`burst`).
///
/// The bucket holds up to `burst` tokens and refills at `qps` tokens per second on the
/// injected clock. Each request takes one token; when none is left the request waits for its
/// turn. Waiters are served by ``RequestPriority`` (strictly: a waiting `high` request goes before
/// every `normal` and `low` one), in arrival order within one priority. Low-priority work can
/// only be delayed while higher-priority requests keep arriving faster than `qps`.
public actor ClientRateLimiter {
    public nonisolated let qps: Double
    public nonisolated let burst: Int
    private let clock: any WallClock
    private var tokens: Double
    private var lastRefill: WallInstant
    /// Callers of ``acquire(priority:)`` waiting for a token, in serving order.
    private var waiters: [Waiter] = []
    private var nextTicket: UInt64 = 0

    /// Absorbs rounding in `elapsed * qps`, so a waiter woken exactly on time is not sent back
    /// to sleep for a few nanoseconds.
    private static let tolerance = 1e-6

    private struct Waiter {
        let ticket: UInt64
        let priority: RequestPriority
    }

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
    /// A waiter takes a token once the bucket holds one for it and for every waiter ahead of it
    /// (higher priority, or same priority and earlier). A request of higher priority arriving
    /// later moves ahead, and the waiters behind it sleep one token longer.
    ///
    /// - Throws: `CancellationError` if the task is cancelled while waiting (it leaves the queue
    ///   without taking a token).
    public func acquire(priority: RequestPriority = .normal) async throws {
        nextTicket += 1
        let waiter = Waiter(ticket: nextTicket, priority: priority)
        let position = waiters.firstIndex { $0.priority < priority } ?? waiters.endIndex
        waiters.insert(waiter, at: position)
        do {
            while true {
                refill()
                let needed = Double(waitersAhead(of: waiter.ticket) + 1)
                if tokens + Self.tolerance >= needed {
                    tokens -= 1
                    remove(waiter.ticket)
                    return
                }
                let wait = Duration.seconds((needed - tokens) / qps)
                try await clock.sleep(until: clock.now.advanced(by: wait), tolerance: nil)
            }
        } catch {
            remove(waiter.ticket)
            throw error
        }
    }

    /// Takes one token at once, ahead of every waiter of ``acquire(priority:)``, and returns how
    /// long the caller must wait before using it (the count goes negative while it is owed).
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

    /// How many callers of ``acquire(priority:)`` are waiting, of any priority.
    public var waiting: Int { waiters.count }

    private func waitersAhead(of ticket: UInt64) -> Int {
        waiters.firstIndex { $0.ticket == ticket } ?? waiters.count
    }

    private func remove(_ ticket: UInt64) {
        waiters.removeAll { $0.ticket == ticket }
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
