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
        /// What every request the test targets answers until the faults are cleared.
        let code: Int
        var testDescription: String { name }
    }

    /// What every patch of the task answers.
    static let ledgerFailureCases: [FaultCase] = [
        FaultCase(name: "patch forbidden (403, not retried)", code: 403),
        FaultCase(name: "API server unavailable (503 until the client's retries run out)", code: 503),
    ]

    /// The task `report` with its webhook receiver's Secret in place.
    static func createTaskAndSecret(in world: ControllerWorld) throws {
        try world.createTask(task())
        _ = try world.store.create(secrets, namespace: "default", object: secret(["hook-url": hookURL]))
    }

    /// An executor that hands alerts to `dispatcher` and writes statuses with a writer of its own.
    static func executor(_ world: ControllerWorld, dispatcher: AlertDispatcher) -> PlanExecutor {
        var logger = Logger(label: "test.executor")
        logger.logLevel = .critical
        return PlanExecutor(
            client: world.client, events: EventRecorder(client: world.client, clock: world.clock),
            statusWriter: StatusWriter(client: world.client, clock: world.clock),
            metrics: ControllerMetrics(factory: TestMetrics()), clock: world.clock, logger: logger,
            alertSink: dispatcher.sink)
    }

    /// Regression: the dispatcher used to send an alert whose ledger record it could not write,
    /// and the executor went on to submit the status; a failover in that window sent it twice.
    @Test(arguments: ledgerFailureCases)
    func unrecordedAlertAbortsThePlanAndTheRetrySendsItOnce(_ testCase: FaultCase) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(world, transport: transport)
            let executor = Self.executor(world, dispatcher: dispatcher)
            var status = ScheduledTaskStatus()
            status.lastScheduleTime = Self.slot
            let plan = Plan(
                actions: [
                    .updateStatus(status), .alert(Self.failed),
                    .emitEvent(PlannedEvent(type: .warning, reason: "Failed", message: "exit code 1")),
                ], status: status, requeueAt: nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await dispatcher.delivery.run() }

                world.server.faults.fail(
                    .init(verb: "patch", resource: "scheduledtasks", count: 50, code: testCase.code))
                let task = try world.task("report")
                let failed = try await Self.advancingClock(of: world) {
                    await executor.execute(plan, for: task, jobs: [])
                }
                world.server.faults.reset()
                #expect(failed.needsRetry)
                #expect(failed.failures.map(\.operation) == [.recordAlert], "\(failed.failures)")
                #expect(!failed.statusSubmitted, "the status would mark the failure handled")
                #expect(try world.store.list(Self.events).items.isEmpty, "the rest of the plan was dropped")
                try await world.settle()
                #expect(transport.count == 0, "an alert that is not recorded is not sent")
                #expect(AlertLedger(annotations: try world.task("report").metadata.annotations).entries.isEmpty)

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
