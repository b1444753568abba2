import Foundation
import KubeClient

// MARK: - Following runs: adoption, transitions, vanished Jobs

extension DecisionState {
    /// What kind of failure ended an attempt, for the retry budgets.
    enum FailureKind {
        /// Never got running: image pull errors, unschedulable past the deadline, config errors.
        case startup
        /// A container ran and exited non-zero, or the run hit its active deadline.
        case run
    }

    /// Compares every observed Job with status: adopts Jobs status does not know yet, emits an
    /// Event for every phase transition, concludes finished runs, and closes active runs whose
    /// Job vanished.
    mutating func trackRuns() {
        let knownActive = Dictionary((previous.active ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for run in observed {
            if let known = knownActive[run.jobName] {
                if let slot = known.replacedBy {
                    followReplaced(run, by: slot)
                    continue
                }
                if run.isActive { activeNames.insert(run.jobName) }
                follow(run)
                continue
            }
            if let known = entry(job: run.jobName), known.phase.isFinished {
                repeatDeletionIfNeeded(run, entry: known)
                continue
            }
            // Jobs status does not know are adopted only when they belong to work status has not
            // caught up with. Others for older slots are ones we deleted (Replace, a starting
            // deadline) whose history entry already scrolled out, or history: never adopt those,
            // or their disappearance would later read as a vanished run.
            guard isUnrecorded(run) else { continue }
            adopt(run)
            replaceOlderRuns(adopting: run)
            follow(run)
        }
        closeVanishedRuns(knownActive)
    }

    /// Whether a Job status does not mention belongs to work status has not caught up with (a
    /// crash between its create and the status write): a slot after lastScheduleTime, a retry
    /// status still waits for, or a manual run of the trigger value not yet recorded.
    ///
    /// A first attempt whose slot status records Missed or Skipped (a leader replaced without
    /// knowing it created the Job while this one gave the slot up) is not adopted: the record
    /// stands, because the alert it planned may be released by any later write of the task's
    /// status, and a status that no longer showed the Missed run would contradict it.
    private func isUnrecorded(_ run: ObservedRun) -> Bool {
        if previous.retries?.contains(where: { $0.job == run.jobName }) == true { return true }
        if let trigger = run.trigger {
            return trigger != previous.lastTrigger
                && trigger == observation.task.metadata.annotations?[ScheduledTask.triggerAnnotation]
        }
        guard run.attempt == 1 else { return isUnrecordedRetry(run) }
        return previous.lastScheduleTime.map { run.slot > $0 } ?? true
    }

    /// Whether a retry Job is one whose record was lost with its status (the status that moved it
    /// from `retries` to `active`, and maybe the one that planned it): history still holds the
    /// attempt before it and nothing of this attempt or a later one. A Job this controller
    /// deleted (Replace, a starting deadline) has an entry of its own, and one whose history
    /// scrolled out has no entry before it either; neither is adopted.
    private func isUnrecordedRetry(_ run: ObservedRun) -> Bool {
        let runs = (previous.runs ?? []).filter { $0.scheduledTime == run.slot }
        return runs.contains { $0.attempt == run.attempt - 1 } && !runs.contains { $0.attempt >= run.attempt }
    }

    /// Takes over a Job status does not know: the previous decision created it but its status
    /// write was lost. It is followed like any other run, never created a second time.
    private mutating func adopt(_ run: ObservedRun) {
        var active = status.active ?? []
        active.append(
            .init(name: run.jobName, scheduledTime: run.slot, attempt: run.attempt, createdAt: run.createdAt ?? stamp))
        status.active = active
        if run.isActive { activeNames.insert(run.jobName) }
        status.retries?.removeAll { $0.job == run.jobName }
        if let trigger = run.trigger {
            // Only the value still on the task: an older trigger's Job must not re-arm it.
            if trigger == observation.task.metadata.annotations?[ScheduledTask.triggerAnnotation] {
                status.lastTrigger = trigger
            }
        } else if spec.effectiveGuarantee == .onceOnly {
            // The slots before it are still to be decided (scheduleSlots walks them in order and
            // passes this one): a status lost with its Skipped or queued slots must not turn into
            // slots passed over without a record.
            if run.attempt == 1 { adoptedSlots.insert(run.slot) }
        } else {
            advanceLastSchedule(to: run.slot)
        }
        event(.normal, "Adopted", "Job \(run.jobName) for slot \(describe(run.slot)) was created before a restart")
    }

    /// Records the run's current phase and concludes it when it finished.
    mutating func follow(_ run: ObservedRun) {
        let before = entry(job: run.jobName)
        if run.phase.isFinished {
            conclude(run)
            return
        }
        // Only a known Pending entry turns into Started: an entry that scrolled out of the capped
        // history must not announce the start again on every reconcile.
        if run.phase == .running, let before, before.phase == .pending {
            let skew = run.startedAt.map { Int($0.timeIntervalSince(run.slot).rounded()) } ?? 0
            event(.normal, "Started", "Job \(run.jobName) is running, \(skew)s after slot \(describe(run.slot))")
        }
        record(
            .init(
                scheduledTime: run.slot, attempt: run.attempt, job: run.jobName, phase: run.phase.runPhase,
                startTime: run.startedAt, reason: run.reason ?? before?.reason,
                message: run.message ?? before?.message))
    }

    /// Concludes a finished run: history, counters, Events, alerts, and a retry when the budget
    /// allows.
    private mutating func conclude(_ run: ObservedRun) {
        removeActive(run.jobName)
        let finished = run.finishedAt ?? stamp
        var entry = ScheduledTaskStatus.Run(
            scheduledTime: run.slot, attempt: run.attempt, job: run.jobName, phase: run.phase.runPhase,
            startTime: run.startedAt, completionTime: finished, reason: run.reason, message: run.message)
        switch run.phase {
        case .succeeded:
            entry.reason = "Completed"
            record(entry)
            status.lastResult = .succeeded
            if status.lastSuccessfulTime.map({ $0 < finished }) ?? true { status.lastSuccessfulTime = finished }
            event(.normal, "Succeeded", "Job \(run.jobName) for slot \(describe(run.slot)) succeeded")
            if (status.consecutiveFailures ?? 0) > 0 {
                alert(
                    .recovered, slot: run.slot, attempt: run.attempt, job: run.jobName,
                    "succeeded after \(status.consecutiveFailures ?? 0) failed, missed or timed-out runs",
                    reason: "Completed")
            }
            status.consecutiveFailures = 0
        case .failed, .deadlineExceeded:
            let isTimeout = run.phase == .deadlineExceeded
            let kind: FailureKind = run.isStartupFailure ? .startup : .run
            let detail = run.message ?? run.reason ?? "no detail"
            entry.message = detail
            record(entry)
            countFailure(isTimeout ? "DeadlineExceeded" : "RunFailed", phase: run.phase.runPhase)
            event(
                .warning, isTimeout ? "DeadlineExceeded" : "Failed",
                "Job \(run.jobName) for slot \(describe(run.slot)) "
                    + "\(isTimeout ? "exceeded its active deadline" : "failed"): \(detail)"
            )
            alert(
                isTimeout ? .deadlineExceeded : .failed, slot: run.slot, attempt: run.attempt, job: run.jobName, detail,
                reason: run.reason)
            considerRetry(of: run, kind: kind, failedAt: finished)
        case .pending, .running:
            break
        }
    }

    /// Counts a failed, missed or timed-out run towards condition Failing.
    mutating func countFailure(_ reason: String, phase: ScheduledTaskStatus.Run.Phase, count: Int = 1) {
        status.consecutiveFailures = (status.consecutiveFailures ?? 0) + count
        status.lastResult = phase
        failureReason = reason
    }

    mutating func removeActive(_ name: String) {
        status.active?.removeAll { $0.name == name }
        activeNames.remove(name)
    }

    /// A Job we decided to delete (past its starting deadline, replaced) that is still alive:
    /// the delete was lost in a crash or an error, so it is sent again.
    private mutating func repeatDeletionIfNeeded(_ run: ObservedRun, entry: ScheduledTaskStatus.Run) {
        guard run.isActive, let reason = JobDeletion.Reason(rawValue: entry.reason ?? "") else { return }
        // The cache lags behind our own delete for a moment; only a Job still alive well after
        // the decision to delete it means the delete was lost.
        let decidedAt = entry.completionTime ?? stamp
        guard now >= decidedAt.addingTimeInterval(settings.vanishedJobGrace) else {
            due(at: decidedAt.addingTimeInterval(settings.vanishedJobGrace))
            return
        }
        actions.append(.deleteJob(JobDeletion(name: run.jobName, reason: reason)))
    }

    /// Active runs whose Job is gone. A Job just created may not be in the cache yet, so the
    /// verdict waits for `vanishedJobGrace`; then the run is closed as Failed (JobDeleted) and
    /// never recreated or retried: its outcome is unknown, and running it again could double it.
    /// A run marked replaced is closed as `Replaced` instead.
    private mutating func closeVanishedRuns(_ knownActive: [String: ScheduledTaskStatus.ActiveRun]) {
        let seen = Set(observed.map(\.jobName))
        for (name, run) in knownActive.sorted(by: { $0.key < $1.key }) where !seen.contains(name) {
            // The mark may be this decision's own (an adopted Job replaced this run).
            let replacedBy = status.active?.first { $0.name == name }?.replacedBy
            if let created = run.createdAt, now < created.addingTimeInterval(settings.vanishedJobGrace) {
                if replacedBy == nil { activeNames.insert(name) }
                due(at: created.addingTimeInterval(settings.vanishedJobGrace))
                continue
            }
            if let replacedBy {
                closeReplaced(run, by: replacedBy)
                continue
            }
            removeActive(name)
            let message = "the Job disappeared before its result was observed; the slot is not run again"
            record(
                .init(
                    scheduledTime: run.scheduledTime, attempt: run.attempt, job: name, phase: .failed,
                    startTime: entry(job: name)?.startTime, completionTime: stamp, reason: "JobDeleted",
                    message: message))
            countFailure("JobDeleted", phase: .failed)
            event(.warning, "JobDeleted", "Job \(name) for slot \(describe(run.scheduledTime)): \(message)")
            alert(.failed, slot: run.scheduledTime, attempt: run.attempt, job: name, message, reason: "JobDeleted")
        }
    }
}
