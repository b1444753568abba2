import Foundation
import KubeSim
import Logging
import MetricsTestKit
import Synchronization
import Testing

@testable import Alerting

/// Retries, backoff, classification and metrics of ``AlertDelivery``, in virtual time.
@Suite("Alert delivery: retry, backoff, outcomes")
struct AlertDeliveryTests {
    static let quiet: Logger = {
        var logger = Logger(label: "test.alerts")
        logger.logLevel = .critical
        return logger
    }()

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let script: [ScriptedTransport.Step]
        var url = "https://hooks.example.com/alerts"
        /// Seconds after the first attempt at which each attempt happens.
        let attemptOffsets: [TimeInterval]
        let outcome: Delivery.Outcome?
        let result: String
        /// How many times ``Delivery/mayAttempt`` says yes; always when nil.
        var allowedAttempts: Int?
        /// Backoff waits the delivery goes through; one fewer than the attempts when nil.
        var waits: Int?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "200 at once → sent, one attempt", script: [.status(200)], attemptOffsets: [0],
            outcome: .sent(attempts: 1), result: "sent"),
        Case(
            name: "503, 502, then 204 → sent after backoffs of 1 s and 2 s",
            script: [.status(503), .status(502), .status(204)], attemptOffsets: [0, 1, 3],
            outcome: .sent(attempts: 3), result: "sent"),
        Case(
            name: "timeout, connection refused, then 200 → sent",
            script: [.timeout, .connectionRefused, .status(200)], attemptOffsets: [0, 1, 3],
            outcome: .sent(attempts: 3), result: "sent"),
        Case(
            name: "400 → rejected, never retried", script: [.status(400, "invalid_payload")], attemptOffsets: [0],
            outcome: nil, result: "rejected"),
        Case(
            name: "404 → rejected, never retried", script: [.status(404)], attemptOffsets: [0], outcome: nil,
            result: "rejected"),
        Case(
            name: "always 500 → failed after 5 attempts, backoff 1, 2, 4, 8 s",
            script: Array(repeating: .status(500, "down"), count: 5), attemptOffsets: [0, 1, 3, 7, 15],
            outcome: nil, result: "failed"),
        Case(
            name: "metadata destination → refused, nothing sent", script: [],
            url: "http://169.254.169.254/latest", attemptOffsets: [], outcome: nil, result: "refused"),
        Case(
            name: "the sender may not send (its lease is not current) → withheld, nothing sent", script: [],
            attemptOffsets: [], outcome: .withheld, result: "withheld", allowedAttempts: 0),
        Case(
            name: "503, then the sender may no longer send → withheld after the backoff, no second attempt",
            script: [.status(503)], attemptOffsets: [0], outcome: .withheld, result: "withheld", allowedAttempts: 1,
            waits: 1),
    ]

    @Test(arguments: cases)
    func delivery(_ testCase: Case) async throws {
        let clock = ManualClock(start: Instants.decided)
        let transport = ScriptedTransport(clock: clock, script: testCase.script)
        let metrics = TestMetrics()
        let delivery = AlertDelivery(
            transport: transport, addressGuard: AddressGuard(resolver: { _ in ["93.184.216.34"] }), clock: clock,
            logger: Self.quiet, metricsFactory: metrics)
        let url = try #require(URL(string: testCase.url))
        let receiver = Receiver(name: "ops", destination: .webhook(url: url, headers: ["Authorization": "Bearer t"]))
        let allowed = Mutex(testCase.allowedAttempts ?? .max)
        let mayAttempt: @Sendable () -> Bool = {
            allowed.withLock { left in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
        }
        async let outcome = delivery.deliver(
            Delivery(receiver: receiver, content: .alert(.fixture()), mayAttempt: mayAttempt))
        for _ in 0..<(testCase.waits ?? max(0, testCase.attemptOffsets.count - 1)) {
            try await waitUntil("the delivery waits for its backoff") { clock.sleeperCount == 1 }
            if let deadline = clock.nextDeadline { clock.advance(to: deadline) }
        }
        let finished = await outcome
        let offsets = transport.calls.map { $0.at.timeIntervalSince(Instants.decided) }
        #expect(offsets == testCase.attemptOffsets)
        if let expected = testCase.outcome {
            #expect(finished == expected)
        } else {
            guard case .failed(let error) = finished else {
                Issue.record("expected a failure, got \(String(describing: finished))")
                return
            }
            #expect(!error.description.contains("Bearer"), "errors never show header values")
        }
        let counter = try metrics.expectCounter(
            AlertDelivery.metricName, [("receiver_type", "webhook"), ("kind", "Failed"), ("result", testCase.result)])
        #expect(counter.totalValue == 1)
        if let call = transport.calls.first {
            #expect(call.request.headers["Authorization"] == "Bearer t")
        }
    }

    @Test("backoff doubles from the initial wait and is capped")
    func backoffSchedule() {
        let configuration = AlertDelivery.Configuration(
            initialBackoff: .seconds(1), maximumBackoff: .seconds(10))
        let waits = (1...6).map { configuration.backoff(afterAttempt: $0) }
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test("a full receiver queue drops and counts, other receivers are unaffected")
    func boundedQueue() throws {
        let clock = ManualClock(start: Instants.decided)
        let metrics = TestMetrics()
        let delivery = AlertDelivery(
            configuration: .init(queueCapacity: 2), transport: ScriptedTransport(clock: clock, script: []),
            clock: clock, logger: Self.quiet, metricsFactory: metrics)
        let slack = Receiver(name: "chat", destination: .slack(url: try #require(URL(string: "https://a.example"))))
        let other = Receiver(name: "page", destination: .slack(url: try #require(URL(string: "https://b.example"))))
        // Nothing consumes (run() is not started), so the third one for `slack` finds the queue full.
        let accepted = (0..<3).map { _ in delivery.enqueue(Delivery(receiver: slack, content: .alert(.fixture()))) }
        #expect(accepted == [true, true, false])
        #expect(delivery.enqueue(Delivery(receiver: other, content: .alert(.fixture()))))
        let dropped = try metrics.expectCounter(
            AlertDelivery.metricName, [("receiver_type", "slack"), ("kind", "Failed"), ("result", "dropped")])
        #expect(dropped.totalValue == 1)
    }

    @Test("run() delivers each receiver's queue in order and reports outcomes")
    func running() async throws {
        let clock = ManualClock(start: Instants.decided)
        let transport = ScriptedTransport(clock: clock, script: [])
        let delivery = AlertDelivery(
            transport: transport, clock: clock, logger: Self.quiet, metricsFactory: TestMetrics())
        let base = try #require(URL(string: "http://127.0.0.1:9093"))
        let receiver = Receiver(name: "am", destination: .alertmanager(baseURL: base))
        let outcomes = Mutex<[Delivery.Outcome]>([])
        let record: @Sendable (Delivery.Outcome) async -> Void = { outcome in outcomes.withLock { $0.append(outcome) } }
        delivery.enqueue(Delivery(receiver: receiver, content: .alert(.fixture()), onOutcome: record))
        delivery.enqueue(Delivery(receiver: receiver, content: .resolve(.fixture()), onOutcome: record))
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await delivery.run() }
            try await waitUntil("both deliveries finished") { outcomes.withLock { $0.count } == 2 }
            group.cancelAll()
        }
        #expect(outcomes.withLock { $0 } == [.sent(attempts: 1), .sent(attempts: 1)])
        let bodies = try transport.calls.map { call in
            try #require(JSONSerialization.jsonObject(with: call.request.body) as? [[String: Any]]).first?["endsAt"]
                as? String
        }
        // Firing first (endsAt = now + TTL), then the resolution (endsAt = now).
        #expect(bodies == ["2026-11-21T02:05:41Z", "2026-11-21T02:00:41Z"])
        #expect(transport.calls.allSatisfy { $0.request.url.absoluteString == "http://127.0.0.1:9093/api/v2/alerts" })
    }
}

// MARK: - Draining for a graceful shutdown

extension AlertDeliveryTests {
    @Test("drain(): a delivery waiting to retry makes no further attempt, queued and new ones do not start, run() ends")
    func drainStopsRetriesAndQueuedDeliveries() async throws {
        let clock = ManualClock(start: Instants.decided)
        let transport = ScriptedTransport(clock: clock, script: [.status(503)])
        let delivery = AlertDelivery(
            transport: transport, clock: clock, logger: Self.quiet, metricsFactory: TestMetrics())
        let receiver = Receiver(name: "chat", destination: .slack(url: try #require(URL(string: "https://a.example"))))
        let outcomes = Mutex<[Delivery.Outcome]>([])
        let record: @Sendable (Delivery.Outcome) async -> Void = { outcome in outcomes.withLock { $0.append(outcome) } }
        delivery.enqueue(Delivery(receiver: receiver, content: .alert(.fixture()), onOutcome: record))
        delivery.enqueue(Delivery(receiver: receiver, content: .alert(.fixture()), onOutcome: record))
        let ended = Mutex(false)
        let markEnded: @Sendable () -> Void = { ended.withLock { $0 = true } }
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                await delivery.run()
                markEnded()
            }
            try await waitUntil("the first attempt failed") { transport.calls.count == 1 }
            delivery.drain()
            #expect(!delivery.enqueue(Delivery(receiver: receiver, content: .alert(.fixture()), onOutcome: record)))
            // The retry's wait passes (if it had begun): no attempt follows, and run() returns.
            try await waitUntil("run() returned") {
                clock.advance(by: .seconds(1))
                return ended.withLock { $0 }
            }
        }
        #expect(transport.calls.count == 1, "neither the retry nor the queued delivery was tried")
        #expect(outcomes.withLock { $0 }.isEmpty, "no outcome: their ledger entries stay pending")
    }
}
