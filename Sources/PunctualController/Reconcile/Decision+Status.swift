import Foundation
import KubeClient

// MARK: - Validity, schedule, suspension and conditions

extension DecisionState {
    /// Condition names, as `kubectl wait --for=condition=...` uses them.
    enum ConditionType {
        static let ready = "Ready"
        static let suspended = "Suspended"
        static let failing = "Failing"
        static let invalidSpec = "InvalidSpec"
    }

    /// Sets condition InvalidSpec, with a Warning Event each time the set of problems changes
    /// (not on every reconcile: the task is not requeued until its spec changes).
    mutating func recordValidity(_ problems: [SpecProblem]) {
        if problems.isEmpty {
            setCondition(ConditionType.invalidSpec, false, reason: "Valid", message: "the spec is valid")
            return
        }
        let message = problems.map(\.description).joined(separator: "; ")
        let before = previous.conditions?.first { $0.type == ConditionType.invalidSpec }
        if before?.status != "True" || before?.message != message {
            event(.warning, "InvalidSpec", message)
        }
        setCondition(ConditionType.invalidSpec, true, reason: "InvalidSpec", message: message)
    }

    /// Records the schedule acted on. A changed schedule or zone moves `status.schedule.since`
    /// to now: slots before the edit are never run (CronJob runs them "retroactively").
    mutating func recordSchedule() {
        let expression = spec.schedule.trimmingCharacters(in: .whitespacesAndNewlines)
        let zone = spec.effectiveTimeZone
        guard let current = previous.schedule else {
            // First sight: slots count from the task's creation, so a task created while no
            // controller ran still catches up (OnceOnly) or records its misses. A task that was
            // invalid until now was just edited: like any edit, it starts from now.
            let wasInvalid = previous.conditions?.contains {
                $0.type == ConditionType.invalidSpec && $0.status == "True"
            }
            let since = wasInvalid == true ? stamp : observation.task.metadata.creationTimestamp ?? stamp
            status.schedule = .init(expression: expression, timeZone: zone, since: since)
            return
        }
        if current.expression != expression || current.timeZone != zone {
            status.schedule = .init(expression: expression, timeZone: zone, since: stamp)
            event(
                .normal, "ScheduleChanged",
                "schedule \"\(current.expression)\" (\(current.timeZone)) → \"\(expression)\" (\(zone)); "
                    + "slots before \(describe(stamp)) are not run")
        }
    }

    /// Notes once per spec generation that the pod template's own PriorityClass wins over the tier.
    mutating func notePriorityClass() {
        guard JobBuilder.templateNamesPriorityClass(spec),
            previous.observedGeneration != observation.task.metadata.generation
        else { return }
        let name = spec.jobTemplate[path: ["spec", "template", "spec", "priorityClassName"]]?.stringValue ?? ""
        event(
            .normal, "PriorityClassFromTemplate",
            "the pod template names priorityClassName \(name); it is used instead of tier "
                + spec.effectiveTier.rawValue)
    }

    /// Sets condition Suspended. Its `lastTransitionTime` with reason `Resumed` is the resume
    /// instant: slots before it are neither run nor counted as missed.
    mutating func recordSuspension() {
        let before = previous.conditions?.first { $0.type == ConditionType.suspended }
        if isSuspended {
            if before?.status != "True" { event(.normal, "Suspended", "no new runs until spec.suspend is false") }
            setCondition(ConditionType.suspended, true, reason: "Suspended", message: "spec.suspend is true")
        } else if before?.status == "True" {
            event(.normal, "Resumed", "slots that fell while suspended are not run")
            setCondition(ConditionType.suspended, false, reason: "Resumed", message: "resumed; no backfill")
        } else if before == nil {
            setCondition(ConditionType.suspended, false, reason: "NotSuspended", message: "spec.suspend is false")
        }
    }

    /// The instant the task was last resumed, if it ever was.
    var resumedAt: Date? {
        guard let condition = status.conditions?.first(where: { $0.type == ConditionType.suspended }),
            condition.status == "False", condition.reason == "Resumed"
        else { return nil }
        return condition.lastTransitionTime
    }

    /// Slots strictly after this instant are considered: the later of the last slot acted on,
    /// the last schedule edit, the last resume and the task's creation.
    var cursor: Date {
        [
            status.lastScheduleTime, status.schedule?.since, resumedAt, observation.task.metadata.creationTimestamp,
        ].compactMap { $0 }.max() ?? stamp
    }

    /// Sets a condition, keeping `lastTransitionTime` when the status does not change.
    mutating func setCondition(_ type: String, _ isTrue: Bool, reason: String, message: String) {
        status.setCondition(
            type, isTrue, reason: reason, message: message, now: stamp,
            observedGeneration: observation.task.metadata.generation)
    }

    // MARK: - Final status

    /// Normalises the lists, caps the history, sets nextScheduleTime and conditions Ready and
    /// Failing.
    mutating func finishStatus() {
        let active = (status.active ?? []).sorted { ($0.scheduledTime, $0.attempt) < ($1.scheduledTime, $1.attempt) }
        status.active = active.isEmpty ? nil : active
        status.activeRuns = active.count
        let runs = (status.runs ?? []).sorted { ($0.scheduledTime, $0.attempt) < ($1.scheduledTime, $1.attempt) }
        status.runs = runs.isEmpty ? nil : Array(runs.suffix(max(1, spec.runsLimit)))
        if status.retries?.isEmpty == true { status.retries = nil }
        if status.queued?.isEmpty == true { status.queued = nil }
        if status.consecutiveFailures == nil { status.consecutiveFailures = 0 }
        if status.missedRuns == nil { status.missedRuns = 0 }

        if let schedule, !isSuspended, let next = schedule.next(after: now.addingTimeInterval(-jitter)) {
            status.nextScheduleTime = next
            due(at: dueInstant(of: next))
        } else {
            status.nextScheduleTime = nil
        }

        let failures = status.consecutiveFailures ?? 0
        if failures > 0 {
            let reason = failureReason ?? previous.conditions?.first { $0.type == ConditionType.failing }?.reason
            setCondition(
                ConditionType.failing, true, reason: reason ?? "RunFailed",
                message: "\(failures) failed, missed or timed-out runs since the latest success")
        } else {
            setCondition(
                ConditionType.failing, false, reason: "NoFailures", message: "no failure since the latest success")
        }
        if schedule == nil {
            setCondition(
                ConditionType.ready, false, reason: "InvalidSpec", message: "the spec is invalid; see InvalidSpec")
        } else if isSuspended {
            setCondition(ConditionType.ready, false, reason: "Suspended", message: "spec.suspend is true")
        } else {
            setCondition(
                ConditionType.ready, true, reason: "Scheduled",
                message: "scheduling \"\(spec.schedule)\" in \(spec.effectiveTimeZone)")
        }
    }
}
