import Foundation
import KubeClient
import KubeSim
import MetricsTestKit
import PunctualController
import Synchronization
import Testing

/// A leader whose lease ran out without its renew loop noticing yet (a process starved of CPU)
/// stops writing at once: the executor and the status writer ask whether the lease is current
/// before each write, and leave what they did not write to whoever leads.
@Suite struct LeaseFenceTests {
    static let slot = Date(timeIntervalSince1970: 1_767_225_660)

    /// A lease that is current for a number of checks, then not, until renewed.
    final class Lease: Sendable {
        private let state: Mutex<(checksLeft: Int, checks: Int)>

        init(currentFor checks: Int) { state = Mutex((checks, 0)) }

        var holdsCurrentLease: @Sendable () -> Bool {
            {
                self.state.withLock { state in
                    state.checks += 1
                    guard state.checksLeft > 0 else { return false }
                    state.checksLeft -= 1
                    return true
                }
            }
        }

        var checks: Int { state.withLock(\.checks) }

        func renew() { state.withLock { $0.checksLeft = .max } }
    }

    private func creation(for task: ScheduledTask, slot: Date) -> JobCreation {
        let name = JobNaming.name(task: "exec", slot: slot)
        return JobCreation(
            name: name, slot: slot, attempt: 1,
            job: JobBuilder.job(for: task, JobBuilder.Request(name: name, slot: slot)))
    }

    @Test func theExecutorStopsAtTheFirstWriteAfterTheLeaseLapsed() async throws {
        try await ControllerWorld.with(start: Self.slot.addingTimeInterval(61)) { world async throws in
            try world.createTask(minutelyTask("exec"))
            let task = try world.task("exec")
            let lease = Lease(currentFor: 1)
            let writer = StatusWriter(client: world.client, clock: world.clock)
            let executor = PlanExecutor(
                client: world.client, events: EventRecorder(client: world.client, clock: world.clock),
                statusWriter: writer, metrics: ControllerMetrics(factory: TestMetrics()), clock: world.clock,
                holdsCurrentLease: lease.holdsCurrentLease)
            let first = creation(for: task, slot: Self.slot)
            let second = creation(for: task, slot: Self.slot.addingTimeInterval(60))
            var status = ScheduledTaskStatus()
            status.lastScheduleTime = second.slot
            let plan = Plan(
                actions: [.createJob(first), .createJob(second), .updateStatus(status)], status: status,
                requeueAt: nil)

            let report = await executor.execute(plan, for: task, jobs: [])
            #expect(report.created == [first.name])
            let failure = try #require(report.failures.first)
            #expect(failure.operation == .createJob)
            #expect(failure.disposition == .retryable)
            #expect(failure.underlying as? LeaseNotCurrentError == LeaseNotCurrentError())
            #expect(!report.statusSubmitted, "the status describes a Job that was not created")
            #expect(try world.jobs().map(\.metadata.name) == [first.name])
            #expect(lease.checks == 2)
        }
    }

    @Test func theStatusWriterWaitsUntilTheLeaseIsRenewed() async throws {
        try await ControllerWorld.with(start: Self.slot.addingTimeInterval(1)) { world async throws in
            try world.createTask(minutelyTask("exec"))
            let task = try world.task("exec")
            let lease = Lease(currentFor: 0)
            let writer = StatusWriter(
                client: world.client, clock: world.clock, holdsCurrentLease: lease.holdsCurrentLease)
            var status = ScheduledTaskStatus()
            status.lastScheduleTime = Self.slot
            writer.submit(.init(task: task, status: status))
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { await writer.run(workers: 1) }
                defer { group.cancelAll() }
                try await world.eventually("the writer asked") { lease.checks >= 1 }
                // Retried with backoff, never written.
                try await world.advance(by: .seconds(3), step: .milliseconds(500))
                #expect(lease.checks >= 2)
                #expect(try world.task("exec").status?.lastScheduleTime == nil)
                #expect(writer.isWritePending("default/exec"))

                lease.renew()
                try await world.eventually("the status is written once the lease is current again") {
                    world.clock.advance(by: .seconds(1))
                    return try world.task("exec").status?.lastScheduleTime == Self.slot
                }
            }
        }
    }
}
