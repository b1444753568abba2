import KubeClient
import Testing

@Suite struct RetryPolicyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let attempt: Int
        let isRetryable: Bool
        let outcome: RetryPolicy.Outcome
        let expected: RetryPolicy.Decision
        var testDescription: String { name }
    }

    /// No jitter, so waits are exact: 100 ms doubling, capped at 1 s, 4 attempts.
    static let policy: RetryPolicy = {
        do {
            return try RetryPolicy(
                maxAttempts: 4, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), jitter: 0,
                maxRetryAfter: .seconds(30))
        } catch {
            preconditionFailure("valid test policy rejected: \(error)")
        }
    }()

    @Test(arguments: [
        Case(
            name: "GET, 503, first attempt → wait 100 ms", attempt: 1, isRetryable: true,
            outcome: .status(code: 503, retryAfter: nil), expected: .retry(after: .milliseconds(100))),
        Case(
            name: "GET, 500, third attempt → wait 400 ms", attempt: 3, isRetryable: true,
            outcome: .status(code: 500, retryAfter: nil), expected: .retry(after: .milliseconds(400))),
        Case(
            name: "last attempt used → give up", attempt: 4, isRetryable: true,
            outcome: .status(code: 503, retryAfter: nil), expected: .giveUp),
        Case(
            name: "429 with Retry-After 5 s → wait exactly 5 s", attempt: 1, isRetryable: true,
            outcome: .status(code: 429, retryAfter: .seconds(5)), expected: .retry(after: .seconds(5))),
        Case(
            name: "Retry-After longer than allowed → capped", attempt: 1, isRetryable: true,
            outcome: .status(code: 503, retryAfter: .seconds(600)), expected: .retry(after: .seconds(30))),
        Case(
            name: "429 without Retry-After → backoff", attempt: 2, isRetryable: true,
            outcome: .status(code: 429, retryAfter: nil), expected: .retry(after: .milliseconds(200))),
        Case(
            name: "connection refused → backoff", attempt: 1, isRetryable: true,
            outcome: .connectionFailure, expected: .retry(after: .milliseconds(100))),
        Case(
            name: "POST not marked safe, 503 → give up", attempt: 1, isRetryable: false,
            outcome: .status(code: 503, retryAfter: nil), expected: .giveUp),
        Case(
            name: "PATCH not marked safe, connection failure → give up", attempt: 1, isRetryable: false,
            outcome: .connectionFailure, expected: .giveUp),
        Case(
            name: "409 conflict is not retried here", attempt: 1, isRetryable: true,
            outcome: .status(code: 409, retryAfter: nil), expected: .giveUp),
        Case(
            name: "404 is not retried", attempt: 1, isRetryable: true,
            outcome: .status(code: 404, retryAfter: nil), expected: .giveUp),
        Case(
            name: "501 is not retried", attempt: 1, isRetryable: true,
            outcome: .status(code: 501, retryAfter: nil), expected: .giveUp),
        Case(
            name: "backoff caps at maxBackoff", attempt: 3, isRetryable: true,
            outcome: .connectionFailure, expected: .retry(after: .milliseconds(400))),
    ])
    func decisions(_ testCase: Case) {
        let decision = Self.policy.decide(
            attempt: testCase.attempt, isRetryable: testCase.isRetryable, outcome: testCase.outcome, random: 0.5)
        #expect(decision == testCase.expected)
    }

    @Test(arguments: [0.0, 0.25, 0.5, 0.999])
    func jitteredBackoffStaysWithinBounds(random: Double) throws {
        let policy = try RetryPolicy(
            maxAttempts: 10, initialBackoff: .milliseconds(200), maxBackoff: .seconds(5), jitter: 0.5)
        for attempt in 1...10 {
            let base = min(0.2 * Double(1 << (attempt - 1)), 5.0)
            let delay = policy.backoff(attempt: attempt, random: random).timeInterval
            #expect(delay >= base - 0.001, "attempt \(attempt)")
            #expect(delay <= min(base * 1.5, 5.0) + 0.001, "attempt \(attempt)")
        }
        #expect(policy.backoff(attempt: 1, random: 0).timeInterval == 0.2)
        #expect(abs(policy.backoff(attempt: 1, random: 0.999).timeInterval - 0.3) < 0.001)
    }

    @Test func hugeAttemptNumbersDoNotOverflow() throws {
        let policy = try RetryPolicy(maxAttempts: 1000, initialBackoff: .seconds(1), maxBackoff: .seconds(60))
        #expect(policy.backoff(attempt: 999, random: 1) == .seconds(60))
    }

    struct InvalidCase: CustomTestStringConvertible, Sendable {
        let name: String
        let make: @Sendable () throws -> RetryPolicy
        let field: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        InvalidCase(name: "zero attempts", make: { try RetryPolicy(maxAttempts: 0) }, field: "retry.maxAttempts"),
        InvalidCase(
            name: "max below initial",
            make: { try RetryPolicy(initialBackoff: .seconds(2), maxBackoff: .seconds(1)) }, field: "retry.maxBackoff"),
        InvalidCase(name: "jitter above 1", make: { try RetryPolicy(jitter: 1.5) }, field: "retry.jitter"),
    ])
    func invalidPoliciesAreRejectedNamingTheField(_ testCase: InvalidCase) {
        #expect {
            try testCase.make()
        } throws: { error in
            (error as? ConfigurationError)?.field == testCase.field
        }
    }

    @Test func requestVerbsIdempotency() {
        #expect(KubeVerb.allCases.filter(\.isIdempotent) == [.get, .list, .watch, .update, .delete])
    }
}
