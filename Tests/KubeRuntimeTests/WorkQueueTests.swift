import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import MetricsTestKit
import PunctualTestSupport
import Synchronization
import Testing

/// Counts reconcile calls per key.
final class ReconcileLog: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Records one more call for `key` and returns how many there were so far.
    func record(_ key: String) -> Int {
        counts.withLock { counts in
            counts[key, default: 0] += 1
            return counts[key, default: 0]
        }
    }

    var attempts: [String: Int] { counts.withLock { $0 } }
}

@Suite struct WorkQueueTests {
    let clock = ManualClock(start: testEpoch)
    let metrics = TestMetrics()

    func makeQueue(
        rateLimiter: any RateLimiter<String> = defaultControllerRateLimiter()
    ) -> WorkQueue<String> {
        WorkQueue(name: "test", clock: clock, rateLimiter: rateLimiter, metricsFactory: metrics)
    }

    /// Takes every ready key, in the order the queue hands them out, marking each done.
    func drainReady(_ queue: WorkQueue<String>) async -> [String] {
        var keys: [String] = []
        while queue.count > 0, let key = await queue.get() {
            keys.append(key)
            queue.done(key)
        }
        return keys
    }

    // MARK: - Deduplication and stinginess

    @Test func duplicateAddsAreHeldOnce() async throws {
        let queue = makeQueue()
        for key in ["a", "b", "a", "a", "b", "c"] { queue.add(key) }
        #expect(queue.count == 3)
        #expect(await drainReady(queue) == ["a", "b", "c"])
        #expect(try metrics.expectCounter("workqueue_adds_total", [("name", "test")]).totalValue == 3)
    }

    @Test func keyBeingProcessedIsNotHandedOutAgainUntilDone() async throws {
        let queue = makeQueue()
        queue.add("a")
        let first = await queue.get()
        #expect(first == "a")

        // Two changes while "a" is processed: it must not reach a second worker now...
        queue.add("a")
        queue.add("a")
        #expect(queue.count == 0)
        let secondWorker = Task { await queue.get() }
        queue.add("b")
        #expect(await secondWorker.value == "b")

        // ...and comes back exactly once after `done`.
        queue.done("a")
        #expect(queue.count == 1)
        #expect(await queue.get() == "a")
        queue.done("a")
        queue.done("b")
        #expect(queue.count == 0)
    }

    @Test func describesWhereAKeyStands() async {
        let queue = makeQueue()
        #expect(queue.describe("a").hasPrefix("absent; timer none, idle workers 0, requeues 0, now "))
        queue.add("a", after: .seconds(30))
        #expect(queue.describe("a").hasPrefix("delayed until \(clock.now.advanced(by: .seconds(30)))"))
        queue.add("a")
        #expect(queue.describe("a").hasPrefix("ready; timer none"))
        _ = await queue.get()
        queue.add("a")
        #expect(queue.describe("a").hasPrefix("processing since \(clock.now), dirty;"))
        queue.done("a")
    }

    @Test func waitingWorkerReceivesTheKeyAddedLater() async {
        let queue = makeQueue()
        let worker = Task { await queue.get() }
        #expect(await eventually { queue.isShuttingDown == false && queue.count == 0 })
        queue.add("late")
        #expect(await worker.value == "late")
    }

    @Test func cancelledWorkerGetsNil() async {
        let queue = makeQueue()
        let worker = Task { await queue.get() }
        worker.cancel()
        #expect(await worker.value == nil)
        queue.add("a")
        #expect(await queue.get() == "a")
    }

    // MARK: - Ordering

    struct OrderCase: CustomTestStringConvertible, Sendable {
        let name: String
        /// (key, priority, delay in seconds) in the order they are added.
        let adds: [(String, Int, Double)]
        let expected: [String]
        var testDescription: String { name }
    }

    static let orderCases: [OrderCase] = [
        OrderCase(
            name: "same priority → earliest due first, whatever the add order",
            adds: [("c", 0, 3), ("a", 0, 1), ("b", 0, 2)],
            expected: ["a", "b", "c"]
        ),
        OrderCase(
            name: "higher priority first, even if due later",
            adds: [("low", 0, 1), ("high", 10, 3), ("mid", 5, 2)],
            expected: ["high", "mid", "low"]
        ),
        OrderCase(
            name: "equal priority and due → order of becoming ready",
            adds: [("x", 1, 0), ("y", 1, 0), ("z", 1, 0)],
            expected: ["x", "y", "z"]
        ),
        OrderCase(
            name: "re-add with higher priority promotes a waiting key",
            adds: [("a", 0, 0), ("b", 0, 0), ("b", 7, 0)],
            expected: ["b", "a"]
        ),
        OrderCase(
            name: "earlier delayed add wins over a later one",
            adds: [("a", 0, 5), ("b", 0, 4), ("a", 0, 1)],
            expected: ["a", "b"]
        ),
        OrderCase(
            name: "later delayed add never postpones an earlier one",
            adds: [("a", 0, 1), ("b", 0, 2), ("a", 0, 9)],
            expected: ["a", "b"]
        ),
        OrderCase(
            name: "immediate add supersedes a pending delay",
            adds: [("a", 0, 5), ("b", 0, 1), ("a", 0, 0)],
            expected: ["a", "b"]
        ),
    ]

    @Test(arguments: orderCases)
    func keysAreServedByPriorityThenDueTime(_ testCase: OrderCase) async {
        let queue = makeQueue()
        for (key, priority, delay) in testCase.adds {
            queue.add(key, after: .seconds(delay), priority: priority)
        }
        clock.advance(by: .seconds(10))
        let expectedCount = testCase.expected.count
        #expect(await eventually { queue.count == expectedCount })
        #expect(await drainReady(queue) == testCase.expected)
    }

    @Test func delayedKeyIsNotReadyBeforeItsDueTime() async {
        let queue = makeQueue()
        queue.add("a", after: .seconds(2))
        #expect(await settle(clock, sleepers: 1))
        clock.advance(by: .milliseconds(1999))
        #expect(await settle(clock, sleepers: 1))
        #expect(queue.count == 0)
        clock.advance(by: .milliseconds(1))
        #expect(await eventually { queue.count == 1 })
        #expect(clock.sleeperCount == 0)
    }

    @Test func tenThousandDelayedKeysShareOneTimer() async {
        let queue = makeQueue()
        var delays = Array(1...10_000)
        var generator = SeededGenerator(seed: 42)
        delays.shuffle(using: &generator)
        for seconds in delays {
            queue.add("key-\(seconds)", after: .seconds(seconds))
        }
        #expect(queue.delayedCount == 10_000)
        #expect(await settle(clock, sleepers: 1))

        clock.advance(by: .seconds(5_000))
        #expect(await eventually { queue.count == 5_000 })
        #expect(await settle(clock, sleepers: 1))
        clock.advance(by: .seconds(5_000))
        #expect(await eventually { queue.count == 10_000 })

        let order = await drainReady(queue)
        #expect(order == (1...10_000).map { "key-\($0)" })
        #expect(clock.sleeperCount == 0)
    }

    // MARK: - Rate limiting

    @Test func failingKeyBacksOffExponentiallyUntilForgotten() async throws {
        let queue = makeQueue(rateLimiter: ExponentialBackoffRateLimiter(base: .seconds(1), maximum: .seconds(4)))
        let expectedDelays: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(4)]
        for (attempt, delay) in expectedDelays.enumerated() {
            queue.addRateLimited("a")
            #expect(queue.numRequeues("a") == attempt + 1)
            #expect(await settle(clock, sleepers: 1))
            clock.advance(by: delay - .milliseconds(1))
            #expect(await settle(clock, sleepers: 1), "attempt \(attempt) fired early")
            clock.advance(by: .milliseconds(1))
            #expect(await eventually { queue.count == 1 }, "attempt \(attempt) did not fire at \(delay)")
            #expect(await drainReady(queue) == ["a"])
        }
        queue.forget("a")
        #expect(queue.numRequeues("a") == 0)
        queue.addRateLimited("a")
        clock.advance(by: .seconds(1))
        #expect(await eventually { queue.count == 1 })
        #expect(try metrics.expectCounter("workqueue_retries_total", [("name", "test")]).totalValue == 5)
    }

    struct BackoffCase: CustomTestStringConvertible, Sendable {
        let name: String
        let base: Duration
        let maximum: Duration
        let failures: Int
        let expectedLast: Duration
        var testDescription: String { name }
    }

    static let backoffCases: [BackoffCase] = [
        BackoffCase(
            name: "first failure waits the base",
            base: .milliseconds(5), maximum: .seconds(1000), failures: 1, expectedLast: .milliseconds(5)
        ),
        BackoffCase(
            name: "tenth failure waits base × 2^9",
            base: .milliseconds(5), maximum: .seconds(1000), failures: 10, expectedLast: .milliseconds(2560)
        ),
        BackoffCase(
            name: "capped at the maximum",
            base: .milliseconds(5), maximum: .seconds(1000), failures: 30, expectedLast: .seconds(1000)
        ),
        BackoffCase(
            name: "no overflow after very many failures",
            base: .milliseconds(5), maximum: .seconds(1000), failures: 200, expectedLast: .seconds(1000)
        ),
    ]

    @Test(arguments: backoffCases)
    func exponentialBackoff(_ testCase: BackoffCase) {
        var limiter = ExponentialBackoffRateLimiter<String>(base: testCase.base, maximum: testCase.maximum)
        var last = Duration.zero
        for _ in 0..<testCase.failures { last = limiter.when("k", now: WallInstant(testEpoch)) }
        #expect(last == testCase.expectedLast)
        #expect(limiter.numRequeues("k") == testCase.failures)
        #expect(limiter.numRequeues("other") == 0)
    }

    @Test func tokenBucketAllowsTheBurstThenRefillsAtQPS() {
        var bucket = TokenBucketRateLimiter<String>(qps: 10, burst: 100)
        let start = WallInstant(testEpoch)
        for index in 0..<100 {
            #expect(bucket.when("k\(index)", now: start) == .zero)
        }
        // The bucket is empty: retries queue up 100 ms apart.
        #expect(bucket.when("x", now: start) == .milliseconds(100))
        #expect(bucket.when("y", now: start) == .milliseconds(200))
        // One second later ten tokens came back, two of which were already promised.
        let later = start.advanced(by: .seconds(1))
        for index in 0..<8 {
            #expect(bucket.when("z\(index)", now: later) == .zero)
        }
        #expect(bucket.when("w", now: later) == .milliseconds(100))
    }

    @Test func defaultLimiterTakesTheLongerOfBackoffAndBucket() {
        var limiter: DefaultControllerRateLimiter<String> = defaultControllerRateLimiter()
        let now = WallInstant(testEpoch)
        #expect(limiter.when("a", now: now) == .milliseconds(5))
        #expect(limiter.when("a", now: now) == .milliseconds(10))
        for index in 0..<98 { _ = limiter.when("burst-\(index)", now: now) }
        // The bucket is now empty: a fresh key waits for it rather than its 5 ms backoff.
        #expect(limiter.when("fresh", now: now) == .milliseconds(100))
        limiter.forget("a")
        #expect(limiter.numRequeues("a") == 0)
    }

    // MARK: - Shutdown

    @Test func shutdownStopsHandingOutKeysAndDrainsInFlightWork() async {
        let queue = makeQueue()
        queue.add("in-flight")
        queue.add("waiting")
        #expect(await queue.get() == "in-flight")

        let shutdown = Task { await queue.shutDown(drain: true) }
        #expect(await eventually { queue.isShuttingDown })
        #expect(await queue.get() == nil)
        queue.add("after")
        #expect(queue.count == 0)
        #expect(queue.processingCount == 1)

        queue.done("in-flight")
        await shutdown.value
        #expect(queue.processingCount == 0)
    }

    @Test func shutdownWakesIdleWorkers() async {
        let queue = makeQueue()
        let workers = (0..<3).map { _ in Task { await queue.get() } }
        #expect(await eventually { queue.idleWorkerCount == 3 })
        await queue.shutDown(drain: true)
        for worker in workers { #expect(await worker.value == nil) }
        #expect(queue.idleWorkerCount == 0)
    }

    // MARK: - Workers

    @Test func workersApplyTheReconcileResult() async {
        let queue = makeQueue(rateLimiter: ExponentialBackoffRateLimiter(base: .seconds(1), maximum: .seconds(60)))
        let log = ReconcileLog()
        let workers = Task {
            await queue.runWorkers(2) { key in
                let attempt = log.record(key)
                switch key {
                case "flaky": return attempt < 3 ? .retry() : .done
                case "periodic": return attempt < 2 ? .requeue(after: .seconds(30)) : .done
                default: return .done
                }
            }
        }
        for key in ["flaky", "periodic", "once"] { queue.add(key) }
        #expect(await eventually { log.attempts == ["flaky": 1, "periodic": 1, "once": 1] })
        #expect(queue.numRequeues("flaky") == 1)

        await run(clock, until: clock.now.advanced(by: .seconds(1)))
        #expect(await eventually { log.attempts["flaky"] == 2 })
        await run(clock, until: clock.now.advanced(by: .seconds(2)))
        #expect(await eventually { log.attempts["flaky"] == 3 })
        #expect(queue.numRequeues("flaky") == 0)

        await run(clock, until: WallInstant(testEpoch).advanced(by: .seconds(30)))
        #expect(await eventually { log.attempts["periodic"] == 2 })
        await run(clock, until: WallInstant(testEpoch).advanced(by: .seconds(120)))
        #expect(log.attempts == ["flaky": 3, "periodic": 2, "once": 1])

        await queue.shutDown(drain: true)
        await workers.value
    }

    // MARK: - Metrics

    @Test func metricsReportDepthLatencyAndWorkDuration() async throws {
        let queue = makeQueue()
        queue.add("a")
        queue.add("b")
        let dimensions = [("name", "test")]
        #expect(try metrics.expectGauge("workqueue_depth", dimensions).lastValue == 2)
        clock.advance(by: .seconds(3))
        #expect(await queue.get() == "a")
        #expect(try metrics.expectGauge("workqueue_depth", dimensions).lastValue == 1)
        #expect(try metrics.expectTimer("workqueue_queue_duration_seconds", dimensions).lastValue == 3_000_000_000)
        clock.advance(by: .seconds(2))
        queue.add("c")
        #expect(try metrics.expectGauge("workqueue_longest_running_processor_seconds", dimensions).lastValue == 2)
        queue.done("a")
        #expect(try metrics.expectTimer("workqueue_work_duration_seconds", dimensions).lastValue == 2_000_000_000)
        #expect(try metrics.expectGauge("workqueue_longest_running_processor_seconds", dimensions).lastValue == 0)
    }
}
