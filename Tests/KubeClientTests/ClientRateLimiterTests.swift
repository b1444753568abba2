import Foundation
import KubeClient
import KubeSim
import Testing

@Suite struct ClientRateLimiterTests {
    static let start = Date(timeIntervalSince1970: 1_772_953_200)

    @Test func burstIsFreeThenRequestsAreSpacedByQPS() async throws {
        let clock = ManualClock(start: Self.start)
        let limiter = try ClientRateLimiter(qps: 2, burst: 3, clock: clock)
        #expect(await limiter.reserve() == .zero)
        #expect(await limiter.reserve() == .zero)
        #expect(await limiter.reserve() == .zero)
        #expect(await limiter.reserve() == .milliseconds(500))
        #expect(await limiter.reserve() == .seconds(1))
        clock.advance(by: .seconds(1))
        // Two tokens refilled, both already promised to the waiters above.
        #expect(await limiter.availableTokens == 0)
        #expect(await limiter.reserve() == .milliseconds(500))
    }

    @Test func refillIsCappedAtBurst() async throws {
        let clock = ManualClock(start: Self.start)
        let limiter = try ClientRateLimiter(qps: 10, burst: 2, clock: clock)
        _ = await limiter.reserve()
        _ = await limiter.reserve()
        clock.advance(by: .seconds(3600))
        #expect(await limiter.availableTokens == 2)
    }

    @Test func acquireWaitsOnTheInjectedClock() async throws {
        let clock = ManualClock(start: Self.start)
        let limiter = try ClientRateLimiter(qps: 1, burst: 1, clock: clock)
        try await limiter.acquire()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await limiter.acquire() }
            try await Self.waitForSleepers(clock, count: 1)
            clock.advance(by: .milliseconds(999))
            #expect(clock.sleeperCount == 1)
            clock.advance(by: .milliseconds(1))
            try await group.waitForAll()
        }
        #expect(clock.sleeperCount == 0)
    }

    @Test func rejectsNonsense() {
        let clock = ManualClock(start: Self.start)
        #expect(throws: ConfigurationError.self) { try ClientRateLimiter(qps: 0, burst: 1, clock: clock) }
        #expect(throws: ConfigurationError.self) { try ClientRateLimiter(qps: 1, burst: 0, clock: clock) }
    }

    /// Yields until `count` tasks sleep on the clock (bounded, no real sleeping).
    static func waitForSleepers(_ clock: ManualClock, count: Int) async throws {
        for _ in 0..<100_000 where clock.sleeperCount < count { await Task.yield() }
        try #require(clock.sleeperCount >= count, "expected \(count) sleepers")
    }
}
