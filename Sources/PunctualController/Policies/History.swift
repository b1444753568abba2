import Foundation
import KubeClient

// MARK: - History limits

extension DecisionState {
    /// Deletes finished Jobs beyond `successfulJobsLimit` / `failedJobsLimit`, oldest first, and
    /// only for closed slots (no attempt alive, no retry pending), so a retry's predecessor is
    /// never pruned while the slot is still open.
    mutating func pruneHistory() {
        let finished = observed.filter { $0.phase.isFinished && !$0.isBeingDeleted }
        let open = Set(
            observed.filter { !$0.phase.isFinished }.map { SlotKey(slot: $0.slot, trigger: $0.trigger) }
                + (status.retries ?? []).map { SlotKey(slot: $0.scheduledTime, trigger: $0.trigger) })
        func prune(_ runs: [ObservedRun], limit: Int) {
            let excess = runs.count - max(0, limit)
            guard excess > 0 else { return }
            let oldestFirst = runs.sorted {
                ($0.finishedAt ?? $0.slot, $0.slot, $0.attempt) < ($1.finishedAt ?? $1.slot, $1.slot, $1.attempt)
            }
            for run in oldestFirst.filter({ !open.contains(SlotKey(slot: $0.slot, trigger: $0.trigger)) }).prefix(
                excess)
            {
                actions.append(.deleteJob(JobDeletion(name: run.jobName, reason: .historyLimit)))
            }
        }
        prune(finished.filter { $0.phase == .succeeded }, limit: spec.successfulJobsLimit)
        prune(finished.filter { $0.phase != .succeeded }, limit: spec.failedJobsLimit)
    }

    /// A slot, told apart from a run started by hand at the same instant.
    private struct SlotKey: Hashable {
        var slot: Date
        var trigger: String?
    }
}
