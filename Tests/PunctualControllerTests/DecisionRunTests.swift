import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// Following runs: transitions, the starting deadline, the active deadline, retries.
@Suite("Decision: runs, deadlines and retries")
struct DecisionRunTests {
    static let task = ScheduledTask.fixture()
    static let slot = Instants.topOfTheHour
    static let job = Job.fixture(for: task, slot: slot)
    static let started = slot.plus(seconds: 4)
    static let ended = slot.plus(minutes: 2)
    static func active(_ task: ScheduledTask) -> ScheduledTask { task.withActiveRun(slot: slot) }
    static let imagePull = job.pod.waiting(reason: "ImagePullBackOff", message: "Back-off pulling image \"nope:1\"")
    static let thirdAttempt = Job.fixture(
        for: task, request: .init(name: jobName(slot, attempt: 3), slot: slot, attempt: 3, runFailures: 2))
    static let onceOnlyRetrying = task.guarantee(.onceOnly).retry(startup: 2, failure: 2, backoff: 30)

    static let cases: [DecisionCase] = [
        // MARK: Transitions
        DecisionCase(
            name: "pod started → Running, Event Started", task: active(task), jobs: [job.started(at: slot)],
            pods: [job.pod.running(since: started)], now: started.plus(seconds: 1), events: ["Started"],
            runs: ["10:00 Running"], requeueAt: .at(Instants.nextHour)),
        DecisionCase(
            name: "already Running in status → no second Started",
            task: active(task).editingStatus {
                $0.runs = [.init(scheduledTime: slot, attempt: 1, job: jobName(slot), phase: .running)]
            },
            jobs: [job.started(at: slot)], pods: [job.pod.running(since: started)], now: started.plus(seconds: 5),
            noEvents: ["Started"]),
        DecisionCase(
            name: "Job complete → Succeeded, lastSuccessfulTime, failures reset, Recovered alerted",
            task: active(task).editingStatus { $0.consecutiveFailures = 2 },
            jobs: [job.started(at: slot).succeeded(at: ended)],
            pods: [job.pod.terminated(exitCode: 0, started: started, finished: ended)], now: ended.plus(seconds: 1),
            events: ["Succeeded"], alerts: [.recovered], runs: ["10:00 Succeeded Completed"], consecutiveFailures: 0,
            conditions: ["Failing=False/NoFailures"],
            check: { plan in
                #expect(plan.status.lastSuccessfulTime == ended)
                #expect(plan.status.lastResult == .succeeded)
                #expect(plan.status.active == nil)
            }),
        DecisionCase(
            name: "Job failed, Unlimited without budgets → Failed with exit code, alerted, no retry",
            task: active(task), jobs: [job.started(at: slot).failed(at: ended)],
            pods: [job.pod.terminated(exitCode: 2, started: started, finished: ended, message: "disk full")],
            now: ended, events: ["Failed"], noEvents: ["Retrying"], alerts: [.failed],
            runs: ["10:00 Failed BackoffLimitExceeded"],
            consecutiveFailures: 1, conditions: ["Failing=True/RunFailed"],
            check: { plan in
                #expect(plan.status.runs?.last?.message == "exit code 2 (Error): disk full")
                #expect(plan.status.retries == nil)
            }),
        DecisionCase(
            name: "active deadline hit → DeadlineExceeded from the Job's condition, alerted",
            task: active(task.activeDeadline(120)), jobs: [job.started(at: slot).deadlineExceeded(at: ended)],
            now: ended, events: ["DeadlineExceeded"], alerts: [.deadlineExceeded],
            runs: ["10:00 DeadlineExceeded DeadlineExceeded"], consecutiveFailures: 1),
        DecisionCase(
            name: "running with activeDeadlineSeconds → requeue at Job start + limit",
            task: active(task.activeDeadline(120)), jobs: [job.started(at: slot)],
            pods: [job.pod.running(since: started)],
            now: started, requeueAt: .at(slot.plus(seconds: 120))),
        DecisionCase(
            name: "running past longRunningSeconds → LongRunning once",
            task: active(task.alerting(on: [.longRunning], longRunning: 600)), jobs: [job.started(at: slot)],
            pods: [job.pod.running(since: started)], now: started.plus(seconds: 600), events: ["LongRunning"],
            alerts: [.longRunning],
            check: { plan in #expect(plan.status.active?.first?.longRunningReported == true) }),
        DecisionCase(
            name: "LongRunning already reported → not again",
            task: active(task.alerting(on: [.longRunning], longRunning: 600)).editingStatus {
                $0.active?[0].longRunningReported = true
            }, jobs: [job.started(at: slot)], pods: [job.pod.running(since: started)], now: started.plus(seconds: 900),
            noEvents: ["LongRunning"], alerts: []),
        DecisionCase(
            name: "running, long-running mark ahead → requeue at the mark",
            task: active(task.alerting(longRunning: 600)), jobs: [job.started(at: slot)],
            pods: [job.pod.running(since: started)], now: started.plus(seconds: 10),
            requeueAt: .at(started.plus(seconds: 600))),

        // MARK: Starting deadline covers the pod start
        DecisionCase(
            name: "Pending (ImagePullBackOff) before slot + startingDeadline → requeue at the deadline",
            task: active(task.startingDeadline(60)), jobs: [job], pods: [imagePull], now: slot.plus(seconds: 30),
            runs: ["10:00 Pending ImagePullBackOff"], requeueAt: .at(slot.plus(seconds: 60))),
        DecisionCase(
            name: "Pending (ImagePullBackOff) at slot + startingDeadline → Job deleted, slot Missed with the cause",
            task: active(task.startingDeadline(60)), jobs: [job], pods: [imagePull], now: slot.plus(seconds: 60),
            deletes: [jobName(slot) + ":StartingDeadlineExceeded"], events: ["Missed"], alerts: [.missed],
            runs: ["10:00 Missed StartingDeadlineExceeded"], missedRuns: 1,
            check: { plan in
                #expect(plan.status.runs?.last?.message?.contains("ImagePullBackOff: Back-off pulling image") == true)
                #expect(plan.status.active == nil)
            }),
        DecisionCase(
            name: "Unschedulable, no startingDeadline → one schedule interval, then Missed while the next slot starts",
            task: active(task), jobs: [job], pods: [job.pod.unschedulable(message: "0/3 nodes are available")],
            now: Instants.nextHour, creates: [jobName(Instants.nextHour)],
            deletes: [jobName(slot) + ":StartingDeadlineExceeded"],
            runs: ["10:00 Missed StartingDeadlineExceeded", "11:00 Pending"], missedRuns: 1),
        DecisionCase(
            name: "controller default pending limit applies when the task sets none",
            task: active(task), jobs: [job], pods: [imagePull], now: slot.plus(seconds: 30),
            settings: ControllerSettings(defaultPendingLimit: 120), requeueAt: .at(slot.plus(seconds: 120))),
        DecisionCase(
            name: "OnceOnly pending past the deadline with start-up budget → Missed attempt, retry after backoff",
            task: active(onceOnlyRetrying.startingDeadline(60)), jobs: [job], pods: [imagePull],
            now: slot.plus(seconds: 60), deletes: [jobName(slot) + ":StartingDeadlineExceeded"],
            events: ["Missed", "Retrying"],
            alerts: [], requeueAt: .at(slot.plus(seconds: 90)), missedRuns: 0,
            check: { plan in
                #expect(
                    plan.status.retries == [
                        .init(
                            scheduledTime: slot, attempt: 2, job: jobName(slot, attempt: 2),
                            notBefore: slot.plus(seconds: 90),
                            startupFailures: 1, runFailures: 0)
                    ])
            }),

        // MARK: Retries
        DecisionCase(
            name: "OnceOnly run failure within budget → retry after backoffSeconds",
            task: active(onceOnlyRetrying), jobs: [job.started(at: slot).failed(at: ended)],
            pods: [job.pod.terminated(exitCode: 1, started: started, finished: ended)], now: ended.plus(seconds: 1),
            events: ["Failed", "Retrying"], alerts: [.failed], requeueAt: .at(ended.plus(seconds: 30)),
            check: { plan in #expect(plan.status.retries?.first?.runFailures == 1) }),
        DecisionCase(
            name: "backoff not over → nothing, requeue at its end",
            task: onceOnlyRetrying.scheduled(through: slot).withPendingRetry(
                slot: slot, notBefore: ended.plus(seconds: 30), startupFailures: 0, runFailures: 1),
            jobs: [job.started(at: slot).failed(at: ended)], now: ended.plus(seconds: 10),
            requeueAt: .at(ended.plus(seconds: 30))),
        DecisionCase(
            name: "backoff over → attempt 2 created with the failure counts on the Job",
            task: onceOnlyRetrying.scheduled(through: slot).withPendingRetry(
                slot: slot, notBefore: ended.plus(seconds: 30), startupFailures: 0, runFailures: 1),
            jobs: [job.started(at: slot).failed(at: ended)], now: ended.plus(seconds: 30),
            creates: [jobName(slot, attempt: 2)], events: ["Retried"],
            check: { plan in
                #expect(plan.status.retries == nil)
                let created = plan.jobCreations.first?.job
                #expect(created?[path: ["metadata", "annotations", "punctual.dev/run-failures"]] == "1")
                #expect(created?[path: ["metadata", "annotations", "punctual.dev/attempt"]] == "2")
            }),
        DecisionCase(
            name: "backoff over but attempt 1 still terminating → never two attempts alive: wait",
            task: onceOnlyRetrying.scheduled(through: slot).withPendingRetry(
                slot: slot, notBefore: ended, startupFailures: 1, runFailures: 0), jobs: [job.deleting(since: ended)],
            now: ended.plus(seconds: 30)),
        DecisionCase(
            name: "attempt 3 fails, failure budget 2 spent → RetriesExhausted recorded and alerted",
            task: onceOnlyRetrying.withActiveRun(slot: slot, attempt: 3),
            jobs: [thirdAttempt.started(at: ended).failed(at: ended.plus(minutes: 1))],
            pods: [thirdAttempt.pod.terminated(exitCode: 1, started: ended, finished: ended.plus(minutes: 1))],
            now: ended.plus(minutes: 2), events: ["Failed", "RetriesExhausted"], noEvents: ["Retrying"],
            alerts: [.failed, .retriesExhausted], conditions: ["Failing=True/RetriesExhausted"],
            check: { plan in #expect(plan.status.retries == nil) }),
        DecisionCase(
            name: "OnceMost failure → never retried",
            task: active(task.guarantee(.onceMost)), jobs: [job.started(at: slot).failed(at: ended)],
            pods: [job.pod.terminated(exitCode: 1, started: started, finished: ended)], now: ended,
            noEvents: ["Retrying"],
            check: { plan in #expect(plan.status.retries == nil) }),
        DecisionCase(
            name: "Unlimited with a failure budget retries too",
            task: active(task.retry(failure: 1, backoff: 10)), jobs: [job.started(at: slot).failed(at: ended)],
            pods: [job.pod.terminated(exitCode: 1, started: started, finished: ended)], now: ended,
            events: ["Retrying"],
            requeueAt: .at(ended.plus(seconds: 10))),
        DecisionCase(
            name: "a config error that never started counts against the start-up budget",
            task: active(task.guarantee(.onceOnly).retry(startup: 1, failure: 0)),
            jobs: [job.failed(at: ended, reason: "PodFailurePolicy")],
            pods: [job.pod.waiting(reason: "CreateContainerConfigError", message: "secret missing")], now: ended,
            events: ["Retrying"], check: { plan in #expect(plan.status.retries?.first?.startupFailures == 1) }),
    ]

    @Test(arguments: cases)
    func decide(_ row: DecisionCase) { row.verify() }

    struct Backoff: Sendable, CustomTestStringConvertible {
        let name: String
        let attempt: Int
        let base: Int
        let wait: TimeInterval
        var testDescription: String { name }
    }

    @Test(arguments: [
        Backoff(name: "after attempt 1: backoffSeconds", attempt: 1, base: 30, wait: 30),
        Backoff(name: "after attempt 2: doubled", attempt: 2, base: 30, wait: 60),
        Backoff(name: "after attempt 4: ×8", attempt: 4, base: 30, wait: 240),
        Backoff(name: "capped at 600 s", attempt: 6, base: 30, wait: 600),
        Backoff(name: "huge attempt numbers do not overflow", attempt: 500, base: 30, wait: 600),
        Backoff(name: "zero backoff retries at once", attempt: 3, base: 0, wait: 0),
    ])
    func backoff(_ row: Backoff) {
        #expect(RetryBudget.backoff(afterAttempt: row.attempt, backoffSeconds: row.base) == row.wait)
    }
}

extension DecisionRunTests {
    @Test("OnceOnly: a successful attempt closes the slot; no retry, none later")
    func successClosesTheSlot() {
        let second = Job.fixture(
            for: Self.task,
            request: .init(name: jobName(Self.slot, attempt: 2), slot: Self.slot, attempt: 2, runFailures: 1))
        DecisionCase(
            name: "attempt 2 succeeded",
            task: Self.onceOnlyRetrying.withActiveRun(slot: Self.slot, attempt: 2),
            jobs: [
                Self.job.started(at: Self.slot).failed(at: Self.ended),
                second.succeeded(at: Self.ended.plus(minutes: 5)),
            ],
            now: Self.ended.plus(minutes: 5), noEvents: ["Retrying"],
            runs: ["10:00 #2 Succeeded Completed"], requeueAt: .at(Instants.nextHour),
            check: { plan in
                #expect(plan.status.retries == nil)
                #expect(plan.status.active == nil)
            }
        ).verify()
    }

    @Test("RetriesExhausted is recorded on the run entry, keeping the failure cause")
    func exhaustedOnTheEntry() {
        let plan = Decision.plan(
            for: Observation(
                task: Self.onceOnlyRetrying.withActiveRun(slot: Self.slot, attempt: 3),
                jobs: [Self.thirdAttempt.started(at: Self.ended).failed(at: Self.ended.plus(minutes: 1))],
                pods: [
                    Self.thirdAttempt.pod.terminated(
                        exitCode: 1, started: Self.ended, finished: Self.ended.plus(minutes: 1), message: "boom")
                ],
                now: Self.ended.plus(minutes: 2)))
        let entry = plan.status.runs?.last
        #expect(entry?.reason == "RetriesExhausted")
        #expect(entry?.message == "BackoffLimitExceeded: exit code 1 (Error): boom")
    }
}
