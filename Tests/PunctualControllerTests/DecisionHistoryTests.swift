import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// History limits: finished Jobs are pruned only for closed slots. A slot whose retry status
/// holds active is open even while the cache has not shown the retry's Job: its predecessor's
/// Job is what lets a next leader conclude the failed attempt and adopt the retry if the status
/// recording the retry is lost (the soak's "a finished Job no status shows").
@Suite("Decision: history limits")
struct DecisionHistoryTests {
    static let slot = Instants.topOfTheHour
    static let ended = slot.plus(minutes: 2)
    /// Unlimited, one run-failure retry after 10 s, no failed Job kept beyond open slots.
    static let task = ScheduledTask.fixture().retry(failure: 1, backoff: 10).history(failed: 0)
    static let first = Job.fixture(for: task, slot: slot)
    static let second = Job.fixture(
        for: task,
        request: .init(
            name: jobName(slot, attempt: 2), slot: slot, attempt: 2, runFailures: 1), created: ended.plus(seconds: 30))
    /// A failed Job of the previous slot, closed long ago: always prunable.
    static let older = Job.fixture(for: task, slot: Instants.previousHour).started(at: Instants.previousHour)
        .failed(at: Instants.previousHour.plus(minutes: 2))
    static let olderDeletion = jobName(Instants.previousHour) + ":HistoryLimit"

    /// Attempt 1 of the 10:00 slot as recorded once it failed.
    static let firstFailed = ScheduledTaskStatus.Run(
        scheduledTime: slot, attempt: 1, job: jobName(slot), phase: .failed, completionTime: ended,
        reason: "BackoffLimitExceeded")
    /// Both attempts of the 10:00 slot failed and are recorded; nothing is active.
    static let closedSlot = task.scheduled(through: slot).editingStatus {
        $0.runs = [
            firstFailed,
            .init(
                scheduledTime: slot, attempt: 2, job: jobName(slot, attempt: 2), phase: .failed,
                completionTime: ended.plus(minutes: 3), reason: "RetriesExhausted"),
        ]
    }
    static let closedSlotJobs = [
        older, first.started(at: slot).failed(at: ended),
        second.started(at: ended.plus(seconds: 30)).failed(at: ended.plus(minutes: 3)),
    ]

    static let cases: [DecisionCase] = [
        DecisionCase(
            name: "attempt 1 concluded and its retry created in one decision → attempt 1's Job is kept",
            task: task.withActiveRun(slot: slot), jobs: [older, first.started(at: slot).failed(at: ended)],
            pods: [first.pod.terminated(exitCode: 1, started: slot, finished: ended)], now: ended.plus(seconds: 10),
            creates: [jobName(slot, attempt: 2)], deletes: [olderDeletion], events: ["Failed", "Retrying", "Retried"],
            runs: ["10:00 Failed BackoffLimitExceeded", "10:00 #2 Pending"]),
        DecisionCase(
            name: "retry created, its Job not in the cache yet → attempt 1's Job is kept",
            task: task.scheduled(through: slot).editingStatus {
                $0.runs = [
                    firstFailed,
                    .init(scheduledTime: slot, attempt: 2, job: jobName(slot, attempt: 2), phase: .pending),
                ]
                $0.active = [
                    .init(
                        name: jobName(slot, attempt: 2), scheduledTime: slot, attempt: 2,
                        createdAt: ended.plus(seconds: 30))
                ]
            },
            jobs: [older, first.started(at: slot).failed(at: ended)], now: ended.plus(seconds: 31),
            deletes: [olderDeletion]),
        DecisionCase(
            name: "the retry's Job finished and is recorded → the slot is closed, both attempts pruned",
            task: closedSlot, jobs: closedSlotJobs, now: ended.plus(minutes: 4),
            deletes: [olderDeletion, jobName(slot) + ":HistoryLimit", jobName(slot, attempt: 2) + ":HistoryLimit"],
            check: { #expect(!$0.awaitsStoredStatus) }),
        DecisionCase(
            name: "deciding from a status not stored yet → nothing pruned; decided again once stored, not polled",
            task: closedSlot, jobs: closedSlotJobs, now: ended.plus(minutes: 4), isStatusStored: false,
            requeueAt: .at(Instants.nextHour), check: { #expect($0.awaitsStoredStatus) }),
        DecisionCase(
            name: "not stored yet, but nothing beyond the limits → nothing waits for the write",
            task: closedSlot.history(failed: 5), jobs: closedSlotJobs, now: ended.plus(minutes: 4),
            isStatusStored: false, check: { #expect(!$0.awaitsStoredStatus) }),
        DecisionCase(
            name: "the retry concluded by this decision → its Job is kept until that is stored",
            task: task.scheduled(through: slot).editingStatus {
                $0.runs = closedSlot.status?.runs
                $0.runs?[1].phase = .running
                $0.active = [
                    .init(
                        name: jobName(slot, attempt: 2), scheduledTime: slot, attempt: 2,
                        createdAt: ended.plus(seconds: 30))
                ]
            },
            jobs: closedSlotJobs, now: ended.plus(minutes: 4),
            deletes: [olderDeletion, jobName(slot) + ":HistoryLimit"], events: ["Failed"]),
        DecisionCase(
            name: "a pending retry's Job, created by a leader whose status was lost, concluded now → kept until stored",
            task: task.scheduled(through: slot).editingStatus {
                $0.runs = [firstFailed]
                $0.retries = [
                    .init(
                        scheduledTime: slot, attempt: 2, job: jobName(slot, attempt: 2),
                        notBefore: ended.plus(seconds: 10),
                        startupFailures: 0, runFailures: 1)
                ]
            },
            jobs: closedSlotJobs, now: ended.plus(minutes: 4),
            deletes: [olderDeletion, jobName(slot) + ":HistoryLimit"], events: ["Failed"]),
        DecisionCase(
            name: "attempt 1 adopted and concluded while the stored status has not recorded its slot → kept",
            task: ScheduledTask.fixture().history(failed: 0).scheduled(through: Instants.previousHour),
            jobs: [first.started(at: slot).failed(at: ended)],
            pods: [first.pod.terminated(exitCode: 1, started: slot, finished: ended)], now: ended.plus(seconds: 10),
            events: ["Failed"], runs: ["10:00 Failed BackoffLimitExceeded"]),
    ]

    @Test(arguments: cases)
    func decide(_ row: DecisionCase) { row.verify() }
}
