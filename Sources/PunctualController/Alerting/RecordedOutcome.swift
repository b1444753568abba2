import Alerting
import Foundation

/// What a task's stored status says about the outcome an alert describes: the test the
/// maintenance pass applies before it sends a `pending` alert nobody delivers.
///
/// An alert is recorded in the ledger before the status of its decision is stored. When that
/// status is lost (the leader died or lost its lease in between), the next leader decides again
/// and can record the run otherwise — e.g. Failed (`JobDeleted`) instead of Missed. Sending the
/// alert then would describe an outcome no status shows, so it is sent only once the stored
/// status records it, kept while the run is undecided, and finished unsent otherwise.
public enum RecordedOutcome: Sendable, Hashable {
    /// The stored status records the alerted outcome: send it.
    case recorded
    /// The run is not decided yet (active, queued, waiting for a retry, or not in status yet):
    /// keep it pending.
    case undecided
    /// The stored status records the run otherwise; the associated text says how (for the ledger).
    case contradicted(String)

    /// The verdict of `status` on `alert` (its slot, attempt and kind).
    ///
    /// Outcomes: a run of that slot and attempt in the alert's phase (Failed, DeadlineExceeded,
    /// Missed, Skipped; Succeeded for Recovered), with reason `RetriesExhausted` for
    /// RetriesExhausted; for LongRunning, the active run's `longRunningReported`. A run that is
    /// neither in `runs`, `active`, `queued` nor `retries` is contradicted too when status records
    /// a later attempt of its slot, when its slot is older than every recorded run (trimmed from
    /// the history), or, for a first attempt, when `lastScheduleTime` moved past it (passed over).
    /// A later attempt with no trace is undecided: a retry whose create only a lost status
    /// recorded is adopted, and recorded, by the next leader.
    public static func of(_ alert: Alert, in status: ScheduledTaskStatus?) -> RecordedOutcome {
        of(alert.kind, slot: alert.scheduledTime, attempt: alert.attempt, in: status)
    }

    /// The verdict of `status` on a planned alert (as ``of(_:in:)-(Alert,_)``).
    public static func of(_ alert: PlannedAlert, in status: ScheduledTaskStatus?) -> RecordedOutcome {
        of(alert.kind, slot: alert.scheduledTime, attempt: alert.attempt, in: status)
    }

    private static func of(
        _ kind: AlertKind, slot: Date, attempt: Int, in status: ScheduledTaskStatus?
    ) -> RecordedOutcome {
        let status = status ?? ScheduledTaskStatus()
        let isRun = { (runSlot: Date, runAttempt: Int) in runSlot == slot && runAttempt == attempt }
        let active = status.active?.last { isRun($0.scheduledTime, $0.attempt) }
        if kind == .longRunning {
            if active?.longRunningReported == true { return .recorded }
            if active != nil { return .undecided }
        }
        guard let run = status.runs?.last(where: { isRun($0.scheduledTime, $0.attempt) }) else {
            let isRetrying = status.retries?.contains { isRun($0.scheduledTime, $0.attempt) } == true
            let isQueued = attempt == 1 && status.queued?.contains(slot) == true
            if active != nil || isRetrying || isQueued { return .undecided }
            let runs = status.runs ?? []
            if runs.contains(where: { $0.scheduledTime == slot && $0.attempt > attempt }) {
                return .contradicted("status records a later attempt of this slot, not this one")
            }
            if attempt > 1 {
                // A retry whose create only a lost status recorded is in no stored list: the next
                // leader adopts its Job and records it. Only a slot trimmed from the history is
                // past deciding.
                if let oldest = runs.map(\.scheduledTime).min(), slot < oldest {
                    return .contradicted("status no longer records this slot (trimmed from the history)")
                }
                return .undecided
            }
            if let last = status.lastScheduleTime, last > slot {
                return .contradicted("status records no run of this slot and attempt")
            }
            return .undecided
        }
        guard run.phase.isFinished else { return .undecided }
        let matches: Bool =
            switch kind {
            case .failed: run.phase == .failed
            case .deadlineExceeded: run.phase == .deadlineExceeded
            case .missed: run.phase == .missed
            case .skipped: run.phase == .skipped
            case .recovered: run.phase == .succeeded
            case .retriesExhausted: run.reason == "RetriesExhausted"
            case .longRunning: false
            }
        if matches { return .recorded }
        let reason = run.reason.map { " (\($0))" } ?? ""
        return .contradicted("status records the run \(run.phase.rawValue)\(reason)")
    }
}
