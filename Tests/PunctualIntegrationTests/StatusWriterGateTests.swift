import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import PunctualController
import Synchronization
import Testing

/// The status writer behind a ``ForegroundGate``: while Job creates are in progress its write
/// waits, and the statuses decided meanwhile (the run `Pending`, then `PodNotCreated`) are folded
/// into one patch; it writes anyway once the gate's bound has passed.
///
/// The gate has its own ManualClock, so the only sleeper on it is the writer waiting for its turn.
@Suite struct StatusWriterGateTests {
    static let slot = Date(timeIntervalSince1970: 1_767_225_660)
    static let bound: Duration = .seconds(2)

    /// How many status patches the writer sent.
    final class PatchCount: Sendable {
        let value = Mutex(0)
    }

    struct Fixture {
        let world: ControllerWorld
        let gateClock: ManualClock
        let gate: ForegroundGate
        let writer: StatusWriter
        let task: ScheduledTask
        let patches: PatchCount

        /// The two statuses a burst decides for one task: the new run, then its Job seen without Pods.
        var burst: (pending: ScheduledTaskStatus, podNotCreated: ScheduledTaskStatus) {
            let job = JobNaming.name(task: "exec", slot: StatusWriterGateTests.slot)
            var pending = ScheduledTaskStatus()
            pending.lastScheduleTime = StatusWriterGateTests.slot
            pending.runs = [.init(scheduledTime: StatusWriterGateTests.slot, attempt: 1, job: job, phase: .pending)]
            var podNotCreated = pending
            podNotCreated.runs?[0].reason = "PodNotCreated"
            return (pending, podNotCreated)
        }

        /// Waits (real time, bounded) until the writer sleeps on the gate's clock.
        func writerWaits() async throws {
            try await world.eventually("the status writer waits for its turn") { gateClock.sleeperCount == 1 }
            try await world.settle()
        }

        func written() throws -> ScheduledTaskStatus? { try world.task("exec").status }

        /// The task as the controller's next decision reads it: the newest decided status overlaid.
        var current: ScheduledTask {
            var current = task
            if let overlay = writer.overlay(for: task) { current.status = overlay }
            return current
        }
    }

    func withFixture(
        maximumDelay: Duration = .seconds(15), _ body: @Sendable (Fixture) async throws -> Void
    ) async throws {
        try await ControllerWorld.with(start: Self.slot.addingTimeInterval(1)) { world async throws in
            try world.createTask(minutelyTask("exec"))
            let gateClock = ManualClock(start: Self.slot.addingTimeInterval(1))
            let gate = ForegroundGate(clock: gateClock, bound: Self.bound, maximumDelay: maximumDelay)
            let patches = PatchCount()
            let writer = StatusWriter(client: world.client, clock: world.clock, gate: gate) { _ in
                patches.value.withLock { $0 += 1 }
            }
            let fixture = Fixture(
                world: world, gateClock: gateClock, gate: gate, writer: writer, task: try world.task("exec"),
                patches: patches)
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { await writer.run(workers: 1) }
                defer { group.cancelAll() }
                try await body(fixture)
            }
        }
    }

    @Test func aBurstsStatusesAreFoldedIntoOnePatchWrittenWhenTheCreatesEnd() async throws {
        try await withFixture { fixture async throws in
            let (pending, podNotCreated) = fixture.burst
            fixture.gate.enter()
            fixture.writer.submit(.init(task: fixture.current, status: pending))
            try await fixture.writerWaits()
            fixture.writer.submit(.init(task: fixture.current, status: podNotCreated))
            try await fixture.writerWaits()
            #expect(try fixture.written()?.runs == nil, "written while a create was in progress")

            fixture.gate.leave()
            try await fixture.world.eventually("the status is written") {
                fixture.patches.value.withLock { $0 } > 0
            }
            try await fixture.world.settle()
            #expect(fixture.patches.value.withLock { $0 } == 1)
            #expect(try fixture.written()?.runs == podNotCreated.runs)
        }
    }

    /// A new leader decides every task at once: the statuses queued behind the first one are held
    /// back at most the gate's maximum delay in total, not a bound each (with one writer, one bound
    /// per task).
    @Test func statusesQueuedTogetherAreHeldBackAtMostTheMaximumDelay() async throws {
        try await withFixture(maximumDelay: Self.bound + .seconds(1)) { fixture async throws in
            let others = ["exec-b", "exec-c"]
            for name in others { try fixture.world.createTask(minutelyTask(name)) }
            fixture.gate.enter()
            fixture.writer.submit(.init(task: fixture.current, status: fixture.burst.pending))
            for name in others {
                fixture.writer.submit(.init(task: try fixture.world.task(name), status: fixture.burst.pending))
            }
            try await fixture.writerWaits()
            fixture.gateClock.advance(by: Self.bound)
            try await fixture.world.eventually("the first status is written after the bound") {
                fixture.patches.value.withLock { $0 } == 1
            }
            try await fixture.writerWaits()
            fixture.gateClock.advance(by: .seconds(1))
            try await fixture.world.eventually("the others are written at the maximum delay") {
                fixture.patches.value.withLock { $0 } == 3
            }
            #expect(fixture.gate.isBusy)
            for name in others {
                #expect(try fixture.world.task(name).status?.lastScheduleTime == Self.slot)
            }
            fixture.gate.leave()
        }
    }

    @Test func aStatusIsWrittenAfterTheBoundWhileCreatesGoOn() async throws {
        try await withFixture { fixture async throws in
            fixture.gate.enter()
            fixture.writer.submit(.init(task: fixture.current, status: fixture.burst.pending))
            try await fixture.writerWaits()
            fixture.gateClock.advance(by: Self.bound)
            try await fixture.world.eventually("the status is written") {
                fixture.patches.value.withLock { $0 } > 0
            }
            try await fixture.world.settle()
            #expect(fixture.gate.isBusy)
            #expect(fixture.patches.value.withLock { $0 } == 1)
            #expect(try fixture.written()?.runs == fixture.burst.pending.runs)
            fixture.gate.leave()
        }
    }
}
