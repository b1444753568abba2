import Cron
import Foundation
import KubeClient

/// The reconcile decision: a pure function from what the controller observes to what it does.
///
/// `Decision.plan(for:)` reads only its ``Observation`` (task, Jobs, Pods, now, settings) and
/// returns a ``Plan``; it performs no I/O and reads no clock, so every rule of DESIGN.md
/// "Semantics" is pinned by table tests, and a new leader that observes the same cluster makes
/// the same decision as the old one. It is level-triggered: it never trusts memory, only status
/// and the Jobs, so a crash between any two API writes is repaired by the next reconcile.
public enum Decision {
    /// Decides what to do for one task.
    public static func plan(for observation: Observation) -> Plan {
        var state = DecisionState(observation)
        state.decide()
        return state.plan()
    }
}

/// The working state of one decision: the status being built, the actions so far and the
/// instants at which something falls due. Policies extend it in `Policies/`.
struct DecisionState {
    let observation: Observation
    let spec: ScheduledTaskSpec
    let settings: ControllerSettings
    let now: Date
    /// `now` at whole seconds, for everything written to status (metav1.Time has no fractions,
    /// so a round trip through the server must not look like a change).
    let stamp: Date
    let taskName: String
    let previous: ScheduledTaskStatus
    let observed: [ObservedRun]

    var status: ScheduledTaskStatus
    var actions: [Action] = []
    var dueInstants: [Date] = []
    /// The parsed schedule; nil when the spec is invalid.
    var schedule: CronSchedule?
    var isSuspended: Bool { spec.isSuspended }
    /// Names of runs that count towards concurrency.
    var activeNames: Set<String> = []
    /// Why the latest failure happened, for condition Failing.
    var failureReason: String?
    /// More work is due right now (a capped catch-up); requeue without delay.
    var hasMoreWorkNow = false
    /// Something waits for a stored status (see ``Plan/awaitsStoredStatus``).
    var awaitsStoredStatus = false
    /// Scheduled slots whose first attempt's Job was adopted by this decision.
    var adoptedSlots: Set<Date> = []

    init(_ observation: Observation) {
        self.observation = observation
        spec = observation.task.spec
        settings = observation.settings
        now = observation.now
        stamp = Date(timeIntervalSince1970: observation.now.timeIntervalSince1970.rounded(.down))
        taskName = observation.task.metadata.name ?? ""
        previous = observation.task.status ?? ScheduledTaskStatus()
        observed = observation.runs
        status = previous
    }

    // MARK: - The decision

    mutating func decide() {
        status.observedGeneration = observation.task.metadata.generation
        let problems = SpecValidation.problems(in: spec)
        recordValidity(problems)
        if problems.isEmpty {
            schedule = try? CronSchedule(spec.schedule, timeZoneIdentifier: spec.effectiveTimeZone)
            recordSchedule()
            notePriorityClass()
        }
        recordSuspension()
        recordAlertingHealth()
        trackRuns()
        if schedule != nil {
            enforceStartingDeadlines()
            watchRuntime()
            if !isSuspended {
                startDueRetries()
                scheduleSlots()
            }
            handleManualTrigger()
            pruneHistory()
        }
        reserveCapacity()
        finishStatus()
    }

    /// The plan: the actions, plus a status write when anything changed.
    func plan() -> Plan {
        var actions = self.actions
        if status != previous || observation.task.status == nil { actions.append(.updateStatus(status)) }
        // Instants already past are left out: what they guarded is handled now or waits for a
        // watch event (a Job finishing), never for polling.
        let requeueAt = hasMoreWorkNow ? now : dueInstants.filter { $0 > now }.min()
        var plan = Plan(actions: actions, status: status, requeueAt: requeueAt)
        plan.awaitsStoredStatus = awaitsStoredStatus
        return plan
    }

    // MARK: - Recording helpers

    mutating func event(_ type: PlannedEvent.Kind, _ reason: String, _ message: String) {
        actions.append(.emitEvent(PlannedEvent(type: type, reason: reason, message: message)))
    }

    /// Plans an alert when the task asks for this kind (every alert is also an Event, emitted by
    /// the caller with the transition). It carries the failure streak as counted so far.
    mutating func alert(
        _ kind: PlannedAlert.Kind, slot: Date, attempt: Int, job: String?, _ message: String, reason: String? = nil
    ) {
        guard spec.alertKinds.contains(kind) else { return }
        actions.append(
            .alert(
                PlannedAlert(
                    kind: kind, scheduledTime: slot, attempt: attempt, job: job, message: message, reason: reason,
                    consecutiveFailures: Int(status.consecutiveFailures ?? 0))))
    }

    /// Something falls due at `instant`; the task is requeued for the earliest such instant.
    mutating func due(at instant: Date) { dueInstants.append(instant) }

    /// Inserts or replaces the history entry of a run (by Job name, else by slot and attempt).
    mutating func record(_ run: ScheduledTaskStatus.Run) {
        var runs = status.runs ?? []
        if let index = runs.firstIndex(where: { $0.matches(run) }) {
            runs[index] = run
        } else {
            runs.append(run)
        }
        status.runs = runs
    }

    /// The history entry of a Job, if any.
    func entry(job: String) -> ScheduledTaskStatus.Run? {
        status.runs?.last { $0.job == job }
    }

    mutating func advanceLastSchedule(to slot: Date) {
        if let last = status.lastScheduleTime, last >= slot { return }
        status.lastScheduleTime = slot
    }

    /// The task's fixed jitter offset, in whole seconds.
    var jitter: TimeInterval {
        Jitter.offset(
            seed: observation.task.metadata.uid ?? "\(observation.task.metadata.namespace ?? "")/\(taskName)",
            jitterSeconds: spec.effectiveJitterSeconds)
    }

    /// When a slot is due: the nominal slot plus the jitter.
    func dueInstant(of slot: Date) -> Date { slot.addingTimeInterval(jitter) }

    func describe(_ date: Date) -> String { KubeTime.format(date) }
}

// MARK: - Run history identity

extension ScheduledTaskStatus.Run {
    /// Same Job, or (for entries without a Job: Missed, Skipped) same slot and attempt.
    func matches(_ other: Self) -> Bool {
        if let job, let otherJob = other.job { return job == otherJob }
        return job == nil && other.job == nil && scheduledTime == other.scheduledTime && attempt == other.attempt
    }
}
