import Alerting
import Foundation
import KubeClient
import KubeSim
import Logging
import MetricsTestKit
import Testing

@testable import PunctualController

// MARK: - An alert that cannot be recorded is not sent, and the plan is retried

extension AlertDispatcherTests {
    struct FaultCase: CustomTestStringConvertible, Sendable {
        let name: String
        /// The requests that fail until the faults are cleared, and with what.
        let verb: String
        let resource: String
        let code: Int
        var testDescription: String { name }

        /// Whether it makes the receivers unreadable (else the ledger unwritable).
        var isSecretRead: Bool { resource == "secrets" }
    }

    /// Every way an alert cannot be made safe to send: its ledger record cannot be written, or its
    /// receivers' Secret cannot be read for a passing reason.
    static let unsafeAlertCases: [FaultCase] = [
        FaultCase(
            name: "ledger patch forbidden (403, not retried)", verb: "patch", resource: "scheduledtasks", code: 403),
        FaultCase(
            name: "ledger patch: API server unavailable (503 until the client's retries run out)", verb: "patch",
            resource: "scheduledtasks", code: 503),
        FaultCase(
            name: "receiver Secret: server errors (500 until the client's retries run out)", verb: "get",
            resource: "secrets", code: 500),
        FaultCase(
            name: "receiver Secret: throttled (429 until the client's retries run out)", verb: "get",
            resource: "secrets", code: 429),
    ]

    /// The task `report` with its webhook receiver's Secret in place.
    static func createTaskAndSecret(in world: ControllerWorld) throws {
        try world.createTask(task())
        _ = try world.store.create(secrets, namespace: "default", object: secret(["hook-url": hookURL]))
    }

    /// An executor that hands alerts to `dispatcher` and writes statuses with `writer` (run it:
    /// the alerts go out once their status is stored).
    static func executor(_ world: ControllerWorld, dispatcher: AlertDispatcher, writer: StatusWriter) -> PlanExecutor {
        var logger = Logger(label: "test.executor")
        logger.logLevel = .critical
        return PlanExecutor(
            client: world.client, events: EventRecorder(client: world.client, clock: world.clock),
            statusWriter: writer,
            metrics: ControllerMetrics(factory: TestMetrics()), clock: world.clock, logger: logger,
            alertSink: dispatcher.sink)
    }

    /// Regressions: the dispatcher used to send an alert whose ledger record it could not write,
    /// and the executor went on to submit the status; a failover in that window sent it twice.
    /// And a Secret read failing with a passing error made the receiver a `SecretUnreadable`
    /// problem: the alert went to nobody and the status marked the failure handled, so no later
    /// decision planned it again (the soak's "is Failed but ops got no Failed alert").
    @Test(arguments: unsafeAlertCases)
    func unrecordedAlertAbortsThePlanAndTheRetrySendsItOnce(_ testCase: FaultCase) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(world, transport: transport)
            let writer = StatusWriter(client: world.client, clock: world.clock)
            let executor = Self.executor(world, dispatcher: dispatcher, writer: writer)
            var status = ScheduledTaskStatus()
            status.lastScheduleTime = Self.slot
            status.runs = [.init(scheduledTime: Self.slot, attempt: 1, job: Self.failed.job, phase: .failed)]
            let plan = Plan(
                actions: [
                    .alert(Self.failed), .updateStatus(status),
                    .emitEvent(PlannedEvent(type: .warning, reason: "Failed", message: "exit code 1")),
                ], status: status, requeueAt: nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await dispatcher.delivery.run() }
                group.addTask { await writer.run(workers: 1) }

                world.server.faults.fail(
                    .init(verb: testCase.verb, resource: testCase.resource, count: 50, code: testCase.code))
                let task = try world.task("report")
                let failed = try await Self.advancingClock(of: world) {
                    await executor.execute(plan, for: task, jobs: [])
                }
                world.server.faults.reset()
                #expect(failed.needsRetry)
                #expect(failed.failures.map(\.operation) == [.recordAlert], "\(failed.failures)")
                let underlying = failed.failures.first?.underlying
                let isExpected =
                    testCase.isSecretRead
                    ? underlying is AlertDispatcher.ReceiversUnreadableError
                    : underlying is AlertDispatcher.LedgerWriteError
                #expect(isExpected, "\(String(describing: underlying))")
                #expect(!failed.statusSubmitted, "the status would mark the failure handled")
                #expect(try world.store.list(Self.events).items.isEmpty, "the rest of the plan was dropped")
                try await world.settle()
                #expect(transport.count == 0, "an alert that is not recorded is not sent")
                let annotations = try world.task("report").metadata.annotations ?? [:]
                #expect(AlertLedger(annotations: annotations).entries.isEmpty)
                #expect(annotations[ScheduledTask.alertingProblemAnnotation] == nil, "a passing error is no problem")

                // The retry decides the same alert again: recorded, sent once, the status submitted.
                let retried = await executor.execute(plan, for: try world.task("report"), jobs: [])
                #expect(retried.failures.isEmpty, "\(retried.failures)")
                #expect(retried.statusSubmitted)
                try await world.eventually("the alert is delivered and recorded sent") {
                    let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
                    return transport.count == 1 && ledger.entries.map(\.state) == [.sent]
                }
                // A successor that decides it once more finds the record.
                let successor = Self.dispatcher(world, transport: transport)
                try await successor.dispatch(Self.failed, for: try world.task("report"))
                try await world.settle()
                #expect(transport.count == 1)
                group.cancelAll()
            }
        }
    }

    /// Runs `body` while the world's clock advances a second every few milliseconds of real time,
    /// so waits on it (the client's retry backoff) pass.
    static func advancingClock<T: Sendable>(
        of world: ControllerWorld, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    world.clock.advance(by: .seconds(1))
                    try await Task.sleep(for: .milliseconds(2))
                }
                return nil
            }
            group.addTask { try await body() }
            while let next = try await group.next() {
                if let next {
                    group.cancelAll()
                    return next
                }
            }
            throw CancellationError()
        }
    }
}
