import Foundation

/// When and how long to wait before sending a failed request again.
///
/// Only requests marked retryable (GET, LIST, PUT, DELETE, and POST/PATCH the caller declared
/// safe) are retried, only on answers that say "try later" (429, 500, 502, 503, 504) or on
/// connection failures, and at most ``maxAttempts`` times in total. The wait doubles from
/// ``initialBackoff`` up to ``maxBackoff`` with up to ``jitter`` × the wait added at random,
/// so clients failing together do not retry together. A `Retry-After` from the server is
/// used instead, up to ``maxRetryAfter``.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts including the first; 1 disables retries.
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// Fraction of the wait added at random, in `0...1`.
    public var jitter: Double
    /// Longest `Retry-After` honoured; longer requests are shortened to this.
    public var maxRetryAfter: Duration
    public var retryableStatusCodes: Set<Int>

    /// - Throws: ``ConfigurationError`` when a bound is out of range.
    public init(
        maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(10),
        jitter: Double = 0.2, maxRetryAfter: Duration = .seconds(60),
        retryableStatusCodes: Set<Int> = [429, 500, 502, 503, 504]
    ) throws {
        guard maxAttempts >= 1 else {
            throw ConfigurationError(field: "retry.maxAttempts", message: "must be ≥ 1, got \(maxAttempts)")
        }
        guard initialBackoff > .zero, maxBackoff >= initialBackoff else {
            throw ConfigurationError(
                field: "retry.maxBackoff",
                message: "must be ≥ initialBackoff (\(initialBackoff)) > 0, got \(maxBackoff)")
        }
        guard (0...1).contains(jitter) else {
            throw ConfigurationError(field: "retry.jitter", message: "must be within 0...1, got \(jitter)")
        }
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
        self.retryableStatusCodes = retryableStatusCodes
    }

    /// The default policy: 5 attempts, 200 ms doubling to 10 s, 20 % jitter.
    public static var standard: RetryPolicy {
        // The literal bounds above are valid, so this cannot throw; fall back to one attempt
        // rather than crash if they were ever edited into an invalid state.
        (try? RetryPolicy()) ?? RetryPolicy(unchecked: 1)
    }

    /// No retries at all.
    public static var never: RetryPolicy { RetryPolicy(unchecked: 1) }

    private init(unchecked maxAttempts: Int) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = .milliseconds(200)
        self.maxBackoff = .seconds(10)
        self.jitter = 0
        self.maxRetryAfter = .seconds(60)
        self.retryableStatusCodes = [429, 500, 502, 503, 504]
    }

    /// How an attempt ended.
    public enum Outcome: Sendable, Hashable {
        /// The server answered with this status code (and maybe a `Retry-After`).
        case status(code: Int, retryAfter: Duration?)
        /// No answer: connection refused or reset, TLS failure, timeout.
        case connectionFailure
    }

    /// What to do after a failed attempt.
    public enum Decision: Sendable, Hashable {
        case retry(after: Duration)
        case giveUp
    }

    /// Decides whether attempt number `attempt` (1-based) of a request is followed by another.
    ///
    /// - Parameters:
    ///   - attempt: the attempt that just failed, starting at 1.
    ///   - isRetryable: whether the request may be repeated at all.
    ///   - outcome: how it failed.
    ///   - random: a value in `0..<1` choosing the jitter; injected so decisions are testable.
    public func decide(attempt: Int, isRetryable: Bool, outcome: Outcome, random: Double) -> Decision {
        guard isRetryable, attempt < maxAttempts else { return .giveUp }
        switch outcome {
        case .status(let code, let retryAfter):
            guard retryableStatusCodes.contains(code) else { return .giveUp }
            if let retryAfter { return .retry(after: min(max(retryAfter, .zero), maxRetryAfter)) }
            return .retry(after: backoff(attempt: attempt, random: random))
        case .connectionFailure:
            return .retry(after: backoff(attempt: attempt, random: random))
        }
    }

    /// The wait after failed attempt `attempt`: `initialBackoff × 2^(attempt-1)`, capped at
    /// `maxBackoff`, plus `jitter × random` of that, capped at `maxBackoff` again.
    public func backoff(attempt: Int, random: Double) -> Duration {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let base = min(initialBackoff.timeInterval * pow(2, exponent), maxBackoff.timeInterval)
        let jittered = base * (1 + jitter * min(max(random, 0), 1))
        return .milliseconds(Int64((min(jittered, maxBackoff.timeInterval) * 1000).rounded()))
    }
}
