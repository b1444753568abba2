import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// What becomes of a run's alert when the status that recorded the alerted outcome was lost with
/// the leader that decided it.
///
/// Leader A records the alert pending in the task's ledger before its status write, and holds
/// the delivery until that status is stored; A dies with its status unwritten. Leader B decides
/// from the stored status and the world it observes, and stores its own status. A's pending alert
/// goes out only when that stored status records its outcome: B decided the same alert (released
/// with B's status) or the maintenance pass finds it recorded (``RecordedOutcome``). When the world
/// moved on and B records another outcome, the alert is never sent (finished unsent once the run
/// is decided otherwise). Before, A sent it at once and these rows described an outcome no status
/// records (docs/soak.md, "Alerts sent before their status is stored").
@Suite("Decision: an alert whose status write was lost")
struct DecisionAlertFailoverTests {
    /// OnceMost under Forbid, a 30 s starting deadline, alerting on Failed and Missed.
    static let task = ScheduledTask.fixture(schedule: "* * * * *").guarantee(.onceMost).concurrency(.forbid)
        .startingDeadline(30).alerting(on: [.failed, .missed])
    static let slot = Instants.topOfTheHour
    static let job = Job.fixture(for: task, slot: slot)
    /// The stored status: the run active and Pending, as after its create and status write.
    static let stored = task.withActiveRun(slot: slot)

    /// Leader A: the pod is still Pending one second past the starting deadline.
    static let decisionA = Decision.plan(
        for: Observation(task: stored, jobs: [job], pods: [Pod.fixture(for: job)], now: slot.plus(seconds: 31)))

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// What leader B observes, from the same stored status.
        var jobs: [Job]
        var pods: [Pod]
        var now: Date
        /// Whether B records the outcome A alerted.
        var recordsTheAlertedOutcome: Bool
        /// What the maintenance pass makes of A's pending alert once B's status is stored.
        var verdict: RecordedOutcome
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "A died before its delete; the pod is still Pending → B decides the same Missed (ledger dedup)",
            jobs: [job], pods: [Pod.fixture(for: job)], now: slot.plus(seconds: 40), recordsTheAlertedOutcome: true,
            verdict: .recorded),
        Case(
            name: "A's delete went through, its status did not → B records Failed JobDeleted; Missed never sent",
            jobs: [], pods: [], now: slot.plus(seconds: 61), recordsTheAlertedOutcome: false,
            verdict: .contradicted("status records the run Failed (JobDeleted)")),
        Case(
            name: "A's cache was behind: the pod started before the deadline → B records Running; Missed kept unsent",
            jobs: [job], pods: [Pod.fixture(for: job).running(since: slot.plus(seconds: 29))],
            now: slot.plus(seconds: 40), recordsTheAlertedOutcome: false, verdict: .undecided),
    ]

    @Test func leaderAAlertsMissedBeforeItsStatusIsStored() {
        let kinds = Self.decisionA.actions.compactMap { action -> String? in
            switch action {
            case .alert(let alert): "alert \(alert.kind.rawValue)"
            case .updateStatus: "status"
            default: nil
            }
        }
        #expect(kinds == ["alert Missed", "status"], "the alert is recorded before the status is submitted")
        #expect(Self.decisionA.status.runs?.last?.phase == .missed)
        #expect(RecordedOutcome.of(Self.decisionA.alerts[0], in: Self.decisionA.status) == .recorded)
    }

    @Test(arguments: cases)
    func alertedOutcomeIsSentOnlyWhenTheStoredStatusRecordsIt(_ testCase: Case) throws {
        let alerted = try #require(Self.decisionA.alerts.first)
        let decisionB = Decision.plan(
            for: Observation(task: Self.stored, jobs: testCase.jobs, pods: testCase.pods, now: testCase.now))
        let recorded = (decisionB.status.runs ?? []).contains {
            $0.scheduledTime == alerted.scheduledTime && $0.attempt == alerted.attempt && $0.phase == .missed
        }
        let summary = (decisionB.status.runs ?? []).map { "\($0.phase.rawValue) \($0.reason ?? "-")" }
        #expect(recorded == testCase.recordsTheAlertedOutcome, "B's status: \(summary)")

        // A's delivery was held for A's status and abandoned with it. It goes out when B decides
        // the same alert (released after B's status write) or when the maintenance pass finds
        // its outcome in B's stored status.
        let reDecided = decisionB.alerts.contains {
            $0.kind == alerted.kind && $0.scheduledTime == alerted.scheduledTime && $0.attempt == alerted.attempt
        }
        let verdict = RecordedOutcome.of(alerted, in: decisionB.status)
        #expect(verdict == testCase.verdict)
        let delivered = reDecided || verdict == .recorded
        #expect(delivered == recorded, "an alert goes out if and only if a stored status records its outcome")
    }

    @Test func anUndecidedRunIsFinishedUnsentOnceRecordedOtherwise() throws {
        let alerted = try #require(Self.decisionA.alerts.first)
        // B saw the pod start before the deadline; C sees the run succeed.
        let running = Pod.fixture(for: Self.job).running(since: Self.slot.plus(seconds: 29))
        let decisionB = Decision.plan(
            for: Observation(task: Self.stored, jobs: [Self.job], pods: [running], now: Self.slot.plus(seconds: 40)))
        var afterB = Self.stored
        afterB.status = decisionB.status
        let finished = Self.slot.plus(seconds: 50)
        let succeeded = Pod.fixture(for: Self.job).terminated(
            exitCode: 0, started: Self.slot.plus(seconds: 29), finished: finished)
        let decisionC = Decision.plan(
            for: Observation(
                task: afterB, jobs: [Self.job.succeeded(at: finished)], pods: [succeeded],
                now: Self.slot.plus(seconds: 55)))
        let summary = (decisionC.status.runs ?? []).map { "\($0.phase.rawValue) \($0.reason ?? "-")" }
        #expect(
            RecordedOutcome.of(alerted, in: decisionC.status)
                == .contradicted("status records the run Succeeded (Completed)"),
            "C's status: \(summary)")
    }
}
