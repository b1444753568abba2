import Foundation
import KubeClient

// MARK: - Starting slots under the guarantee and the concurrency policy

extension DecisionState {
    /// Whether one more run may be active (`maxConcurrent`; unlimited under Allow without it).
    var hasCapacity: Bool {
        guard let limit = spec.effectiveMaxConcurrent else { return true }
        return activeNames.count < limit
    }

    /// How long after its due instant a slot may still be created, by guarantee: OnceMost uses
    /// its starting deadline or the on-time window (later, it was missed while no controller
    /// ran); OnceOnly the larger of that and its catch-up window; Unlimited its starting
    /// deadline, else no limit (CronJob).
    var creationWindow: TimeInterval? {
        let explicit = spec.startingDeadlineSeconds.map(TimeInterval.init)
        switch spec.effectiveGuarantee {
        case .onceMost: return explicit ?? settings.onTimeWindow
        case .unlimited: return explicit
        case .onceOnly:
            return max(explicit ?? settings.onTimeWindow, TimeInterval(spec.catchUpWindowSeconds ?? 0))
        }
    }

    /// Records missed slots, then starts (or skips, replaces, queues) each due slot in order.
    mutating func scheduleSlots() {
        guard let schedule else { return }
        let selection = SlotSelection.select(
            schedule: schedule, guarantee: spec.effectiveGuarantee, cursor: cursor,
            horizon: now.addingTimeInterval(-jitter), window: creationWindow, keepMissed: spec.runsLimit,
            maximumCandidates: settings.maximumCatchUpSlots, maximumCounted: settings.maximumCountedMisses)
        recordMissed(selection)
        var held: [Date] = []
        let newestAdopted = adoptedSlots.max()
        let started = startedSlots
        for slot in selection.candidates {
            if started.contains(slot) {
                // Its Job exists already (adopted, see adopt(_:)): a slot is never started twice.
                advanceLastSchedule(to: slot)
                continue
            }
            if spec.effectiveConcurrencyPolicy == .replace, let newestAdopted, slot < newestAdopted {
                // A newer run replaced it already; starting it now would replace that one.
                skip(slot: slot, trigger: nil)
                continue
            }
            guard held.isEmpty else {
                held.append(slot)
                continue
            }
            if hasCapacity {
                createJob(
                    .init(name: JobNaming.name(task: taskName, slot: slot), slot: slot), due: dueInstant(of: slot))
                continue
            }
            switch spec.effectiveConcurrencyPolicy {
            case .forbid, .allow:
                skip(slot: slot, trigger: nil)
            case .replace:
                replaceActiveRuns(by: slot)
                createJob(
                    .init(name: JobNaming.name(task: taskName, slot: slot), slot: slot), due: dueInstant(of: slot))
            case .queue:
                held.append(slot)
            }
        }
        hold(held)
        if selection.isTruncated { hasMoreWorkNow = true }
    }

    /// The scheduled slots whose first attempt has a Job, observed or recorded.
    private var startedSlots: Set<Date> {
        var slots = Set(observed.filter { $0.attempt == 1 && $0.trigger == nil }.map(\.slot))
        for run in status.active ?? [] where run.name == JobNaming.name(task: taskName, slot: run.scheduledTime) {
            slots.insert(run.scheduledTime)
        }
        return slots
    }

    /// Records the slots the selection gave up on, once: individually (the newest, up to
    /// runsLimit) in `runs`, all of them in `missedRuns`, with one Event and one alert.
    private mutating func recordMissed(_ selection: SlotSelection) {
        guard selection.missedCount > 0, let newest = selection.missed.last else { return }
        let queued = Set(previous.queued ?? [])
        for missed in selection.missed {
            let wasQueued = queued.contains(missed.slot)
            record(
                .init(
                    scheduledTime: missed.slot, attempt: 1, phase: .missed, completionTime: stamp,
                    reason: missed.reason,
                    message: wasQueued ? "held in the queue past its starting deadline" : "not started in time"))
            advanceLastSchedule(to: missed.slot)
        }
        status.missedRuns = (status.missedRuns ?? 0) + Int64(selection.missedCount)
        countFailure(newest.reason, phase: .missed, count: selection.missedCount)
        let count = selection.missedCountIsFloor ? "at least \(selection.missedCount)" : "\(selection.missedCount)"
        let message =
            selection.missedCount == 1
            ? "slot \(describe(newest.slot)) was missed (\(newest.reason))"
            : "\(count) slots up to \(describe(newest.slot)) were missed (\(newest.reason))"
        event(.warning, "Missed", message)
        alert(.missed, slot: newest.slot, attempt: 1, job: nil, message, reason: newest.reason)
    }

    /// Creates the Job of a run and records it active (and the slot as scheduled) in status.
    mutating func createJob(_ request: JobBuilder.Request, due: Date, reason: String = "Created") {
        // The Job name is the lock: a 409 means already done, which closes the crash window
        // between creating the Job and writing status (the executor creates before it writes
        // status; the next decision adopts a Job status does not know), and makes a second
        // controller acting at the same time harmless.
        actions.append(
            .createJob(
                JobCreation(
                    name: request.name, slot: request.slot, attempt: request.attempt, tier: spec.effectiveTier,
                    due: due, job: JobBuilder.job(for: observation.task, request))))
        var active = status.active ?? []
        active.append(
            .init(name: request.name, scheduledTime: request.slot, attempt: request.attempt, createdAt: stamp))
        status.active = active
        activeNames.insert(request.name)
        if request.trigger == nil { advanceLastSchedule(to: request.slot) }
        // The run's starting deadline, measured as startingDeadline(of:) will measure it once
        // the Job is observed; requeue for it even if no watch event arrives before then.
        if let limit = pendingLimit(for: request.slot) {
            let isLateByDesign = request.attempt > 1 || request.trigger != nil || spec.effectiveGuarantee == .onceOnly
            self.due(at: (isLateByDesign ? max(due, stamp) : due).addingTimeInterval(limit))
        }
        let lateness = now.timeIntervalSince(due)
        let late = lateness > settings.latenessThreshold ? "created \(Int(lateness.rounded()))s late" : nil
        record(
            .init(
                scheduledTime: request.slot, attempt: request.attempt, job: request.name, phase: .pending,
                reason: lateness > settings.latenessThreshold ? "Late" : nil, message: late))
        event(
            .normal, reason,
            "created Job \(request.name) for slot \(describe(request.slot))"
                + (request.attempt > 1 ? " (attempt \(request.attempt))" : "") + (late.map { ", \($0)" } ?? ""))
    }

    /// Records a slot Skipped because of the concurrency policy (Forbid never buffers it).
    mutating func skip(slot: Date, trigger: String?) {
        let policy = spec.effectiveConcurrencyPolicy
        let running = activeNames.sorted().joined(separator: ", ")
        let message =
            "\(running) still active (concurrencyPolicy \(policy.rawValue)"
            + (policy == .allow ? ", maxConcurrent \(spec.maxConcurrent ?? 0))" : ")")
        record(
            .init(
                scheduledTime: slot, attempt: 1, phase: .skipped, completionTime: stamp,
                reason: policy == .forbid ? "ConcurrencyForbidden" : "MaxConcurrentReached", message: message))
        if trigger == nil { advanceLastSchedule(to: slot) }
        status.lastResult = .skipped
        event(.warning, "Skipped", "slot \(describe(slot)) skipped: \(message)")
        alert(
            .skipped, slot: slot, attempt: 1, job: nil, message,
            reason: policy == .forbid ? "ConcurrencyForbidden" : "MaxConcurrentReached")
    }

    /// Holds due slots under Queue until a run finishes, while their window allows.
    private mutating func hold(_ held: [Date]) {
        let before = Set(previous.queued ?? [])
        for slot in held where !before.contains(slot) {
            event(
                .normal, "Queued", "slot \(describe(slot)) waits for a running run to finish (concurrencyPolicy Queue)")
        }
        if let window = creationWindow, let oldest = held.first {
            due(at: dueInstant(of: oldest).addingTimeInterval(window + 1))
        }
        status.queued = held
    }
}
