import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// The decision is level-triggered: whatever write a crash (or a second controller) cut short,
/// the next decision neither doubles nor drops the run.
@Suite("Decision: crash points")
struct DecisionCrashSafetyTests {
    static let task = ScheduledTask.fixture()
    static let slot = Instants.topOfTheHour
    static let first = Job.fixture(for: task, slot: slot)
    static let ended = slot.plus(minutes: 2)
    static let retrying = task.guarantee(.onceOnly).retry(failure: 2, backoff: 30)
    static let retryJob = Job.fixture(
        for: task, request: .init(name: jobName(slot, attempt: 2), slot: slot, attempt: 2, runFailures: 1),
        created: ended.plus(seconds: 30))
    static let manual = Job.fixture(for: task, slot: Instants.halfPast, trigger: "rerun")
    /// A Replace task whose 09:00 run was active when its creator replaced it by the 10:00 slot.
    static let replaced = task.concurrency(.replace).alerting(on: [.failed]).withActiveRun(slot: Instants.previousHour)
    static let previous = Job.fixture(for: task, slot: Instants.previousHour).started(at: Instants.previousHour)
    /// `task` whose history holds one entry: the 10:00 slot's first attempt, Job named, ended.
    static func recorded(_ task: ScheduledTask, _ phase: ScheduledTaskStatus.Run.Phase, reason: String) -> ScheduledTask
    {
        task.editingStatus {
            $0.runs = [
                .init(
                    scheduledTime: slot, attempt: 1, job: jobName(slot), phase: phase, completionTime: ended,
                    reason: reason)
            ]
        }
    }
    /// An OnceOnly task whose catch-up window reaches back two hours.
    static let onceOnlyCatchingUp = task.guarantee(.onceOnly).catchUpWindow(7200)

    static let cases: [DecisionCase] = [
        DecisionCase(
            name: "crash after the Job create, before the status write → Job adopted, not recreated",
            task: task.scheduled(through: Instants.previousHour), jobs: [first], now: slot.plus(seconds: 5),
            events: ["Adopted"], noEvents: ["Created"], lastScheduleTime: slot,
            check: { plan in #expect(plan.status.active?.map(\.name) == [jobName(slot)]) }),
        DecisionCase(
            name: "crash after the create; the Job finished before the next reconcile → adopted and concluded",
            task: task.scheduled(through: Instants.previousHour), jobs: [first.started(at: slot).succeeded(at: ended)],
            now: ended.plus(seconds: 1), events: ["Adopted", "Succeeded"], runs: ["10:00 Succeeded Completed"],
            lastScheduleTime: slot, check: { plan in #expect(plan.status.active == nil) }),
        DecisionCase(
            name: "two controllers: the second sees the first's Job for the slot → no second create",
            task: task.scheduled(through: Instants.previousHour), jobs: [first], now: slot),
        DecisionCase(
            name: "crash after creating a retry, before removing it from status.retries → adopted",
            task: retrying.scheduled(through: slot).withPendingRetry(
                slot: slot, notBefore: ended.plus(seconds: 30), startupFailures: 0, runFailures: 1),
            jobs: [first.started(at: slot).failed(at: ended), retryJob], now: ended.plus(seconds: 31),
            events: ["Adopted"],
            check: { plan in
                #expect(plan.status.retries == nil)
                #expect(plan.status.active?.map(\.name) == [jobName(slot, attempt: 2)])
            }),
        DecisionCase(
            name: "a retry Job whose status was lost with its retries entry → adopted after the attempt before it",
            task: recorded(retrying.scheduled(through: slot), .failed, reason: "BackoffLimitExceeded"),
            jobs: [first.started(at: slot).failed(at: ended), retryJob], now: ended.plus(seconds: 31),
            events: ["Adopted"], noEvents: ["Created"],
            check: { plan in
                #expect(plan.status.retries == nil)
                #expect(plan.status.active?.map(\.name) == [jobName(slot, attempt: 2)])
            }),
        DecisionCase(
            name: "a retry Job of a slot history no longer holds is not adopted",
            task: retrying.scheduled(through: slot), jobs: [retryJob], now: ended.plus(seconds: 31),
            noEvents: ["Adopted"], check: { plan in #expect(plan.status.active == nil) }),
        DecisionCase(
            name: "crash after creating a manual run, before recording the trigger → adopted, fires once",
            task: task.scheduled(through: slot).triggered("rerun"), jobs: [manual],
            now: Instants.halfPast.plus(seconds: 2),
            events: ["Adopted"], noEvents: ["Triggered"],
            check: { plan in #expect(plan.status.lastTrigger == "rerun") }),
        DecisionCase(
            name:
                "crash after a Replace created its Job, before the status write → adopted, old run replaced as decided",
            task: replaced, jobs: [previous, first], now: slot.plus(seconds: 5), events: ["Adopted", "Replaced"],
            noEvents: ["Created"],
            check: { plan in
                #expect(plan.jobDeletions.isEmpty, "deleted before a stored status names it replaced")
                #expect(
                    plan.status.active?.map { "\($0.name) \($0.replacedBy.map(short) ?? "-")" } == [
                        "\(jobName(Instants.previousHour)) 10:00", "\(jobName(slot)) -",
                    ])
            }),
        DecisionCase(
            name: "the same crash, old Job already gone → recorded Replaced, not JobDeleted; no alert",
            task: replaced, jobs: [first], now: slot.plus(seconds: 5), events: ["Adopted"], noEvents: ["JobDeleted"],
            alerts: [], runs: ["09:00 Failed Replaced"], consecutiveFailures: 0,
            check: { plan in #expect(plan.status.active?.map(\.name) == [jobName(slot)]) }),
        DecisionCase(
            name: "active run whose Job vanished → closed as JobDeleted, never recreated or retried",
            task: retrying.withActiveRun(slot: slot), now: slot.plus(minutes: 5), events: ["JobDeleted"],
            runs: ["10:00 Failed JobDeleted"],
            check: { plan in
                #expect(plan.status.active == nil)
                #expect(plan.status.retries == nil)
            }),
        DecisionCase(
            name: "active run just created, not yet in the cache → not judged vanished; requeue after the grace",
            task: task.withActiveRun(slot: slot, createdAt: slot), now: slot.plus(seconds: 2), noEvents: ["JobDeleted"],
            requeueAt: .at(slot.plus(seconds: 60)),
            check: { plan in #expect(plan.status.active?.count == 1) }),
        DecisionCase(
            name: "deadline delete recorded but lost → delete sent again",
            task: recorded(task.scheduled(through: slot), .missed, reason: "StartingDeadlineExceeded"), jobs: [first],
            now: ended.plus(seconds: 60), deletes: [jobName(slot) + ":StartingDeadlineExceeded"],
            noEvents: ["Adopted", "Missed"]),
        DecisionCase(
            name: "a replaced leader created the slot's Job while this one recorded it Missed → the record stands",
            task: task.scheduled(through: slot).editingStatus {
                $0.runs = [
                    .init(
                        scheduledTime: slot, attempt: 1, phase: .missed, completionTime: slot.plus(seconds: 40),
                        reason: "StartingDeadlineExceeded")
                ]
            }, jobs: [first.started(at: slot.plus(seconds: 20)).succeeded(at: ended)], now: ended.plus(seconds: 1),
            noEvents: ["Adopted", "Created", "Succeeded"], runs: ["10:00 Missed StartingDeadlineExceeded"]),
        DecisionCase(
            name:
                "OnceOnly: the lost status had skipped 09:00 before 10:00's Job → 09:00 decided again, not passed over",
            task: onceOnlyCatchingUp.concurrency(.forbid).scheduled(through: Instants.previousHour.plus(minutes: -60)),
            jobs: [first], now: slot.plus(seconds: 5), events: ["Adopted", "Skipped"], noEvents: ["Created"],
            runs: ["09:00 Skipped ConcurrencyForbidden", "10:00 Pending PodNotCreated"], lastScheduleTime: slot,
            check: { plan in #expect(plan.status.active?.map(\.name) == [jobName(slot)]) }),
        DecisionCase(
            name: "OnceOnly under Allow: the slot before the adopted Job is created, the adopted one is not again",
            task: onceOnlyCatchingUp.scheduled(through: Instants.previousHour.plus(minutes: -60)), jobs: [first],
            now: slot.plus(seconds: 5), creates: [jobName(Instants.previousHour)], events: ["Adopted", "Created"],
            lastScheduleTime: slot,
            check: { plan in
                #expect(plan.status.active?.map(\.name) == [jobName(Instants.previousHour), jobName(slot)])
            }),
        DecisionCase(
            name: "OnceOnly under Replace: an older slot than the adopted Job is skipped, never replacing it",
            task: onceOnlyCatchingUp.concurrency(.replace).scheduled(through: Instants.previousHour.plus(minutes: -60)),
            jobs: [first], now: slot.plus(seconds: 5), events: ["Adopted", "Skipped"],
            noEvents: ["Created", "Replaced"],
            lastScheduleTime: slot,
            check: { plan in #expect(plan.status.active?.map(\.name) == [jobName(slot)]) }),
        DecisionCase(
            name: "OnceMost: adopting the latest slot's Job still moves past the older ones (at most once)",
            task: task.guarantee(.onceMost).scheduled(through: Instants.previousHour.plus(minutes: -60)),
            jobs: [first], now: slot.plus(seconds: 5), events: ["Adopted"], noEvents: ["Created", "Missed"],
            lastScheduleTime: slot),
        DecisionCase(
            name: "a slot recorded Missed whose Job was deleted by its starting deadline is not adopted back",
            task: task.scheduled(through: slot).editingStatus {
                $0.runs = [
                    .init(
                        scheduledTime: slot, attempt: 1, job: jobName(slot), phase: .missed,
                        completionTime: slot.plus(seconds: 40), reason: "StartingDeadlineExceeded")
                ]
            }, jobs: [first.with { $0.metadata.deletionTimestamp = slot.plus(seconds: 40) }],
            now: slot.plus(seconds: 41), noEvents: ["Adopted"]),
        DecisionCase(
            name: "old finished Jobs that scrolled out of status.runs are history, not adopted",
            task: task.scheduled(through: slot),
            jobs: [
                Job.fixture(for: task, slot: Instants.previousHour).succeeded(
                    at: Instants.previousHour.plus(minutes: 1))
            ],
            now: slot.plus(minutes: 10), noEvents: ["Adopted", "Succeeded"]),
        DecisionCase(
            name: "a Job of a deleted namesake task (other owner uid) is ignored",
            task: task.scheduled(through: Instants.previousHour),
            jobs: [first.with { $0.metadata.ownerReferences?[0].uid = "uid-old" }], now: slot.plus(seconds: 3),
            creates: [jobName(slot)]),
    ]

    @Test(arguments: cases)
    func decide(_ row: DecisionCase) { row.verify() }

    @Test("the same observation always gives the same plan (pure, no hidden state)")
    func deterministic() {
        let observation = Observation(
            task: Self.task.jitter(300).scheduled(through: Instants.topOfTheHour.plus(days: -2)), jobs: [Self.first],
            now: Instants.halfPast)
        #expect(Decision.plan(for: observation) == Decision.plan(for: observation))
    }
}

extension Job {
    func with(_ change: (inout Job) -> Void) -> Job {
        var copy = self
        change(&copy)
        return copy
    }
}

extension DecisionCrashSafetyTests {
    @Test("Replace with runsLimit 1: the replaced Job, still in a lagging cache, is not adopted back")
    func replacedJobNotAdopted() {
        let task = Self.task.concurrency(.replace).history(runs: 1).withActiveRun(slot: Instants.previousHour)
        let old = Job.fixture(for: Self.task, slot: Instants.previousHour).started(at: Instants.previousHour)
        let new = Job.fixture(for: Self.task, slot: Self.slot)
        let pods = [old.pod.running(since: Instants.previousHour)]
        var now = Instants.justAfterTheHour
        let marked = Decision.plan(for: Observation(task: task, jobs: [old], pods: pods, now: now))
        #expect(marked.jobCreations.map(\.name) == [jobName(Self.slot)])
        #expect(marked.jobDeletions.isEmpty)
        now = now.plus(seconds: 1)
        let deleting = Decision.plan(
            for: Observation(task: task.status(marked.status), jobs: [old, new], pods: pods, now: now))
        #expect(deleting.jobDeletions.map(\.name) == [jobName(Instants.previousHour)])
        now = now.plus(seconds: 1)
        let gone = Decision.plan(for: Observation(task: task.status(deleting.status), jobs: [new], now: now))
        #expect(gone.status.active?.map(\.name) == [jobName(Self.slot)])
        // Another replica's cache still shows the deleted Job; its entry scrolled out of the history.
        DecisionCase(
            name: "lagging cache", task: task.status(gone.status), jobs: [old, new], pods: pods,
            now: now.plus(seconds: 1),
            noEvents: ["Adopted", "Replaced"],
            check: { plan in #expect(plan.status.active?.map(\.name) == [jobName(Self.slot)]) }
        ).verify()
    }
}
