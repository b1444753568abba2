import Foundation
import KubeClient

// MARK: - History limits

extension DecisionState {
    /// Deletes finished Jobs beyond `successfulJobsLimit` / `failedJobsLimit`, oldest first, and
    /// only for closed slots (no attempt alive, no retry pending), so a retry's predecessor is
    /// never pruned while the slot is still open.
    ///
    /// An attempt is alive when its Job is observed unfinished, and also when status holds it
    /// active: a retry created by this decision, or by one whose Job the cache has not shown yet.
    ///
    /// A Job is pruned only once a stored status records its outcome: never while deciding from
    /// an unwritten status (the plan asks to be decided again once the write lands, see
    /// ``Plan/awaitsStoredStatus``), and never in the decision that concludes
    /// it (the stored status still lists it active, as a pending retry, or not at all). Otherwise
    /// a lost status write leaves a next leader with a run whose Job is gone: an active one reads
    /// as vanished (JobDeleted, never retried) and a retry created meanwhile is never adopted; a
    /// pending retry or a slot not recorded as started is started again, so the attempt runs twice.
    mutating func pruneHistory() {
        let finished = observed.filter { $0.phase.isFinished && !$0.isBeingDeleted && isRecordedFinished($0) }
        let open = Set(
            observed.filter { !$0.phase.isFinished }.map { SlotKey(slot: $0.slot, trigger: $0.trigger) }
                + (status.retries ?? []).map { SlotKey(slot: $0.scheduledTime, trigger: $0.trigger) })
        // Active entries do not name their trigger: a slot with one is open whatever started it.
        let activeSlots = Set((status.active ?? []).map(\.scheduledTime))
        func isClosed(_ run: ObservedRun) -> Bool {
            !open.contains(SlotKey(slot: run.slot, trigger: run.trigger)) && !activeSlots.contains(run.slot)
        }
        func prune(_ runs: [ObservedRun], limit: Int) {
            let excess = runs.count - max(0, limit)
            guard excess > 0 else { return }
            let oldestFirst = runs.sorted {
                ($0.finishedAt ?? $0.slot, $0.slot, $0.attempt) < ($1.finishedAt ?? $1.slot, $1.slot, $1.attempt)
            }
            // Deciding from an unwritten status: the decision after the write prunes. Not a timed
            // requeue, which would poll for as long as status writes fail.
            let closed = oldestFirst.filter(isClosed)
            guard observation.isStatusStored else {
                if !closed.isEmpty { awaitsStoredStatus = true }
                return
            }
            for run in closed.prefix(excess) {
                actions.append(.deleteJob(JobDeletion(name: run.jobName, reason: .historyLimit)))
            }
        }
        prune(finished.filter { $0.phase == .succeeded }, limit: spec.successfulJobsLimit)
        prune(finished.filter { $0.phase != .succeeded }, limit: spec.failedJobsLimit)
    }

    /// Whether the stored status records `run` as over: its Job is named by a finished run entry,
    /// or, named nowhere in it, the run is older than every entry (its record was trimmed by
    /// `runsLimit`, or predates the history).
    private func isRecordedFinished(_ run: ObservedRun) -> Bool {
        let runs = previous.runs ?? []
        if runs.contains(where: { $0.job == run.jobName && $0.phase.isFinished }) { return true }
        let named =
            runs.contains { $0.job == run.jobName } || (previous.active ?? []).contains { $0.name == run.jobName }
            || (previous.retries ?? []).contains { $0.job == run.jobName }
        guard !named, let oldest = runs.map(\.scheduledTime).min() ?? previous.lastScheduleTime else { return false }
        return run.slot < oldest
    }

    /// A slot, told apart from a run started by hand at the same instant.
    private struct SlotKey: Hashable {
        var slot: Date
        var trigger: String?
    }
}
