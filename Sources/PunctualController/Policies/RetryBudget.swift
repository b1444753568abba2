import Foundation
import KubeClient

// MARK: - Retry budgets and backoff

/// The retry arithmetic of `spec.retry`.
public enum RetryBudget {
    /// The longest backoff, whatever the attempt.
    public static let maximumBackoff: TimeInterval = 600

    /// The wait after attempt `failedAttempt` failed: `backoffSeconds` doubled per attempt
    /// (attempt 1 → backoffSeconds, attempt 2 → twice that...), capped at ten minutes.
    public static func backoff(afterAttempt failedAttempt: Int, backoffSeconds: Int) -> TimeInterval {
        let doublings = min(max(0, failedAttempt - 1), 20)
        return min(maximumBackoff, TimeInterval(max(0, backoffSeconds)) * TimeInterval(1 << doublings))
    }
}

extension DecisionState {
    /// Plans the next attempt of a failed run when its guarantee retries and the budget of its
    /// failure kind is not spent; records RetriesExhausted (Event and alert) when it is.
    ///
    /// - Returns: whether a retry was planned.
    @discardableResult
    mutating func considerRetry(of run: ObservedRun, kind: FailureKind, failedAt: Date) -> Bool {
        guard spec.effectiveGuarantee != .onceMost else { return false }
        var startupFailures = run.previousStartupFailures
        var runFailures = run.previousRunFailures
        let budget: Int
        let used: Int
        switch kind {
        case .startup:
            startupFailures += 1
            (budget, used) = (spec.maxStartupRetries, startupFailures)
        case .run:
            runFailures += 1
            (budget, used) = (spec.maxFailureRetries, runFailures)
        }
        guard budget > 0 else { return false }
        let label = kind == .startup ? "start-up" : "run"
        guard used <= budget else {
            let message = "slot \(describe(run.slot)) failed \(used) times (\(label) failures; budget \(budget))"
            event(.warning, "RetriesExhausted", message)
            alert(
                .retriesExhausted, slot: run.slot, attempt: run.attempt, job: run.jobName, message,
                reason: run.reason ?? "RetriesExhausted")
            failureReason = "RetriesExhausted"
            if let index = status.runs?.lastIndex(where: { $0.job == run.jobName }), var entry = status.runs?[index] {
                entry.message = [entry.reason, entry.message].compactMap { $0 }.joined(separator: ": ")
                entry.reason = "RetriesExhausted"
                status.runs?[index] = entry
            }
            return false
        }
        let attempt = run.attempt + 1
        let name =
            run.trigger.map { JobNaming.manualName(task: taskName, trigger: $0, attempt: attempt) }
            ?? JobNaming.name(task: taskName, slot: run.slot, attempt: attempt)
        let wait = RetryBudget.backoff(afterAttempt: run.attempt, backoffSeconds: spec.backoffSeconds)
        let notBefore = Date(
            timeIntervalSince1970: failedAt.addingTimeInterval(wait).timeIntervalSince1970.rounded(.up))
        var retries = status.retries ?? []
        retries.removeAll { $0.job == name }
        retries.append(
            .init(
                scheduledTime: run.slot, attempt: attempt, job: name, notBefore: notBefore,
                startupFailures: startupFailures, runFailures: runFailures, trigger: run.trigger))
        status.retries = retries
        event(
            .normal, "Retrying",
            "slot \(describe(run.slot)) attempt \(attempt) (\(label) retry \(used) of \(budget)) "
                + "at \(describe(notBefore))"
        )
        return true
    }

    /// Creates the retries whose backoff ended, oldest slot first, when no attempt of the slot
    /// is alive (never two at once) and the concurrency limit allows; others wait.
    mutating func startDueRetries() {
        let pending = (status.retries ?? []).sorted { ($0.scheduledTime, $0.attempt) < ($1.scheduledTime, $1.attempt) }
        for retry in pending {
            guard now >= retry.notBefore else {
                due(at: retry.notBefore)
                continue
            }
            let sameSlotAlive = observed.contains {
                $0.slot == retry.scheduledTime && $0.trigger == retry.trigger && !$0.phase.isFinished
            }
            guard !sameSlotAlive, hasCapacity else { continue }
            status.retries?.removeAll { $0.job == retry.job }
            createJob(
                .init(
                    name: retry.job, slot: retry.scheduledTime, attempt: retry.attempt, trigger: retry.trigger,
                    startupFailures: retry.startupFailures, runFailures: retry.runFailures),
                due: retry.notBefore, reason: "Retried")
        }
    }
}
