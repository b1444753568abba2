import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// Allow / Forbid / Replace / Queue across slots, and manual triggers under each.
@Suite("Decision: concurrency across slots")
struct DecisionConcurrencyTests {
    static let task = ScheduledTask.fixture()
    static let running = Job.fixture(for: task, slot: Instants.previousHour).started(at: Instants.previousHour)
    static let runningPod = running.pod.running(since: Instants.previousHour.plus(seconds: 3))
    /// A 09:00 run still active when the 10:00 slot falls due.
    static func busy(_ task: ScheduledTask) -> ScheduledTask { task.withActiveRun(slot: Instants.previousHour) }
    static let deadlineWindow = Instants.topOfTheHour.plus(seconds: 601)
    /// The 10:00 slot's Job, created to replace the 09:00 run.
    static let next = Job.fixture(for: task, slot: Instants.topOfTheHour, created: Instants.justAfterTheHour)
    /// The status after the 10:00 slot replaced the 09:00 run (stored, as the next decision reads it).
    static let replacing: ScheduledTask = {
        let replace = busy(task.concurrency(.replace))
        let plan = Decision.plan(
            for: Observation(task: replace, jobs: [running], pods: [runningPod], now: Instants.justAfterTheHour))
        return replace.status(plan.status)
    }()
    static let afterReplacing = Instants.justAfterTheHour.plus(seconds: 1)

    static let cases: [DecisionCase] = [
        DecisionCase(
            name: "still active, slot due, Forbid → Skipped (never buffered)",
            task: busy(task.concurrency(.forbid)), jobs: [running], pods: [runningPod], now: Instants.justAfterTheHour,
            events: ["Skipped"], runs: ["10:00 Skipped ConcurrencyForbidden"], requeueAt: .at(Instants.nextHour),
            lastScheduleTime: Instants.topOfTheHour,
            check: { plan in #expect(plan.status.queued == nil) }),
        DecisionCase(
            name: "still active, slot due, Allow without maxConcurrent → started alongside",
            task: busy(task), jobs: [running], pods: [runningPod], now: Instants.justAfterTheHour,
            creates: [jobName(Instants.topOfTheHour)], check: { plan in #expect(plan.status.activeRuns == 2) }),
        DecisionCase(
            name: "still active, slot due, Allow maxConcurrent 1 → Skipped",
            task: busy(task.concurrency(.allow, max: 1)), jobs: [running], pods: [runningPod],
            now: Instants.justAfterTheHour, runs: ["10:00 Skipped MaxConcurrentReached"]),
        DecisionCase(
            name: "still active, slot due, Allow maxConcurrent 2 → started",
            task: busy(task.concurrency(.allow, max: 2)), jobs: [running], pods: [runningPod],
            now: Instants.justAfterTheHour, creates: [jobName(Instants.topOfTheHour)]),
        DecisionCase(
            name: "still active, slot due, Replace → active marked replaced (deleted later), new one started",
            task: busy(task.concurrency(.replace)), jobs: [running], pods: [runningPod], now: Instants.justAfterTheHour,
            creates: [jobName(Instants.topOfTheHour)], events: ["Replaced", "Created"],
            runs: ["09:00 Running", "10:00 Pending"], consecutiveFailures: 0,
            check: { plan in
                #expect(
                    plan.status.active?.map { "\($0.name) \($0.replacedBy.map(short) ?? "-")" } == [
                        "\(jobName(Instants.previousHour)) 10:00", "\(jobName(Instants.topOfTheHour)) -",
                    ])
            }),
        DecisionCase(
            name: "Replace, mark stored, old Job still running → deleted only in the state observed",
            task: replacing, jobs: [running, next], pods: [runningPod], now: afterReplacing,
            deletes: [jobName(Instants.previousHour) + ":Replaced"], noEvents: ["Replaced", "Created"],
            runs: ["09:00 Running"],
            check: { plan in
                #expect(plan.jobDeletions.allSatisfy { $0.isConditional && $0.propagationPolicy == "Background" })
                #expect(plan.status.active?.count == 2)
            }),
        DecisionCase(
            name: "Replace, mark only in the unwritten status overlay → not deleted yet; decided again once stored",
            task: replacing, jobs: [running, next], pods: [runningPod], now: afterReplacing, isStatusStored: false,
            check: { plan in
                #expect(plan.jobDeletions.isEmpty)
                #expect(plan.awaitsStoredStatus)
                #expect(plan.requeueAt.map { $0 > afterReplacing.plus(seconds: 1) } ?? true, "not polled")
            }),
        DecisionCase(
            name: "Replace, old Job completed before the delete → Succeeded, not deleted",
            task: replacing, jobs: [running.succeeded(at: Instants.topOfTheHour.plus(seconds: 2)), next],
            now: afterReplacing, events: ["Succeeded"], runs: ["09:00 Succeeded Completed"],
            check: { plan in #expect(plan.status.active?.map(\.name) == [jobName(Instants.topOfTheHour)]) }),
        DecisionCase(
            name: "Replace, old Job gone → Failed Replaced: no alert, not a failure",
            task: replacing.alerting(on: [.failed]), jobs: [next], now: afterReplacing, alerts: [],
            runs: ["09:00 Failed Replaced"], consecutiveFailures: 0,
            check: { plan in #expect(plan.status.active?.map(\.name) == [jobName(Instants.topOfTheHour)]) }),
        DecisionCase(
            name: "Replace, old Job failed before the delete → Replaced with its failure: no retry, no alert",
            task: replacing.guarantee(.onceOnly).retry(failure: 3).alerting(on: [.failed]),
            jobs: [running.failed(at: Instants.topOfTheHour.plus(seconds: 1)), next], now: afterReplacing,
            alerts: [], runs: ["09:00 Failed Replaced"], consecutiveFailures: 0,
            check: { plan in
                #expect(plan.status.retries == nil)
                #expect(plan.status.runs?.first?.message?.contains("it had failed first") == true)
            }),
        DecisionCase(
            name: "Replace, old Job already being deleted → no second delete",
            task: replacing, jobs: [running.deleting(since: Instants.justAfterTheHour), next], now: afterReplacing,
            check: { plan in #expect(plan.status.active?.count == 2) }),
        DecisionCase(
            name: "still active, slot due, Queue → held, requeued at its deadline",
            task: busy(task.concurrency(.queue).startingDeadline(600)), jobs: [running], pods: [runningPod],
            now: Instants.justAfterTheHour, events: ["Queued"], requeueAt: .at(deadlineWindow),
            lastScheduleTime: Instants.previousHour,
            check: { plan in #expect(plan.status.queued == [Instants.topOfTheHour]) }),
        DecisionCase(
            name: "held slot, run finished → queue drains: held slot started",
            task: busy(task.concurrency(.queue).startingDeadline(600)).editingStatus {
                $0.queued = [Instants.topOfTheHour]
            },
            jobs: [running.succeeded(at: Instants.topOfTheHour.plus(minutes: 5))],
            now: Instants.topOfTheHour.plus(seconds: 1, minutes: 5), creates: [jobName(Instants.topOfTheHour)],
            noEvents: ["Queued"], runs: ["09:00 Succeeded Completed", "10:00 Pending Late"],
            check: { plan in #expect(plan.status.queued == nil) }),
        DecisionCase(
            name: "held slot past its starting deadline → Missed, not started",
            task: busy(task.concurrency(.queue).startingDeadline(600)).editingStatus {
                $0.queued = [Instants.topOfTheHour]
            },
            jobs: [running], pods: [runningPod], now: deadlineWindow, runs: ["10:00 Missed StartingDeadlineExceeded"],
            missedRuns: 1,
            check: { plan in
                #expect(plan.status.queued == nil)
                #expect(
                    plan.status.runs?.last { $0.phase == .missed }?.message
                        == "held in the queue past its starting deadline")
            }),
        DecisionCase(
            name: "OnceOnly Queue: two held slots drain in slot order, one at a time",
            task: busy(task.guarantee(.onceOnly).catchUpWindow(7200).concurrency(.queue)).editingStatus {
                $0.queued = [Instants.topOfTheHour, Instants.nextHour]
            }, jobs: [running.succeeded(at: Instants.nextHour.plus(minutes: 30))],
            now: Instants.nextHour.plus(seconds: 1, minutes: 30), creates: [jobName(Instants.topOfTheHour)],
            lastScheduleTime: Instants.topOfTheHour,
            check: { plan in #expect(plan.status.queued == [Instants.nextHour]) }),
        DecisionCase(
            name: "manual trigger, nothing active → one extra run now, value recorded",
            task: task.scheduled(through: Instants.topOfTheHour).triggered("rerun-1"), now: Instants.halfPast,
            creates: [JobNaming.manualName(task: "report", trigger: "rerun-1")], events: ["Triggered"],
            lastScheduleTime: Instants.topOfTheHour,
            check: { plan in
                #expect(plan.status.lastTrigger == "rerun-1")
                #expect(
                    plan.jobCreations.first?.job[path: ["metadata", "annotations", "punctual.dev/trigger"]] == "rerun-1"
                )
            }),
        DecisionCase(
            name: "manual trigger already acted on → nothing",
            task: task.scheduled(through: Instants.topOfTheHour).triggered("rerun-1").editingStatus {
                $0.lastTrigger = "rerun-1"
            }, now: Instants.halfPast),
        DecisionCase(
            name: "manual trigger, still active, Forbid → Skipped, value recorded so it fires once",
            task: busy(task.concurrency(.forbid)).triggered("rerun-2"), jobs: [running], pods: [runningPod],
            now: Instants.previousHour.plus(minutes: 30), events: ["Skipped"],
            check: { plan in #expect(plan.status.lastTrigger == "rerun-2") }),
        DecisionCase(
            name: "manual trigger, still active, Queue → waits for the run to finish, value not recorded",
            task: busy(task.concurrency(.queue)).triggered("rerun-3"), jobs: [running], pods: [runningPod],
            now: Instants.previousHour.plus(minutes: 30), check: { plan in #expect(plan.status.lastTrigger == nil) }),
        DecisionCase(
            name: "manual trigger while suspended → recorded, not run",
            task: task.suspended().triggered("rerun-4"), now: Instants.halfPast, events: ["TriggerIgnored"],
            check: { plan in #expect(plan.status.lastTrigger == "rerun-4") }),
    ]

    @Test(arguments: cases)
    func decide(_ row: DecisionCase) { row.verify() }
}
