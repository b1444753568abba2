import Foundation
import KubeClient
import KubeSim
import Synchronization
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

    struct PriorityCase: CustomTestStringConvertible, Sendable {
        let name: String
        /// Callers in arrival order: a label and the priority it asks with.
        let arrivals: [(label: String, priority: RequestPriority)]
        /// The order in which one-token refills let them through.
        let served: [String]
        var testDescription: String { name }
    }

    @Test(arguments: [
        PriorityCase(
            name: "high overtakes earlier normal and low", arrivals: [("a", .low), ("b", .normal), ("c", .high)],
            served: ["c", "b", "a"]),
        PriorityCase(
            name: "FIFO within one priority", arrivals: [("h1", .high), ("h2", .high), ("l", .low), ("h3", .high)],
            served: ["h1", "h2", "h3", "l"]),
        PriorityCase(
            name: "normal keeps arrival order", arrivals: [("n1", .normal), ("n2", .normal), ("n3", .normal)],
            served: ["n1", "n2", "n3"]),
        PriorityCase(
            name: "low waits for every normal",
            arrivals: [("l1", .low), ("n1", .normal), ("l2", .low), ("n2", .normal)],
            served: ["n1", "n2", "l1", "l2"]),
    ])
    func refillsServeWaitersByPriorityThenArrival(_ testCase: PriorityCase) async throws {
        let clock = ManualClock(start: Self.start)
        let limiter = try ClientRateLimiter(qps: 1, burst: 1, clock: clock)
        try await limiter.acquire()
        let served = ServedLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, arrival) in testCase.arrivals.enumerated() {
                group.addTask {
                    try await limiter.acquire(priority: arrival.priority)
                    served.labels.withLock { $0.append(arrival.label) }
                }
                // Queued (and asleep) before the next one arrives, so arrival order is defined.
                try await Self.waitFor { await limiter.waiting == index + 1 && clock.sleeperCount == index + 1 }
            }
            for step in testCase.served.indices {
                clock.advance(by: .seconds(1))
                let remaining = testCase.served.count - step - 1
                // One token: exactly one caller goes, the others are back asleep.
                try await Self.waitFor {
                    let waiting = await limiter.waiting
                    return served.labels.withLock { $0.count } == step + 1 && clock.sleeperCount == remaining
                        && waiting == remaining
                }
            }
            try await group.waitForAll()
        }
        #expect(served.labels.withLock { $0 } == testCase.served)
        #expect(await limiter.availableTokens == 0)
    }

    @Test func aWaiterArrivingWithTokensToSpareGoesAtOnce() async throws {
        let clock = ManualClock(start: Self.start)
        let limiter = try ClientRateLimiter(qps: 1, burst: 3, clock: clock)
        for priority in [RequestPriority.low, .normal, .high] { try await limiter.acquire(priority: priority) }
        #expect(await limiter.availableTokens == 0)
        #expect(await limiter.waiting == 0)
        #expect(clock.sleeperCount == 0)
    }

    @Test func aCancelledWaiterLeavesTheQueueWithoutAToken() async throws {
        let clock = ManualClock(start: Self.start)
        let limiter = try ClientRateLimiter(qps: 1, burst: 1, clock: clock)
        try await limiter.acquire()
        let waiter = Task { try await limiter.acquire(priority: .high) }
        try await Self.waitFor { await limiter.waiting == 1 && clock.sleeperCount == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(await limiter.waiting == 0)
        clock.advance(by: .seconds(1))
        #expect(await limiter.availableTokens == 1)
    }

    @Test func rejectsNonsense() {
        let clock = ManualClock(start: Self.start)
        #expect(throws: ConfigurationError.self) { try ClientRateLimiter(qps: 0, burst: 1, clock: clock) }
        #expect(throws: ConfigurationError.self) { try ClientRateLimiter(qps: 1, burst: 0, clock: clock) }
    }

    /// The labels of the callers let through, in order.
    final class ServedLog: Sendable {
        let labels = Mutex<[String]>([])
    }

    /// Yields until `condition` holds (bounded, no real sleeping).
    static func waitFor(_ condition: () async -> Bool) async throws {
        var holds = await condition()
        for _ in 0..<100_000 where !holds {
            await Task.yield()
            holds = await condition()
        }
        try #require(holds, "condition not reached")
    }

    /// Yields until `count` tasks sleep on the clock (bounded, no real sleeping).
    static func waitForSleepers(_ clock: ManualClock, count: Int) async throws {
        for _ in 0..<100_000 where clock.sleeperCount < count { await Task.yield() }
        try #require(clock.sleeperCount >= count, "expected \(count) sleepers")
    }
}
