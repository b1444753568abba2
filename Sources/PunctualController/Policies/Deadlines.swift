import Foundation
import KubeClient

// MARK: - Starting deadline, active deadline, long-running mark

extension DecisionState {
    /// The longest a run may take to get its pod Running: `startingDeadlineSeconds`, else the
    /// controller's default pending limit, else one schedule interval (the slot's distance to
    /// the next slot), so a Job stuck Pending can never block its task forever.
    func pendingLimit(for slot: Date) -> TimeInterval? {
        if let seconds = spec.startingDeadlineSeconds { return TimeInterval(seconds) }
        if let limit = settings.defaultPendingLimit { return limit }
        guard let schedule, let next = schedule.next(after: slot) else { return nil }
        return next.timeIntervalSince(slot)
    }

    /// The instant by which `run` must be Running.
    ///
    /// The first attempt of a scheduled slot is measured from the slot's due instant (OnceMost
    /// and Unlimited never start late). Retries, runs started by hand and OnceOnly catch-up runs
    /// are measured from their Job's creation, since they are late by design.
    func startingDeadline(of run: ObservedRun) -> Date? {
        guard let limit = pendingLimit(for: run.slot) else { return nil }
        let due = run.trigger == nil ? dueInstant(of: run.slot) : run.slot
        let isLateByDesign = run.attempt > 1 || run.trigger != nil || spec.effectiveGuarantee == .onceOnly
        let base = isLateByDesign ? max(due, run.createdAt ?? due) : due
        return base.addingTimeInterval(limit)
    }

    /// Deletes runs still Pending past their starting deadline and records them Missed (a
    /// start-up failure, retried where the budget allows).
    mutating func enforceStartingDeadlines() {
        for run in observed where run.phase == .pending && activeNames.contains(run.jobName) {
            guard let deadline = startingDeadline(of: run) else { continue }
            guard now >= deadline else {
                due(at: deadline)
                continue
            }
            actions.append(.deleteJob(JobDeletion(name: run.jobName, reason: .startingDeadlineExceeded)))
            removeActive(run.jobName)
            let cause =
                run.reason.map { reason in
                    run.message.map { $0.isEmpty ? reason : "\(reason): \($0)" } ?? reason
                } ?? "pod not running"
            let message = "not running by \(describe(deadline)) (\(cause)); the Job was deleted"
            record(
                .init(
                    scheduledTime: run.slot, attempt: run.attempt, job: run.jobName, phase: .missed,
                    completionTime: stamp, reason: JobDeletion.Reason.startingDeadlineExceeded.rawValue,
                    message: message))
            event(.warning, "Missed", "Job \(run.jobName) for slot \(describe(run.slot)) \(message)")
            let retried = considerRetry(of: run, kind: .startup, failedAt: stamp)
            countFailure("StartingDeadlineExceeded", phase: .missed)
            if !retried {
                status.missedRuns = (status.missedRuns ?? 0) + 1
                alert(
                    .missed, slot: run.slot, attempt: run.attempt, job: run.jobName, message,
                    reason: JobDeletion.Reason.startingDeadlineExceeded.rawValue)
            }
        }
    }

    /// Requeues at each running run's active deadline (the Job's own `activeDeadlineSeconds`
    /// does the kill; the next reconcile records DeadlineExceeded from its condition) and sends
    /// LongRunning once per run.
    mutating func watchRuntime() {
        for run in observed where run.phase == .running && activeNames.contains(run.jobName) {
            if let limit = spec.activeDeadlineSeconds, let start = run.jobStartTime ?? run.createdAt {
                due(at: start.addingTimeInterval(TimeInterval(limit)))
            }
            guard let seconds = spec.alerting?.longRunningSeconds, let started = run.startedAt else { continue }
            let mark = started.addingTimeInterval(TimeInterval(seconds))
            guard now >= mark else {
                due(at: mark)
                continue
            }
            guard let index = status.active?.firstIndex(where: { $0.name == run.jobName }),
                status.active?[index].longRunningReported != true
            else { continue }
            status.active?[index].longRunningReported = true
            let message = "Job \(run.jobName) has been running for more than \(seconds)s"
            event(.warning, "LongRunning", message)
            alert(.longRunning, slot: run.slot, attempt: run.attempt, job: run.jobName, message, reason: "LongRunning")
        }
    }
}
