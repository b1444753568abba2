import Alerting
import Foundation
import PunctualController
import PunctualTestSupport
import Testing

/// The maintenance pass's test before it sends a pending alert nobody delivers: does the stored
/// status record the outcome the alert describes, is the run still undecided, or was it decided
/// otherwise?
@Suite("Recorded outcome: an alert against the stored status")
struct RecordedOutcomeTests {
    typealias Run = ScheduledTaskStatus.Run
    static let slot = Instants.topOfTheHour
    static let later = slot.plus(minutes: 1)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: AlertKind
        var attempt = 1
        /// Builds the stored status (`nil`: the task has none yet).
        var status: @Sendable () -> ScheduledTaskStatus?
        var expected: RecordedOutcome
        var testDescription: String { name }
    }

    static func status(
        runs: [Run] = [], active: [ScheduledTaskStatus.ActiveRun] = [], last: Date? = nil,
        retries: [ScheduledTaskStatus.PendingRetry] = [], queued: [Date] = []
    ) -> ScheduledTaskStatus {
        var status = ScheduledTaskStatus()
        status.runs = runs
        status.active = active
        status.lastScheduleTime = last
        status.retries = retries
        status.queued = queued
        return status
    }

    static func run(_ phase: Run.Phase, attempt: Int = 1, reason: String? = nil) -> Run {
        Run(scheduledTime: slot, attempt: attempt, job: "report-1", phase: phase, reason: reason)
    }

    static let cases: [Case] = [
        Case(name: "no status yet → undecided", kind: .failed, status: { nil }, expected: .undecided),
        Case(
            name: "Failed recorded → recorded", kind: .failed, status: { status(runs: [run(.failed)]) },
            expected: .recorded),
        Case(
            name: "Failed alert, run recorded Failed for another attempt only → undecided", kind: .failed, attempt: 2,
            status: { status(runs: [run(.failed)], last: slot) }, expected: .undecided),
        Case(
            name: "DeadlineExceeded recorded → recorded", kind: .deadlineExceeded,
            status: { status(runs: [run(.deadlineExceeded)]) }, expected: .recorded),
        Case(
            name: "Missed recorded → recorded", kind: .missed, status: { status(runs: [run(.missed)]) },
            expected: .recorded),
        Case(
            name: "Missed alert, run recorded Failed JobDeleted → contradicted", kind: .missed,
            status: { status(runs: [run(.failed, reason: "JobDeleted")]) },
            expected: .contradicted("status records the run Failed (JobDeleted)")),
        Case(
            name: "Missed alert, run still Running and active → undecided", kind: .missed,
            status: {
                status(runs: [run(.running)], active: [.init(name: "report-1", scheduledTime: slot, attempt: 1)])
            }, expected: .undecided),
        Case(
            name: "Skipped recorded → recorded", kind: .skipped, status: { status(runs: [run(.skipped)]) },
            expected: .recorded),
        Case(
            name: "Recovered alert, run Succeeded → recorded", kind: .recovered,
            status: { status(runs: [run(.succeeded)]) }, expected: .recorded),
        Case(
            name: "RetriesExhausted alert, run Failed, reason RetriesExhausted → recorded", kind: .retriesExhausted,
            status: { status(runs: [run(.failed, reason: "RetriesExhausted")]) }, expected: .recorded),
        Case(
            name: "RetriesExhausted alert, run Failed and retried instead → contradicted", kind: .retriesExhausted,
            status: { status(runs: [run(.failed, reason: "BackoffLimitExceeded")]) },
            expected: .contradicted("status records the run Failed (BackoffLimitExceeded)")),
        Case(
            name: "LongRunning reported on the active run → recorded", kind: .longRunning,
            status: {
                status(
                    runs: [run(.running)],
                    active: [.init(name: "report-1", scheduledTime: slot, attempt: 1, longRunningReported: true)])
            }, expected: .recorded),
        Case(
            name: "LongRunning not reported on the active run → undecided", kind: .longRunning,
            status: {
                status(runs: [run(.running)], active: [.init(name: "report-1", scheduledTime: slot, attempt: 1)])
            }, expected: .undecided),
        Case(
            name: "LongRunning, the run finished unreported → contradicted", kind: .longRunning,
            status: { status(runs: [run(.succeeded)]) }, expected: .contradicted("status records the run Succeeded")),
        Case(
            name: "no run, the cursor past the slot → contradicted", kind: .missed,
            status: { status(last: later) }, expected: .contradicted("status records no run of this slot and attempt")),
        Case(
            name: "no run, the cursor at the slot → undecided", kind: .missed, status: { status(last: slot) },
            expected: .undecided),
        Case(
            name: "no run, the slot queued behind the cursor → undecided", kind: .missed,
            status: { status(last: later, queued: [slot]) }, expected: .undecided),
        Case(
            name: "no run of attempt 2, its retry pending → undecided", kind: .failed, attempt: 2,
            status: {
                status(
                    last: later,
                    retries: [
                        .init(
                            scheduledTime: slot, attempt: 2, job: "report-1-r2", notBefore: later, startupFailures: 0,
                            runFailures: 1)
                    ])
            }, expected: .undecided),
        // Regression (soak, under load): a retry whose create only a lost status recorded is in no
        // stored list; the next leader adopts its Job and records it, so its alert must wait.
        Case(
            name: "no trace of attempt 3, attempt 2 recorded Failed, the cursor past the slot → undecided",
            kind: .failed, attempt: 3,
            status: { status(runs: [run(.failed), run(.failed, attempt: 2)], last: later) }, expected: .undecided),
        Case(
            name: "no run of attempt 2, a later attempt of the slot recorded → contradicted", kind: .failed,
            attempt: 2, status: { status(runs: [run(.failed), run(.succeeded, attempt: 3)], last: later) },
            expected: .contradicted("status records a later attempt of this slot, not this one")),
        Case(
            name: "no run of attempt 2, the slot older than every recorded run (trimmed) → contradicted",
            kind: .failed, attempt: 2,
            status: {
                status(
                    runs: [Run(scheduledTime: later, attempt: 1, job: "report-2", phase: .succeeded)],
                    last: later)
            }, expected: .contradicted("status no longer records this slot (trimmed from the history)")),
    ]

    @Test(arguments: cases)
    func verdict(_ testCase: Case) {
        let alert = PlannedAlert(
            kind: testCase.kind, scheduledTime: Self.slot, attempt: testCase.attempt, job: "report-1", message: "m",
            reason: nil, consecutiveFailures: 1)
        #expect(RecordedOutcome.of(alert, in: testCase.status()) == testCase.expected)
    }
}
