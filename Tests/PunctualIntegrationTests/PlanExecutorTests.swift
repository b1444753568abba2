import Foundation
import KubeClient
import KubeSim
import MetricsTestKit
import PunctualController
import Testing

/// The executor's writes against KubeSim over HTTP: 409 means done, uid and resourceVersion
/// preconditions, events deduplicated into counts, statuses coalesced and merged without losing
/// foreign fields.
@Suite struct PlanExecutorTests {
    static let slot = Date(timeIntervalSince1970: 1_767_225_660)
    static let tasks = GroupResource(group: "punctual.dev", resource: "scheduledtasks")

    struct Fixture {
        let world: ControllerWorld
        let task: ScheduledTask
        let executor: PlanExecutor
        let writer: StatusWriter
        let metrics: TestMetrics
    }

    private func withFixture(_ body: @Sendable (Fixture) async throws -> Void) async throws {
        try await ControllerWorld.with(start: Self.slot.addingTimeInterval(1)) { world async throws in
            try world.createTask(minutelyTask("exec"))
            let task = try world.task("exec")
            let metrics = TestMetrics()
            let writer = StatusWriter(client: world.client, clock: world.clock)
            let executor = PlanExecutor(
                client: world.client, events: EventRecorder(client: world.client, clock: world.clock),
                statusWriter: writer, metrics: ControllerMetrics(factory: metrics), clock: world.clock)
            try await body(Fixture(world: world, task: task, executor: executor, writer: writer, metrics: metrics))
        }
    }

    private func creation(for task: ScheduledTask) -> JobCreation {
        let name = JobNaming.name(task: "exec", slot: Self.slot)
        return JobCreation(
            name: name, slot: Self.slot, attempt: 1,
            job: JobBuilder.job(for: task, JobBuilder.Request(name: name, slot: Self.slot)))
    }

    @Test func secondCreateOfTheSameJobIsAlreadyDone() async throws {
        try await withFixture { fixture async throws in
            let plan = Plan(
                actions: [.createJob(creation(for: fixture.task))], status: ScheduledTaskStatus(), requeueAt: nil)
            let first = await fixture.executor.execute(plan, for: fixture.task, jobs: [])
            let second = await fixture.executor.execute(plan, for: fixture.task, jobs: [])
            #expect(first.created == [creation(for: fixture.task).name])
            #expect(second.created.isEmpty)
            #expect(second.alreadyExisting == [creation(for: fixture.task).name])
            #expect(second.failures.isEmpty)
            #expect(try fixture.world.jobs().count == 1)
            #expect(try fixture.metrics.expectTimer(ControllerMetrics.jobCreationSkewName).values == [1_000_000_000])
        }
    }

    @Test func failedCreateDropsTheRestOfThePlan() async throws {
        try await withFixture { fixture async throws in
            fixture.world.server.faults.fail(.init(verb: "create", resource: "jobs", count: 20, code: 403))
            var status = ScheduledTaskStatus()
            status.lastScheduleTime = Self.slot
            let plan = Plan(
                actions: [
                    .createJob(creation(for: fixture.task)), .updateStatus(status),
                    .emitEvent(PlannedEvent(type: .normal, reason: "Created", message: "created")),
                ], status: status, requeueAt: nil)
            let report = await fixture.executor.execute(plan, for: fixture.task, jobs: [])
            #expect(report.terminalFailure?.operation == .createJob)
            #expect(!report.statusSubmitted)
            #expect(try fixture.world.store.list(GroupResource(group: "", resource: "events")).items.isEmpty)
        }
    }

    @Test func deleteWithAStaleUIDLeavesTheNewJobAlone() async throws {
        try await withFixture { fixture async throws in
            let create = Plan(
                actions: [.createJob(creation(for: fixture.task))], status: ScheduledTaskStatus(), requeueAt: nil)
            _ = await fixture.executor.execute(create, for: fixture.task, jobs: [])
            var stale = try #require(try fixture.world.jobs().first)
            stale.metadata.uid = "uid-of-an-older-job"
            let delete = Plan(
                actions: [.deleteJob(JobDeletion(name: creation(for: fixture.task).name, reason: .historyLimit))],
                status: ScheduledTaskStatus(), requeueAt: nil)
            let report = await fixture.executor.execute(delete, for: fixture.task, jobs: [stale])
            #expect(report.failures.isEmpty, "a failed precondition is not an error: \(report.failures)")
            #expect(try fixture.world.jobs().count == 1)
            let current = try fixture.world.jobs()
            let again = await fixture.executor.execute(delete, for: fixture.task, jobs: current)
            #expect(again.deleted == [creation(for: fixture.task).name])
        }
    }

    @Test func conditionalDeleteSparesAJobThatChangedSinceItWasObserved() async throws {
        // No simulated runtime: nothing but the test changes the Job.
        try await ControllerWorld.with(start: Self.slot.addingTimeInterval(1), simulatesJobs: false) { world in
            try world.createTask(minutelyTask("exec"))
            let task = try world.task("exec")
            let executor = PlanExecutor(
                client: world.client, events: EventRecorder(client: world.client, clock: world.clock),
                statusWriter: StatusWriter(client: world.client, clock: world.clock),
                metrics: ControllerMetrics(factory: TestMetrics()), clock: world.clock)
            let name = creation(for: task).name
            let create = Plan(actions: [.createJob(creation(for: task))], status: ScheduledTaskStatus(), requeueAt: nil)
            _ = await executor.execute(create, for: task, jobs: [])
            let observed = try world.jobs()
            // The Job completes after the decision saw it running.
            try world.completeJob(name)
            let delete = Plan(
                actions: [.deleteJob(JobDeletion(name: name, reason: .replaced, isConditional: true))],
                status: ScheduledTaskStatus(), requeueAt: nil)
            let refused = await executor.execute(delete, for: task, jobs: observed)
            #expect(refused.failures.isEmpty, "a changed Job is not an error: \(refused.failures)")
            #expect(refused.deleted.isEmpty)
            let unseen = await executor.execute(delete, for: task, jobs: [])
            #expect(unseen.deleted.isEmpty, "a Job the decision did not observe is not deleted")
            let survivor = try #require(try world.jobs().first)
            #expect(survivor.status?.conditions?.contains { $0.type == "Complete" && $0.status == "True" } == true)
            let current = await executor.execute(delete, for: task, jobs: [survivor])
            #expect(current.deleted == [name])
            #expect(try world.jobs().isEmpty)
        }
    }

    @Test func identicalEventsBecomeOneEventWithACount() async throws {
        try await withFixture { fixture async throws in
            let event = PlannedEvent(type: .warning, reason: "Missed", message: "slot 00:01 missed")
            let plan = Plan(actions: [.emitEvent(event)], status: ScheduledTaskStatus(), requeueAt: nil)
            for _ in 0..<3 { _ = await fixture.executor.execute(plan, for: fixture.task, jobs: []) }
            // A second recorder (another replica, or after a restart) continues the same count.
            let other = EventRecorder(client: fixture.world.client, clock: fixture.world.clock)
            try await other.record(event, about: fixture.task)
            let events = try fixture.world.store.list(GroupResource(group: "", resource: "events")).items
            #expect(events.count == 1)
            let recorded = try #require(events.first).decode(as: CoreEvent.self)
            #expect(recorded.count == 4)
            #expect(recorded.reason == "Missed")
            #expect(recorded.type == "Warning")
            #expect(recorded.source?.component == "punctual-controller")
            #expect(recorded.involvedObject.name == "exec")
            #expect(recorded.involvedObject.uid == fixture.task.metadata.uid)
        }
    }

    @Test func statusIsMergedWithoutLosingForeignFieldsAndOverlaidUntilCached() async throws {
        try await withFixture { fixture async throws in
            // A field written after the decision read the task: a merge patch of only the
            // decided changes leaves it alone (a whole-status update would erase it).
            _ = try fixture.world.store.modify(Self.tasks, namespace: "default", name: "exec", subresource: .status) {
                $0.set(path: ["status", "lastSuccessfulTime"], to: "2025-12-31T00:00:00Z")
            }
            var first = ScheduledTaskStatus()
            first.lastScheduleTime = Self.slot
            var second = first
            second.missedRuns = 1
            fixture.writer.submit(.init(task: fixture.task, status: first))
            fixture.writer.submit(.init(task: fixture.task, status: second))
            #expect(fixture.writer.overlay(for: fixture.task) == second)
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { await fixture.writer.run(workers: 1) }
                try await fixture.world.eventually("the status is written and acknowledged") {
                    try fixture.world.task("exec").status?.missedRuns == 1 && !fixture.writer.hasPendingWrites
                }
                group.cancelAll()
            }
            let raw = try fixture.world.store.get(Self.tasks, namespace: "default", name: "exec")
            #expect(raw[path: ["status", "lastSuccessfulTime"]] == "2025-12-31T00:00:00Z")
            #expect(raw[path: ["status", "lastScheduleTime"]] == .string(KubeTime.format(Self.slot)))
            #expect(fixture.writer.overlay(for: try fixture.world.task("exec")) == nil)
        }
    }
}
