import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// What the decision hands to the alert dispatcher: which kinds (by `spec.alerting.on`), with
/// which details, and condition AlertingReady mirrored from the dispatcher's annotation.
@Suite("Decision: alerts and AlertingReady")
struct DecisionAlertTests {
    static let task = ScheduledTask.fixture()
    static let slot = Instants.topOfTheHour
    static let job = Job.fixture(for: task, slot: slot)
    static let started = slot.plus(seconds: 4)
    static let ended = slot.plus(minutes: 2)
    static let failedJob = job.started(at: slot).failed(at: ended)
    static let failedPod = job.pod.terminated(exitCode: 3, started: started, finished: ended, message: "db down")
    static let running = Job.fixture(for: task, slot: Instants.previousHour).started(at: Instants.previousHour)
    static let runningPod = running.pod.running(since: Instants.previousHour.plus(seconds: 3))
    static let weekAgo = slot.plus(days: -7)
    static let old = ScheduledTask.fixture(created: slot.plus(days: -30))

    static func active(_ task: ScheduledTask, failuresBefore: Int = 0) -> ScheduledTask {
        task.withActiveRun(slot: slot).editingStatus { $0.consecutiveFailures = failuresBefore }
    }

    static func withProblem(_ task: ScheduledTask, _ problem: String) -> ScheduledTask {
        task.with { task in
            var annotations = task.metadata.annotations ?? [:]
            annotations[ScheduledTask.alertingProblemAnnotation] = problem
            task.metadata.annotations = annotations
        }
    }

    /// Checks the only planned alert's details.
    static func expectAlert(
        reason: String?, streak: Int, job: String?, attempt: Int = 1, slot: Date = slot
    ) -> @Sendable (Plan) -> Void {
        { plan in
            guard let alert = plan.alerts.first else {
                Issue.record("no alert planned")
                return
            }
            #expect(alert.reason == reason, "reason")
            #expect(alert.consecutiveFailures == streak, "consecutiveFailures")
            #expect(alert.job == job, "job")
            #expect(alert.attempt == attempt, "attempt")
            #expect(alert.scheduledTime == slot, "scheduledTime")
        }
    }

    static let cases: [DecisionCase] = [
        // MARK: Details carried by each kind
        DecisionCase(
            name: "Failed carries the Job, the cause and the streak including this failure",
            task: active(task, failuresBefore: 1), jobs: [failedJob], pods: [failedPod], now: ended,
            alerts: [.failed],
            check: expectAlert(reason: "BackoffLimitExceeded", streak: 2, job: jobName(slot))),
        DecisionCase(
            name: "alerts are dispatched before the status write that marks their transition handled",
            task: active(task), jobs: [failedJob], pods: [failedPod], now: ended, alerts: [.failed],
            check: { plan in
                let alert = plan.actions.firstIndex { $0.dispatchClass == .alert }
                let status = plan.actions.firstIndex { $0.dispatchClass == .statusWrite }
                #expect((alert ?? .max) < (status ?? .min), "alert at \(alert ?? -1), status at \(status ?? -1)")
            }),
        DecisionCase(
            name: "Recovered carries how many failures preceded the success",
            task: active(task, failuresBefore: 3), jobs: [job.started(at: slot).succeeded(at: ended)],
            now: ended.plus(seconds: 1), alerts: [.recovered],
            check: expectAlert(reason: "Completed", streak: 3, job: jobName(slot))),
        DecisionCase(
            name: "Missed after a downtime: one alert for the newest slot, reason Superseded, the whole streak",
            task: old.scheduled(through: weekAgo), now: Instants.justAfterTheHour, creates: [jobName(slot)],
            alerts: [.missed],
            check: expectAlert(reason: "Superseded", streak: 167, job: nil, slot: Instants.previousHour)),
        DecisionCase(
            name: "Missed at the starting deadline carries reason StartingDeadlineExceeded",
            task: active(task.startingDeadline(60)), jobs: [job],
            pods: [job.pod.waiting(reason: "ErrImagePull", message: "not found")], now: slot.plus(seconds: 60),
            deletes: [jobName(slot) + ":StartingDeadlineExceeded"], alerts: [.missed],
            check: expectAlert(reason: "StartingDeadlineExceeded", streak: 1, job: jobName(slot))),

        // MARK: spec.alerting.on
        DecisionCase(
            name: "Failed not in on → Event only, no alert",
            task: active(task.alerting(on: [.recovered])), jobs: [failedJob], pods: [failedPod], now: ended,
            events: ["Failed"], alerts: []),
        DecisionCase(
            name: "Skipped is not in the default on → Event only",
            task: task.concurrency(.forbid).withActiveRun(slot: Instants.previousHour), jobs: [running],
            pods: [runningPod], now: Instants.justAfterTheHour, events: ["Skipped"], alerts: []),
        DecisionCase(
            name: "Skipped in on, Forbid drops the slot → alert with reason ConcurrencyForbidden",
            task: task.concurrency(.forbid).alerting(on: [.skipped]).withActiveRun(slot: Instants.previousHour),
            jobs: [running], pods: [runningPod], now: Instants.justAfterTheHour, events: ["Skipped"],
            alerts: [.skipped],
            check: expectAlert(reason: "ConcurrencyForbidden", streak: 0, job: nil)),
        DecisionCase(
            name: "Recovered not in on → no alert on success after failures",
            task: active(task.alerting(on: [.failed]), failuresBefore: 2),
            jobs: [job.started(at: slot).succeeded(at: ended)], now: ended.plus(seconds: 1), alerts: []),
        DecisionCase(
            name: "success without earlier failures → no Recovered",
            task: active(task), jobs: [job.started(at: slot).succeeded(at: ended)], now: ended.plus(seconds: 1),
            alerts: []),

        // MARK: AlertingReady
        DecisionCase(
            name: "problem annotation → AlertingReady=False with its reason",
            task: withProblem(task, "SecretNotFound: Secret default/alerts (key slack-url) not found"),
            now: Instants.justAfterTheHour, creates: [jobName(slot)],
            conditions: ["AlertingReady=False/SecretNotFound"],
            check: { plan in
                let condition = plan.status.conditions?.first { $0.type == "AlertingReady" }
                #expect(condition?.message == "Secret default/alerts (key slack-url) not found")
            }),
        DecisionCase(
            name: "problem gone after AlertingReady=False → True/ReceiversResolved",
            task: task.editingStatus {
                $0.setCondition(
                    "AlertingReady", false, reason: "SecretNotFound", message: "x", now: Instants.previousHour,
                    observedGeneration: 1)
            }, now: Instants.justAfterTheHour, creates: [jobName(slot)],
            conditions: ["AlertingReady=True/ReceiversResolved"]),
        DecisionCase(
            name: "never a problem → no AlertingReady condition",
            task: task, now: Instants.justAfterTheHour, creates: [jobName(slot)],
            check: { plan in #expect(plan.status.conditions?.contains { $0.type == "AlertingReady" } != true) }),
    ]

    @Test(arguments: cases)
    func decide(_ testCase: DecisionCase) {
        testCase.verify()
    }
}
