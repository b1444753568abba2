import KubeClient
import KubeRuntime
import Testing

// MARK: - A capped backoff, and retries that keep a deadline

extension WorkQueueTests {
    @Test func cappedDefaultLimiterStopsGrowingAtTheCap() {
        var limiter: DefaultControllerRateLimiter<String> = defaultControllerRateLimiter(maxBackoff: .seconds(60))
        let now = WallInstant(testEpoch)
        // 5 ms × 2^13 = 40.96 s is the last doubling below the cap; every later failure waits 60 s.
        let delays = (0..<40).map { _ in limiter.when("a", now: now.advanced(by: .seconds(3600))) }
        #expect(delays[13] == .milliseconds(40_960))
        #expect(delays[14...].allSatisfy { $0 == .seconds(60) })
        #expect(limiter.numRequeues("a") == 40)
    }

    /// Twenty failures in a row: each retry of the key becomes ready at most 60 s after its failure,
    /// and the twenty-first waits exactly the cap (uncapped it would wait 1000 s).
    @Test func failingKeyOfACappedQueueIsRetriedWithinTheCap() async {
        let queue = makeQueue(rateLimiter: defaultControllerRateLimiter(maxBackoff: .seconds(60)))
        for attempt in 0..<20 {
            queue.addRateLimited("a")
            clock.advance(by: .seconds(60))
            #expect(await eventually { queue.count == 1 }, "failure \(attempt + 1) was not retried within 60 s")
            #expect(await drainReady(queue) == ["a"])
        }
        queue.addRateLimited("a")
        #expect(await settle(clock, sleepers: 1))
        clock.advance(by: .seconds(60) - .milliseconds(1))
        #expect(await settle(clock, sleepers: 1), "the 21st retry fired before the cap")
        #expect(queue.count == 0)
        clock.advance(by: .milliseconds(1))
        #expect(await eventually { queue.count == 1 })
        #expect(queue.numRequeues("a") == 21)
    }

    struct DeadlineCase: CustomTestStringConvertible, Sendable {
        let name: String
        /// Failures of the key before the one under test.
        let priorFailures: Int
        /// The deadline, relative to now; `nil` for none.
        let deadline: Duration?
        /// When the key becomes ready, relative to now.
        let expectedDue: Duration
        var testDescription: String { name }
    }

    static let deadlineCases: [DeadlineCase] = [
        DeadlineCase(name: "no deadline: the backoff", priorFailures: 3, deadline: nil, expectedDue: .seconds(8)),
        DeadlineCase(
            name: "a deadline before the backoff ends wins", priorFailures: 3, deadline: .seconds(5),
            expectedDue: .seconds(5)),
        DeadlineCase(
            name: "a deadline after the backoff ends is not waited for", priorFailures: 3, deadline: .seconds(30),
            expectedDue: .seconds(8)),
        DeadlineCase(
            name: "a deadline that passed does not skip the backoff", priorFailures: 3, deadline: .seconds(-5),
            expectedDue: .seconds(8)),
        DeadlineCase(
            name: "a deadline of now does not skip the backoff", priorFailures: 0, deadline: .zero,
            expectedDue: .seconds(1)),
    ]

    @Test(arguments: deadlineCases)
    func retryComesBackByItsDeadline(_ testCase: DeadlineCase) async {
        var limiter = ExponentialBackoffRateLimiter<String>(base: .seconds(1), maximum: .seconds(60))
        for _ in 0..<testCase.priorFailures { _ = limiter.when("a", now: clock.now) }
        let queue = makeQueue(rateLimiter: limiter)
        queue.addRateLimited("a", deadline: testCase.deadline.map { clock.now.advanced(by: $0) })
        #expect(await settle(clock, sleepers: 1))
        clock.advance(by: testCase.expectedDue - .milliseconds(1))
        #expect(await settle(clock, sleepers: 1), "ready before \(testCase.expectedDue)")
        #expect(queue.count == 0)
        clock.advance(by: .milliseconds(1))
        #expect(await eventually { queue.count == 1 }, "not ready at \(testCase.expectedDue)")
        #expect(queue.numRequeues("a") == testCase.priorFailures + 1)
    }

    @Test func workersRetryAFailedKeyNoLaterThanItsRequeue() async {
        let queue = makeQueue(rateLimiter: ExponentialBackoffRateLimiter(base: .seconds(100), maximum: .seconds(600)))
        let log = ReconcileLog()
        let workers = Task {
            await queue.runWorkers(1) { key in
                log.record(key) == 1 ? .retry(atLatest: .seconds(30)) : .done
            }
        }
        queue.add("slot")
        #expect(await eventually { log.attempts["slot"] == 1 })
        await run(clock, until: clock.now.advanced(by: .seconds(29)))
        #expect(log.attempts["slot"] == 1)
        await run(clock, until: clock.now.advanced(by: .seconds(1)))
        #expect(await eventually { log.attempts["slot"] == 2 }, "the retry waited for its 100 s backoff")
        await queue.shutDown(drain: true)
        await workers.value
    }
}
