import Alerting
import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Testing

@testable import PunctualController

// MARK: - An alert goes out only once a stored status records its outcome

extension AlertDispatcherTests {
    struct StoredCase: CustomTestStringConvertible, Sendable {
        let name: String
        /// The run of the alert's slot and attempt in the stored status (none: not in status).
        let phase: ScheduledTaskStatus.Run.Phase?
        var reason: String?
        /// What the maintenance pass does with the previous leader's pending Failed alert.
        let sent: Bool
        let state: AlertLedger.State
        var ledgerReason: String?
        var testDescription: String { name }
    }

    static let storedCases: [StoredCase] = [
        StoredCase(name: "run not in status yet → kept pending", phase: nil, sent: false, state: .pending),
        StoredCase(name: "run still active (Running) → kept pending", phase: .running, sent: false, state: .pending),
        StoredCase(name: "run recorded Failed → sent", phase: .failed, sent: true, state: .sent),
        StoredCase(
            name: "run recorded Succeeded (the next leader saw it finish) → finished unsent", phase: .succeeded,
            sent: false, state: .failed, ledgerReason: "not sent: status records the run Succeeded"),
        StoredCase(
            name: "run recorded Missed → finished unsent, naming the reason", phase: .missed,
            reason: "StartingDeadlineExceeded", sent: false, state: .failed,
            ledgerReason: "not sent: status records the run Missed (StartingDeadlineExceeded)"),
    ]

    /// A leader records a Failed alert and dies before its status is stored; the next leader's
    /// maintenance pass decides from the stored status.
    @Test(arguments: storedCases)
    func maintenanceSendsAPreviousLeadersAlertOnlyWhenStatusRecordsIt(_ testCase: StoredCase) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            try await Self.dispatcher(world, transport: transport).dispatch(Self.failed, for: try world.task("report"))
            if let phase = testCase.phase { try await Self.storeRun(phase, reason: testCase.reason, in: world) }

            let successor = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await successor.delivery.run() }
                await successor.maintain([try world.task("report")])
                try await world.eventually("the pending alert is handled") {
                    let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
                    return ledger.entries.map(\.state) == [testCase.state]
                }
                try await world.settle()
                group.cancelAll()
            }
            #expect(transport.count == (testCase.sent ? 1 : 0))
            let entry = try #require(
                AlertLedger(annotations: try world.task("report").metadata.annotations).entries.first)
            #expect(entry.state == testCase.state)
            #expect(entry.reason == testCase.ledgerReason)
        }
    }

    @Test("an Alertmanager alert not sent yet is not re-posted as firing, and is dropped when status says otherwise")
    func firingAlertWaitsForItsStatus() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(Self.task(receivers: [["name": "am", "alertmanager": ["url": "https://am.example"]]]))
            let transport = CountingTransport()
            // A leader records the Failed alert (pending, and firing at Alertmanager) and dies.
            try await Self.dispatcher(world, transport: transport).dispatch(Self.failed, for: try world.task("report"))
            let recorded = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(recorded.firing.count == 1)

            let successor = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await successor.delivery.run() }
                // The task is failing (an earlier run), this run is undecided: nothing is posted.
                try await Self.storeRun(nil, consecutiveFailures: 1, in: world)
                await successor.maintain([try world.task("report")])
                try await world.settle()
                #expect(transport.count == 0, "an alert whose outcome no status records is not re-posted")
                #expect(AlertLedger(annotations: try world.task("report").metadata.annotations) == recorded)

                // The next leader recorded the run otherwise: finished unsent, and no longer firing.
                try await Self.storeRun(.missed, reason: "StartingDeadlineExceeded", consecutiveFailures: 1, in: world)
                await successor.maintain([try world.task("report")])
                try await world.eventually("the entry is finished unsent") {
                    AlertLedger(annotations: try world.task("report").metadata.annotations).pending.isEmpty
                }
                await successor.maintain([try world.task("report")])
                try await world.settle()
                group.cancelAll()
            }
            #expect(transport.count == 0)
            let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(ledger.entries.map(\.state) == [.failed])
            #expect(ledger.firing.isEmpty)
        }
    }

    @Test("a leader deciding again a transition recorded pending sends it once its own status is stored")
    func reDecidedPendingAlertGoesOutWithTheStatus() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            // Leader A records the alert and dies before its status is stored.
            try await Self.dispatcher(world, transport: transport).dispatch(Self.failed, for: try world.task("report"))
            let recorded = AlertLedger(annotations: try world.task("report").metadata.annotations)

            let leaderB = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await leaderB.delivery.run() }
                let held = try await leaderB.dispatch(Self.failed, for: try world.task("report"))
                #expect(AlertLedger(annotations: try world.task("report").metadata.annotations) == recorded)
                // Held: the maintenance pass leaves it to B's status write.
                await leaderB.maintain([try world.task("report")])
                try await world.settle()
                #expect(transport.count == 0, "not sent before B's status is stored")

                await held.stored()
                try await world.eventually("the alert is delivered and recorded sent") {
                    let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
                    return transport.count == 1 && ledger.entries.map(\.state) == [.sent]
                }
                group.cancelAll()
            }
            #expect(transport.count == 1)
        }
    }

    /// The executor with a status writer behind a foreground gate: the alert waits for the write.
    struct GatedExecutor {
        let world: ControllerWorld
        let transport: CountingTransport
        let dispatcher: AlertDispatcher
        let writer: StatusWriter
        let executor: PlanExecutor
        let gate: ForegroundGate
        let gateClock: ManualClock
        /// The plan of a failed run: the alert, then the status recording the failure.
        let plan: Plan

        init(_ world: ControllerWorld) {
            self.world = world
            transport = CountingTransport()
            dispatcher = AlertDispatcherTests.dispatcher(world, transport: transport)
            gateClock = ManualClock(start: AlertDispatcherTests.start)
            gate = ForegroundGate(clock: gateClock, bound: .seconds(2))
            writer = StatusWriter(client: world.client, clock: world.clock, gate: gate)
            executor = AlertDispatcherTests.executor(world, dispatcher: dispatcher, writer: writer)
            var status = ScheduledTaskStatus()
            status.lastScheduleTime = AlertDispatcherTests.slot
            status.runs = [
                .init(
                    scheduledTime: AlertDispatcherTests.slot, attempt: 1, job: AlertDispatcherTests.failed.job,
                    phase: .failed)
            ]
            plan = Plan(
                actions: [.alert(AlertDispatcherTests.failed), .updateStatus(status)], status: status, requeueAt: nil)
        }

        /// Executes the plan while a Job create holds the gate, and waits until the write waits.
        func executeWhileTheWriteWaits() async throws {
            gate.enter()
            let report = await executor.execute(plan, for: try world.task("report"), jobs: [])
            #expect(report.failures.isEmpty, "\(report.failures)")
            try await world.eventually("the status write waits for its turn") { gateClock.sleeperCount == 1 }
            try await world.settle()
        }

        var ledgerStates: [AlertLedger.State] {
            get throws { AlertLedger(annotations: try world.task("report").metadata.annotations).entries.map(\.state) }
        }
    }

    @Test("the executor's alert is delivered only after its status is stored")
    func alertWaitsForItsStatusWrite() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let fixture = GatedExecutor(world)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await fixture.dispatcher.delivery.run() }
                group.addTask { await fixture.writer.run(workers: 1) }
                try await fixture.executeWhileTheWriteWaits()
                #expect(try fixture.ledgerStates == [.pending], "recorded before the status is submitted")
                #expect(fixture.transport.count == 0, "not delivered before its status is stored")
                #expect(try world.task("report").status?.runs == nil)

                fixture.gate.leave()
                try await world.eventually("the alert is delivered and recorded sent") {
                    try fixture.transport.count == 1 && fixture.ledgerStates == [.sent]
                }
                #expect(try world.task("report").status?.runs?.map(\.phase) == [.failed])
                group.cancelAll()
            }
        }
    }

    @Test("a leader that loses its lease before its status write sends nothing; the next sends it once stored")
    func leaseLostBetweenLedgerAndStatusWrite() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let fixture = GatedExecutor(world)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await fixture.dispatcher.delivery.run() }
                try await withThrowingTaskGroup(of: Void.self) { leading in
                    leading.addTask { await fixture.writer.run(workers: 1) }
                    try await fixture.executeWhileTheWriteWaits()
                    // The lease is lost: the leading scope, the status writer with it, is cancelled.
                    leading.cancelAll()
                }
                fixture.gate.leave()
                // Still the old leader's process: its own maintenance pass must not send it either.
                await fixture.dispatcher.maintain([try world.task("report")])
                try await world.settle()
                #expect(fixture.transport.count == 0, "the status was never stored")
                #expect(try fixture.ledgerStates == [.pending])
                group.cancelAll()
            }

            // The next leader: the run is undecided in the stored status, then recorded Failed.
            let successor = Self.dispatcher(world, transport: fixture.transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await successor.delivery.run() }
                await successor.maintain([try world.task("report")])
                try await world.settle()
                #expect(fixture.transport.count == 0)
                try await Self.storeRun(.failed, in: world)
                await successor.maintain([try world.task("report")])
                try await world.eventually("the alert is delivered and recorded sent") {
                    try fixture.transport.count == 1 && fixture.ledgerStates == [.sent]
                }
                group.cancelAll()
            }
        }
    }
}
