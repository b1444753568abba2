import Foundation
import KubeClient
import KubeSim
import Testing

@testable import PunctualController

// MARK: - A receiver Secret unreadable for a passing reason delays the alert, never loses it

extension AlertDispatcherTests {
    /// What every read of a Secret answers.
    static let unreadableCases: [FaultCase] = [
        FaultCase(name: "server errors (500 until the client's retries run out)", code: 500),
        FaultCase(name: "throttled (429 until the client's retries run out)", code: 429),
    ]

    /// Regression: a Secret read failing with a passing error made the receiver a
    /// `SecretUnreadable` problem, the alert went to nobody, and the executor wrote the status that
    /// marks the failure handled, so no later decision planned the alert again. The soak saw it as
    /// "is Failed but ops got no Failed alert" (and `team`) under 500 bursts and outages.
    @Test(arguments: unreadableCases)
    func unreadableReceiversAbortThePlanAndTheRetrySendsOnce(_ testCase: FaultCase) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(world, transport: transport)
            let executor = Self.executor(world, dispatcher: dispatcher)
            var status = ScheduledTaskStatus()
            status.lastScheduleTime = Self.slot
            let plan = Plan(actions: [.alert(Self.failed), .updateStatus(status)], status: status, requeueAt: nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await dispatcher.delivery.run() }

                world.server.faults.fail(
                    .init(verb: "get", resource: "secrets", count: 50, code: testCase.code, retryAfterSeconds: 1))
                let task = try world.task("report")
                let failed = try await Self.advancingClock(of: world) {
                    await executor.execute(plan, for: task, jobs: [])
                }
                world.server.faults.reset()
                #expect(failed.needsRetry)
                #expect(failed.failures.map(\.operation) == [.recordAlert], "\(failed.failures)")
                let underlying = failed.failures.first?.underlying
                #expect(underlying is AlertDispatcher.ReceiversUnreadableError, "\(String(describing: underlying))")
                #expect(!failed.statusSubmitted, "the status would mark the failure handled")
                try await world.settle()
                #expect(transport.count == 0)
                let annotations = try world.task("report").metadata.annotations ?? [:]
                #expect(AlertLedger(annotations: annotations).entries.isEmpty)
                #expect(annotations[ScheduledTask.alertingProblemAnnotation] == nil, "a passing error is no problem")

                // The retry, with the Secret readable again: sent once, the status submitted.
                let retried = await executor.execute(plan, for: try world.task("report"), jobs: [])
                #expect(retried.failures.isEmpty, "\(retried.failures)")
                #expect(retried.statusSubmitted)
                try await world.eventually("the alert is delivered and recorded sent") {
                    let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
                    return transport.count == 1 && ledger.entries.map(\.state) == [.sent]
                }
                group.cancelAll()
            }
        }
    }

    /// Regression: the maintenance pass took a receiver whose Secret it could not read for one
    /// that was removed, and abandoned the previous leader's pending alert (recorded `failed`).
    @Test(arguments: unreadableCases)
    func maintenanceKeepsPendingAlertsWhileReceiversAreUnreadable(_ testCase: FaultCase) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            // A leader records the alert and dies before delivering it.
            try await Self.dispatcher(world, transport: transport).dispatch(Self.failed, for: try world.task("report"))
            let successor = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await successor.delivery.run() }
                world.server.faults.fail(
                    .init(verb: "get", resource: "secrets", count: 50, code: testCase.code, retryAfterSeconds: 1))
                let task = try world.task("report")
                _ = try await Self.advancingClock(of: world) { await successor.maintain([task]) }
                world.server.faults.reset()
                try await world.settle()
                #expect(transport.count == 0)
                let kept = AlertLedger(annotations: try world.task("report").metadata.annotations)
                #expect(kept.entries.map(\.state) == [.pending], "not abandoned: the receiver still exists")

                await successor.maintain([try world.task("report")])
                try await world.eventually("the pending alert is delivered and recorded sent") {
                    let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
                    return transport.count == 1 && ledger.entries.map(\.state) == [.sent]
                }
                group.cancelAll()
            }
        }
    }
}
