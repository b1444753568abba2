import Foundation
import KubeClient

// MARK: - Replace: marking, deleting and recording replaced runs

extension DecisionState {
    /// Replaces every active run by the run of `slot` (concurrency policy Replace).
    ///
    /// Each run is marked `replacedBy` and stops counting towards concurrency at once, so the new
    /// run starts in this same plan. Its Job is deleted by a later decision, once a stored status
    /// carries the mark, and its result is recorded when the Job is seen finished or gone
    /// (``followReplaced(_:by:)``, ``closeReplaced(_:by:)``). Recording `Replaced` now, before
    /// anyone saw the delete succeed, would be wrong for a Job that completed just before it (the
    /// cache had not shown the completion yet). Deleting now, before the mark is stored, would let
    /// a crash erase the only trace of a run: an OnceOnly catch-up under Replace creates a slot's Job
    /// and replaces it in the same plan, and a new leader finding neither that Job nor a status
    /// naming it could record nothing for the slot.
    mutating func replaceActiveRuns(by slot: Date) {
        for name in activeNames.sorted() {
            markReplaced(name, by: slot)
        }
    }

    /// A Job adopted under Replace (its creator crashed before writing status) replaced the runs
    /// of older slots then active: mark them as its creator did, so every leader reaches the same
    /// record, whether their Jobs are still alive or already gone.
    mutating func replaceOlderRuns(adopting run: ObservedRun) {
        guard spec.effectiveConcurrencyPolicy == .replace else { return }
        for active in status.active ?? []
        where active.name != run.jobName && active.replacedBy == nil && active.scheduledTime < run.slot {
            markReplaced(active.name, by: run.slot)
        }
    }

    private mutating func markReplaced(_ name: String, by slot: Date) {
        activeNames.remove(name)
        guard let index = status.active?.firstIndex(where: { $0.name == name }) else { return }
        status.active?[index].replacedBy = slot
        event(.normal, "Replaced", "Job \(name) is replaced by slot \(describe(slot)); it is deleted")
    }

    /// Follows a run marked replaced whose Job is observed.
    ///
    /// - Complete: the completion won the race with the delete; the run is concluded Succeeded.
    /// - Failed or past its deadline: recorded `Replaced` with the failure in the message; the
    ///   slot was given up, so no retry and no alert.
    /// - Alive: deleted, with its observed resourceVersion as a precondition (a Job that finishes
    ///   meanwhile survives, and its change brings the next decision), and only when the mark is
    ///   stored (else the task is decided again once its write lands); each decision repeats the
    ///   delete until the Job is gone (a 404 is done).
    mutating func followReplaced(_ run: ObservedRun, by slot: Date) {
        switch run.phase {
        case .succeeded:
            follow(run)
        case .failed, .deadlineExceeded:
            guard let active = status.active?.first(where: { $0.name == run.jobName }) else { return }
            recordReplaced(
                active, by: slot, startTime: run.startedAt, finishedAt: run.finishedAt,
                failure: run.message ?? run.reason)
        case .pending, .running:
            follow(run)
            guard run.isActive else { return }
            guard observation.isStatusStored else {
                // The watch event of the status write can come before the writer learns that the
                // write landed; nothing else may bring this task back soon: decide again once it
                // lands (not polled, which would go on for as long as status writes fail).
                awaitsStoredStatus = true
                return
            }
            actions.append(.deleteJob(JobDeletion(name: run.jobName, reason: .replaced, isConditional: true)))
        }
    }

    /// Records a run marked replaced whose Job is gone: deleted before anything saw it finish.
    mutating func closeReplaced(_ active: ScheduledTaskStatus.ActiveRun, by slot: Date) {
        recordReplaced(active, by: slot, startTime: nil, finishedAt: nil, failure: nil)
    }

    private mutating func recordReplaced(
        _ active: ScheduledTaskStatus.ActiveRun, by slot: Date, startTime: Date?, finishedAt: Date?, failure: String?
    ) {
        removeActive(active.name)
        record(
            .init(
                scheduledTime: active.scheduledTime, attempt: active.attempt, job: active.name, phase: .failed,
                startTime: startTime ?? entry(job: active.name)?.startTime, completionTime: finishedAt ?? stamp,
                reason: JobDeletion.Reason.replaced.rawValue,
                message: "replaced by slot \(describe(slot))" + (failure.map { "; it had failed first: \($0)" } ?? "")))
    }
}
