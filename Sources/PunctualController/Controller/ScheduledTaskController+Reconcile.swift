import Foundation
import KubeClient
import KubeRuntime
import Logging

/// What the server said about the Job a task's template produces, for one generation.
enum TemplateVerdict: Sendable, Equatable {
    case accepted(generation: Int64?)
    case rejected(generation: Int64?, message: String)

    var generation: Int64? {
        switch self {
        case .accepted(let generation), .rejected(let generation, _): generation
        }
    }
}

// MARK: - One reconcile

extension ScheduledTaskController {
    /// Reconciles one task: read the caches, decide, execute, and say when to come back.
    func reconcile(_ key: String) async -> ReconcileResult {
        guard isLeading else { return .done }
        // Past the renew deadline without the renew loop having noticed yet (a starved process):
        // leadership is about to end, or a late renewal restores the lease. Try again after backoff.
        guard holdsCurrentLease else { return .retry() }
        guard var task = cachedTask(key) else {
            statusWriter.forget(key)
            _ = awaitingStoredStatus.remove(key)
            _ = templateVerdicts.withLock { $0.removeValue(forKey: key) }
            _ = deferredDryRuns.withLock { $0.remove(key) }
            return .done
        }
        let priority = task.spec.effectiveTier.rank
        let overlay = statusWriter.overlay(for: task)
        if let overlay { task.status = overlay }
        var metadata: Logger.Metadata = ["task": "\(key)"]

        let known = knownVerdict(on: task, key: key)
        if case .rejected(_, let message) = known {
            await rejectTemplate(of: task, key: key, message: message)
            return .done
        }

        let jobs = dependents(self.jobs, of: key)
        let observation = Observation(
            task: task, jobs: jobs, pods: dependents(pods, of: key), now: clock.currentDate,
            settings: configuration.settings, isStatusStored: overlay == nil)
        let plan = decide(observation)
        // A template not yet checked for this generation: a Job create is the check itself (a
        // rejection is handled below); otherwise the dry run runs, after the first decisions of the
        // tasks that are due (a fresh leader enqueues every task at once).
        if known == nil, plan.jobCreations.isEmpty {
            if deferredDryRuns.withLock({ $0.insert(key).inserted }) {
                return .requeue(after: .zero, priority: priority)
            }
            switch await checkTemplate(of: task, key: key) {
            case .accepted:
                break
            case .rejected(_, let message):
                await rejectTemplate(of: task, key: key, message: message)
                return .done
            case nil:
                return retry(plan, priority: priority)
            }
        }
        let report = await executor.execute(plan, for: task, jobs: jobs)
        let decideAgainNow = plan.awaitsStoredStatus && awaitStoredStatus(of: key)
        if known == nil, let created = report.created.first, plan.jobCreations.contains(where: { $0.name == created }) {
            remember(.accepted(generation: task.metadata.generation), for: key)
        }
        if let failure = report.failures.first(where: { $0.operation == .createJob }) {
            metadata["error"] = "\(failure)"
            if failure.disposition == .terminal {
                // The server refuses the Job: the template is wrong, which only a spec change fixes.
                logger.error("the API server rejects the task's Job", metadata: metadata)
                remember(.rejected(generation: task.metadata.generation, message: "\(failure.underlying)"), for: key)
                await rejectTemplate(of: task, key: key, message: "\(failure.underlying)")
                return .done
            }
            logger.warning("creating a Job failed; retrying with backoff", metadata: metadata)
            return retry(plan, priority: priority)
        }
        if report.needsRetry { return retry(plan, priority: priority) }
        if decideAgainNow { return .requeue(after: .zero, priority: priority) }
        guard let requeueAt = plan.requeueAt else { return .done }
        return .requeue(after: delay(until: requeueAt), priority: priority)
    }

    /// Arranges for `key` to be decided again once its status write lands: the status writer
    /// enqueues it then. Returns true when the write has landed already and the cache shows it,
    /// so the caller decides again now; when the cache does not show it yet, its watch event will.
    private func awaitStoredStatus(of key: String) -> Bool {
        // Registered before the check: a write landing in between still brings the task back.
        awaitingStoredStatus.insert(key)
        guard !statusWriter.isWritePending(key) else { return false }
        _ = awaitingStoredStatus.remove(key)
        guard let cached = cachedTask(key) else { return false }
        return statusWriter.overlay(for: cached) == nil
    }

    /// A retry with backoff that still comes back by the plan's `requeueAt`: a failure (Job create,
    /// delete, dry run) must not make the task sleep past its next slot or deadline.
    private func retry(_ plan: Plan, priority: Int) -> ReconcileResult {
        .retry(priority: priority, atLatest: plan.requeueAt.map(delay(until:)))
    }

    /// How long from now until `instant`, zero when it passed.
    private func delay(until instant: Date) -> Duration {
        max(.zero, clock.now.duration(to: WallInstant(instant)))
    }

    // MARK: - Template dry run

    /// The verdict on the task's template for its current generation when it is known without
    /// asking the server; `nil` when the template still has to be checked.
    private func knownVerdict(on task: ScheduledTask, key: String) -> TemplateVerdict? {
        let generation = task.metadata.generation
        if let known = templateVerdicts.withLock({ $0[key] }), known.generation == generation { return known }
        // A rejection recorded in status for this generation (by us before a restart, or by the
        // previous leader) stands: only a spec change can fix the template.
        if let recorded = Self.recordedRejection(in: task) {
            remember(recorded, for: key)
            return recorded
        }
        // A spec with semantic problems is reported by the decision; the server need not see it.
        guard SpecValidation.problems(in: task.spec).isEmpty else { return .accepted(generation: generation) }
        return nil
    }

    /// The verdict on the task's template for its current generation, dry-running the Job
    /// when the generation is new; `nil` when the dry run could not be performed (retry).
    private func checkTemplate(of task: ScheduledTask, key: String) async -> TemplateVerdict? {
        let generation = task.metadata.generation
        if let known = knownVerdict(on: task, key: key) { return known }
        let verdict: TemplateVerdict
        do {
            try await executor.dryRunJob(for: task)
            verdict = .accepted(generation: generation)
        } catch {
            guard error.disposition == .terminal else {
                logger.warning("dry run of the task's Job failed", metadata: ["task": "\(key)", "error": "\(error)"])
                return nil
            }
            verdict = .rejected(generation: generation, message: "\(error.underlying)")
        }
        remember(verdict, for: key)
        return verdict
    }

    /// The rejection `reportRejectedTemplate` wrote into the task's status for its current
    /// generation, if any.
    static func recordedRejection(in task: ScheduledTask) -> TemplateVerdict? {
        let generation = task.metadata.generation
        guard
            let condition = task.status?.conditions?.first(where: { $0.type == "InvalidSpec" }),
            condition.status == "True", condition.reason == rejectedTemplateReason,
            condition.observedGeneration == generation, let text = condition.message,
            text.hasPrefix(rejectedTemplatePrefix)
        else { return nil }
        return .rejected(generation: generation, message: String(text.dropFirst(rejectedTemplatePrefix.count)))
    }

    static let rejectedTemplateReason = "JobRejected"
    static let rejectedTemplatePrefix = "spec.jobTemplate: the API server rejects the Job: "

    private func remember(_ verdict: TemplateVerdict, for key: String) {
        templateVerdicts.withLock { $0[key] = verdict }
        _ = deferredDryRuns.withLock { $0.remove(key) }
    }

    /// Releases the placeholders of a task whose template the server rejects, and reports it.
    private func rejectTemplate(of task: ScheduledTask, key: String, message: String) async {
        await releasePlaceholders(of: task, key: key)
        await reportRejectedTemplate(task, message: message)
    }

    /// Deletes the placeholder Pods of a task whose template the API server rejects: no run will
    /// take their capacity. (The decision, which releases them otherwise, does not run for it.)
    private func releasePlaceholders(of task: ScheduledTask, key: String) async {
        let observation = Observation(task: task, pods: dependents(pods, of: key), now: clock.currentDate)
        let actions = observation.placeholders.compactMap { pod -> Action? in
            guard let name = pod.metadata.name, pod.metadata.deletionTimestamp == nil else { return nil }
            return .deletePlaceholder(PlaceholderDeletion(name: name, uid: pod.metadata.uid, reason: .notWanted))
        }
        guard !actions.isEmpty else { return }
        let plan = Plan(actions: actions, status: task.status ?? ScheduledTaskStatus(), requeueAt: nil)
        _ = await executor.execute(plan, for: task, jobs: [])
    }

    /// Sets `InvalidSpec` (and `Ready` false) for a template the API server rejects, with a
    /// Warning Event the first time; the task is not requeued until its spec changes.
    private func reportRejectedTemplate(_ task: ScheduledTask, message: String) async {
        let now = clock.currentDate
        let text = Self.rejectedTemplatePrefix + message
        var status = task.status ?? ScheduledTaskStatus()
        let before = status
        status.observedGeneration = task.metadata.generation
        status.reservation = nil
        let generation = task.metadata.generation
        status.setCondition(
            "InvalidSpec", true, reason: Self.rejectedTemplateReason, message: text, now: now,
            observedGeneration: generation)
        status.setCondition(
            "Ready", false, reason: "InvalidSpec", message: text, now: now, observedGeneration: generation)
        guard status != before else { return }
        let plan = Plan(
            actions: [
                .updateStatus(status),
                .emitEvent(PlannedEvent(type: .warning, reason: "InvalidSpec", message: text)),
            ], status: status, requeueAt: nil)
        _ = await executor.execute(plan, for: task, jobs: [])
    }
}
