import Foundation
import KubeClient
import KubeSim
import Logging
import MetricsTestKit
import PunctualController
import Synchronization
import Testing

/// The executor inside a tight client budget (one token per 30 s of virtual time): Job creates
/// overtake the housekeeping of other tasks, and a create delayed by the budget is recorded late.
///
/// The budget client has its own ManualClock, so only its rate limiter sleeps on it: the number
/// of sleepers is exactly the number of requests waiting for a token.
@Suite struct PlanExecutorBudgetTests {
    /// Every request the budget client sent, in order.
    final class RequestLog: Sendable {
        let records = Mutex<[RequestRecord]>([])
    }

    static let slot = Date(timeIntervalSince1970: 1_767_225_660)
    static let tokenInterval: Duration = .seconds(30)

    struct Fixture {
        let world: ControllerWorld
        let clock: ManualClock
        let task: ScheduledTask
        let executor: PlanExecutor
        let writer: StatusWriter
        let client: KubeClient
        let sent: RequestLog

        /// Takes the bucket's only token, so the next request waits.
        func spendToken() async throws {
            _ = try await client.dynamic(ResourceType.jobs, namespace: "default").list()
        }

        /// Waits (real time, bounded) until `count` requests wait for a token.
        func waitForWaiters(_ count: Int) async throws {
            try await world.eventually("\(count) requests wait for the budget") { clock.sleeperCount == count }
        }

        func creation(task name: String, due: Date = PlanExecutorBudgetTests.slot) throws -> JobCreation {
            let task = try world.task(name)
            let job = JobNaming.name(task: name, slot: PlanExecutorBudgetTests.slot)
            return JobCreation(
                name: job, slot: PlanExecutorBudgetTests.slot, attempt: 1, due: due,
                job: JobBuilder.job(for: task, JobBuilder.Request(name: job, slot: PlanExecutorBudgetTests.slot)))
        }
    }

    private func withFixture(_ body: @Sendable (Fixture) async throws -> Void) async throws {
        try await ControllerWorld.with(start: Self.slot.addingTimeInterval(1)) { world async throws in
            try world.createTask(minutelyTask("late"))
            try world.createTask(minutelyTask("other"))
            let clock = ManualClock(start: Self.slot.addingTimeInterval(1))
            let sent = RequestLog()
            var logger = Logger(label: "test.budget")
            logger.logLevel = .critical
            let client = try KubeClient(
                configuration: ClientConfiguration(
                    server: world.baseURL, qps: 1 / Self.tokenInterval.timeInterval, burst: 1),
                clock: clock, logger: logger,
                observer: ClosureRequestObserver { record in sent.records.withLock { $0.append(record) } })
            let writer = StatusWriter(client: client, clock: clock)
            let executor = PlanExecutor(
                client: client, events: EventRecorder(client: client, clock: clock), statusWriter: writer,
                metrics: ControllerMetrics(factory: TestMetrics()), clock: clock, logger: logger)
            let fixture = Fixture(
                world: world, clock: clock, task: try world.task("late"), executor: executor, writer: writer,
                client: client, sent: sent)
            do {
                try await body(fixture)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    @Test func aCreateDelayedByTheBudgetIsRecordedLateInStatusAndAnEvent() async throws {
        try await withFixture { fixture async throws in
            let creation = try fixture.creation(task: "late")
            var status = ScheduledTaskStatus()
            status.active = [.init(name: creation.name, scheduledTime: Self.slot, attempt: 1, createdAt: Self.slot)]
            status.runs = [.init(scheduledTime: Self.slot, attempt: 1, job: creation.name, phase: .pending)]
            let plan = Plan(actions: [.createJob(creation), .updateStatus(status)], status: status, requeueAt: nil)
            try await fixture.spendToken()

            async let execution = fixture.executor.execute(plan, for: fixture.task, jobs: [])
            try await fixture.waitForWaiters(1)
            fixture.clock.advance(by: Self.tokenInterval)
            try await fixture.world.eventually("the Job is created") { try fixture.world.jobs().count == 1 }
            // The CreatedLate Event waits for the next token, after the status is handed over.
            try await fixture.waitForWaiters(1)
            fixture.clock.advance(by: Self.tokenInterval)
            let report = await execution

            #expect(report.created == [creation.name])
            #expect(report.failures.isEmpty)
            let written = try #require(fixture.writer.overlay(for: fixture.task))
            #expect(written.runs?.first?.reason == "Late")
            #expect(written.runs?.first?.message == "created 31s late, 30s of it waiting for the API budget")
            #expect(written.active?.first?.createdAt == Self.slot.addingTimeInterval(31))
            let events = try fixture.world.store.list(GroupResource(group: "", resource: "events")).items
                .map { try $0.decode(as: CoreEvent.self) }
            let late = try #require(events.first { $0.reason == "CreatedLate" })
            #expect(late.type == "Warning")
            #expect(
                late.message?.hasPrefix("Job \(creation.name) for slot 2026-01-01T00:01:00Z was created 31s late")
                    == true)
        }
    }

    @Test func aPromptCreateIsNotRecordedLate() async throws {
        try await withFixture { fixture async throws in
            let creation = try fixture.creation(task: "late")
            var status = ScheduledTaskStatus()
            status.runs = [.init(scheduledTime: Self.slot, attempt: 1, job: creation.name, phase: .pending)]
            let plan = Plan(actions: [.createJob(creation), .updateStatus(status)], status: status, requeueAt: nil)
            let report = await fixture.executor.execute(plan, for: fixture.task, jobs: [])
            #expect(report.created == [creation.name])
            #expect(try #require(fixture.writer.overlay(for: fixture.task)) == status)
            #expect(try fixture.world.store.list(GroupResource(group: "", resource: "events")).items.isEmpty)
        }
    }

    struct Competitor: CustomTestStringConvertible, Sendable {
        let name: String
        let action: Action
        let verb: KubeVerb
        let resource: String
        var testDescription: String { name }
    }

    static let competitors: [Competitor] = [
        Competitor(
            name: "history delete", action: .deleteJob(JobDeletion(name: "other-1", reason: .historyLimit)),
            verb: .delete, resource: "jobs"),
        Competitor(
            name: "event", action: .emitEvent(PlannedEvent(type: .normal, reason: "Succeeded", message: "done")),
            verb: .create, resource: "events"),
    ]

    @Test(arguments: competitors)
    func aJobCreateOvertakesHousekeepingOfAnotherTaskWaitingForTheBudget(_ competitor: Competitor) async throws {
        try await withFixture { fixture async throws in
            let other = try fixture.world.task("other")
            let housekeeping = Plan(actions: [competitor.action], status: ScheduledTaskStatus(), requeueAt: nil)
            // Due later than it is created, so no CreatedLate Event joins the queue.
            let onTime = try fixture.creation(task: "late", due: Self.slot.addingTimeInterval(3600))
            let create = Plan(actions: [.createJob(onTime)], status: ScheduledTaskStatus(), requeueAt: nil)
            try await fixture.spendToken()
            fixture.sent.records.withLock { $0.removeAll() }

            async let first = fixture.executor.execute(housekeeping, for: other, jobs: [])
            try await fixture.waitForWaiters(1)
            async let second = fixture.executor.execute(create, for: fixture.task, jobs: [])
            try await fixture.waitForWaiters(2)
            fixture.clock.advance(by: Self.tokenInterval)
            try await fixture.world.eventually("the Job is created") { try fixture.world.jobs().count == 1 }
            // The housekeeping request woke too and went back to sleep behind the create, for one
            // or (had it looked before the create left the queue) two token intervals.
            try await fixture.waitForWaiters(1)
            fixture.clock.advance(by: Self.tokenInterval * 2)
            _ = await (first, second)

            let order = fixture.sent.records.withLock { $0 }.map { "\($0.verb.rawValue) \($0.resource.plural)" }
            #expect(order.first == "create jobs", "sent in order: \(order)")
            #expect(order.dropFirst().first == "\(competitor.verb.rawValue) \(competitor.resource)")
        }
    }
}
