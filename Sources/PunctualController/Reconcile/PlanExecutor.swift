import Foundation
import KubeClient
import KubeRuntime
import Logging

/// Performs a ``Plan`` with the API server: the thin, effectful half of a reconcile.
///
/// Actions run in the plan's dispatch order — Job creates, the deletes of the placeholder Pods
/// whose slot came, then alerts, the status write, events, Job deletes and finally new placeholders
/// — so that when the client's budget (`--qps`/`--burst`) is short, the writes that make a run late
/// go first. The same order is kept inside the client's rate limiter,
/// across tasks: Job creates ask with high priority, status writes with normal, events and deletes
/// with low, so a create waiting for a token overtakes the housekeeping of other tasks. Each failure
/// is classified (``ExecutionError``):
///
/// - a Job create answering 409 AlreadyExists is *done*: the Job name is the lock;
/// - if any Job create fails otherwise, the rest of the plan is dropped — its status and events
///   describe a world where that Job exists — and the task is retried (or, for a terminal
///   failure, reported); the next decision plans the same create again from the cluster;
/// - alerts come before the status write (the dispatcher records each in the task's ledger
///   before the status is submitted); if the sink cannot record one, the rest of the plan is
///   dropped like after a failed Job create — the status would mark the transition handled — and
///   the task is retried; the next decision plans the same alert again;
/// - the status goes to the ``StatusWriter``, which coalesces it with later ones; the alerts'
///   deliveries (``HeldAlerts``) are released once the writer stored a status including it, and
///   abandoned when it will not (they stay pending in the ledger: the dispatcher's maintenance
///   pass sends them if, and only if, the stored status records their outcome);
/// - events are best-effort: failures are logged, never retried into a loop;
/// - deletes carry the Job's uid as a precondition, so a newer Job of the same name survives;
///   conditional ones (Replace) also its observed resourceVersion, so a Job that finished since
///   the decision survives too (409 is *done*; the Job's change brings the next decision).
///
/// Before each Job or placeholder create or delete and each alert record, the executor asks whether
/// this replica still holds a current lease (``LeaderElector/holdsCurrentLease``); when it does not,
/// the rest of the plan is dropped and retried, as after a failed create (`LeaseNotCurrentError`).
///
/// Given a ``ForegroundGate``, every Job create is foreground work from before it asks for the
/// budget until the server answers: the status writer and the Event delivery wait meanwhile.
///
/// A create that waits for the budget makes its run later than the decision saw. The executor
/// measures the real creation time, and when the wait made the run late it records that in the
/// status it writes (the run's `Late` reason and message, the active run's `createdAt`) and in a
/// `CreatedLate` Event, so lateness caused by the budget is never silent.
public struct PlanExecutor: Sendable {
    /// Receives the alerts a plan records (the alert dispatcher; by default they are logged).
    ///
    /// It throws when it could not make the alert durable before sending it (the dispatcher's
    /// ledger write failed): the executor then drops the rest of the plan, the status write
    /// included, and the task is retried, so the next decision plans the same alert again instead
    /// of a later leader sending it a second time.
    ///
    /// What it returns is held until the plan's status is stored: an alert never goes out ahead of
    /// the status that records its outcome.
    public typealias AlertSink = @Sendable (PlannedAlert, ScheduledTask) async throws -> HeldAlerts

    /// The deliveries of a recorded alert, held until the status of their plan is stored:
    /// `stored` sends them, `abandoned` gives them up in this process (the status will not be
    /// stored by it). Exactly one of the two is called, once.
    public typealias HeldAlerts = StatusWriter.Completion

    /// What happened to one plan.
    public struct Report: Sendable {
        /// Jobs this execution created.
        public var created: [String] = []
        /// Placeholder Pods this execution created or found existing.
        public var placeholdersCreated: [String] = []
        /// Placeholder Pods this execution deleted or found gone.
        public var placeholdersDeleted: [String] = []
        /// Jobs whose create answered 409: made earlier by us or another controller.
        public var alreadyExisting: [String] = []
        public var deleted: [String] = []
        /// Every failure, including best-effort ones (events, alerts, deletes).
        public var failures: [ExecutionError] = []
        /// Whether the status of the plan was handed to the writer.
        public var statusSubmitted = false

        /// Whether the task must be retried with backoff.
        public var needsRetry: Bool { failures.contains { $0.disposition == .retryable } }

        /// The first failure that retrying cannot fix (an invalid or forbidden Job), if any.
        public var terminalFailure: ExecutionError? { failures.first { $0.disposition == .terminal } }
    }

    let client: KubeClient
    let logger: Logger
    private let events: EventRecorder
    private let statusWriter: StatusWriter
    private let metrics: ControllerMetrics
    private let clock: any WallClock
    private let alertSink: AlertSink
    private let recordsEventsInBackground: Bool
    private let latenessThreshold: TimeInterval
    private let foreground: ForegroundGate?
    /// Asked before each write to the cluster (``LeaderElector/holdsCurrentLease``).
    private let holdsCurrentLease: @Sendable () -> Bool

    /// - Parameters:
    ///   - recordsEventsInBackground: hand Events to ``EventRecorder/submit(_:about:)`` instead of
    ///     waiting for their write (the controller does, and runs the recorder's delivery).
    ///   - latenessThreshold: how late a create may be before it is recorded as late
    ///     (``ControllerSettings/latenessThreshold``).
    ///   - foreground: marks Job creates as foreground work, so background writers give way.
    ///   - holdsCurrentLease: asked before each Job or placeholder create or delete and each
    ///     alert record; when it says no, the rest of the plan is dropped and retried (a leader
    ///     whose lease ran out without it noticing yet must not act on its older view).
    public init(
        client: KubeClient, events: EventRecorder, statusWriter: StatusWriter, metrics: ControllerMetrics,
        clock: any WallClock, logger: Logger = Logger(label: "punctual.executor"), alertSink: AlertSink? = nil,
        recordsEventsInBackground: Bool = false,
        latenessThreshold: TimeInterval = ControllerSettings().latenessThreshold, foreground: ForegroundGate? = nil,
        holdsCurrentLease: @escaping @Sendable () -> Bool = { true }
    ) {
        self.foreground = foreground
        self.holdsCurrentLease = holdsCurrentLease
        self.recordsEventsInBackground = recordsEventsInBackground
        self.latenessThreshold = latenessThreshold
        self.client = client
        self.events = events
        self.statusWriter = statusWriter
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        self.alertSink =
            alertSink ?? { [logger] alert, task in
                logger.notice(
                    "alert",
                    metadata: [
                        "task": "\(task.metadata.namespace ?? "")/\(task.metadata.name ?? "")",
                        "kind": "\(alert.kind.rawValue)", "slot": "\(KubeTime.format(alert.scheduledTime))",
                        "message": "\(alert.message)",
                    ])
                return .nothing
            }
    }

    // MARK: - Executing

    /// Performs `plan` for `task`.
    ///
    /// - Parameters:
    ///   - task: the task the plan was decided for, with the status the decision started from.
    ///   - jobs: the task's Jobs as observed, for the uid preconditions of deletes.
    public func execute(_ plan: Plan, for task: ScheduledTask, jobs: [Job]) async -> Report {
        var report = Report()
        let key = "\(task.metadata.namespace ?? "")/\(task.metadata.name ?? "")"
        let started = clock.currentDate
        var lateCreates: [LateCreate] = []
        // The deliveries of the plan's alerts, until its status is submitted.
        var held: [HeldAlerts] = []
        for action in plan.actions {
            if let operation = action.leaderWrite, !holdsCurrentLease() {
                // Stopped between two writes, which is safe at any point of a plan: whoever leads
                // decides again from the cluster.
                HeldAlerts(all: held).abandoned()
                report.failures.append(
                    ExecutionError(
                        operation: operation, task: key, disposition: .retryable, underlying: LeaseNotCurrentError()))
                return report
            }
            switch action {
            case .createJob(let creation):
                await create(creation, task: key, namespace: task.metadata.namespace, report: &report)
                if report.failures.contains(where: { $0.operation == .createJob }) {
                    // The rest of the plan assumes this Job exists: decide again later.
                    return report
                }
                if report.created.last == creation.name {
                    lateCreates += lateCreate(creation, decidedAt: started).map { [$0] } ?? []
                }
            case .updateStatus(var status):
                for late in lateCreates { late.record(in: &status) }
                submit(status, for: task, releasing: held)
                held = []
                report.statusSubmitted = true
                recordRunMetrics(from: task.status, to: status)
            case .emitEvent(let event):
                await emit(event, about: task, key: key, report: &report)
            case .alert(let alert):
                do {
                    held.append(try await alertSink(alert, task))
                } catch {
                    HeldAlerts(all: held).abandoned()
                    logger.warning(
                        "cannot record an alert; the plan is retried",
                        metadata: ["task": "\(key)", "kind": "\(alert.kind.rawValue)", "error": "\(error)"])
                    report.failures.append(
                        ExecutionError(
                            operation: .recordAlert, task: key,
                            object: "\(alert.kind.rawValue) alert for slot \(KubeTime.format(alert.scheduledTime))",
                            disposition: .retryable, underlying: error))
                    // The status would mark the transition handled: decide again later.
                    return report
                }
            case .deleteJob(let deletion):
                await delete(deletion, task: key, namespace: task.metadata.namespace, jobs: jobs, report: &report)
            case .createPlaceholder(let creation):
                await create(creation, task: key, namespace: task.metadata.namespace, report: &report)
            case .deletePlaceholder(let deletion):
                await delete(deletion, task: key, namespace: task.metadata.namespace, report: &report)
            }
        }
        if !held.isEmpty {
            // Alerts without a status change: they go out once the decided status is known stored
            // (at once when the server holds it already).
            submit(plan.status, for: task, releasing: held)
        }
        await recordLateCreates(lateCreates, about: task, key: key, report: &report)
        return report
    }

    /// Hands `status` to the writer; `held` deliveries go out once it is stored.
    private func submit(_ status: ScheduledTaskStatus, for task: ScheduledTask, releasing held: [HeldAlerts]) {
        statusWriter.submit(
            StatusWriter.Submission(task: task, status: status), completion: held.isEmpty ? nil : HeldAlerts(all: held))
    }

    // MARK: - Jobs

    private func create(_ creation: JobCreation, task: String, namespace: String?, report: inout Report) async {
        let jobs = client.dynamic(ResourceType.jobs, namespace: namespace)
        foreground?.enter()
        defer { foreground?.leave() }
        do {
            // The Job name is the lock: it is derived from (task, slot, attempt), so a second
            // create — by another leader, or by us after a crash between this create and the
            // status write — answers 409 AlreadyExists, which is "already done". That is what
            // makes the retry of this POST safe, too.
            _ = try await jobs.create(creation.job, options: WriteOptions(isSafeToRetry: true, priority: .high))
            report.created.append(creation.name)
            metrics.jobCreated(slot: creation.slot, at: clock.currentDate)
        } catch {
            let disposition = ExecutionError.Disposition.classify(error, operation: .createJob)
            if disposition == .done {
                report.alreadyExisting.append(creation.name)
                return
            }
            report.failures.append(
                ExecutionError(
                    operation: .createJob, task: task, object: creation.name, disposition: disposition,
                    underlying: error))
        }
    }

    private func delete(
        _ deletion: JobDeletion, task: String, namespace: String?, jobs: [Job], report: inout Report
    ) async {
        let client = client.dynamic(ResourceType.jobs, namespace: namespace)
        let observed = jobs.first { $0.metadata.name == deletion.name }
        // A conditional delete (Replace) never removes a Job in a state the decision did not see.
        if deletion.isConditional, observed?.metadata.resourceVersion == nil { return }
        let options = DeleteOptions(
            propagationPolicy: PropagationPolicy(rawValue: deletion.propagationPolicy) ?? .background,
            preconditionUID: observed?.metadata.uid,
            preconditionResourceVersion: deletion.isConditional ? observed?.metadata.resourceVersion : nil,
            priority: .low)
        do {
            _ = try await client.delete(deletion.name, options: options)
            report.deleted.append(deletion.name)
        } catch {
            let disposition = ExecutionError.Disposition.classify(error, operation: .deleteJob)
            guard disposition != .done else { return }
            logger.warning(
                "cannot delete a Job",
                metadata: ["task": "\(task)", "job": "\(deletion.name)", "reason": "\(deletion.reason.rawValue)"])
            report.failures.append(
                ExecutionError(
                    operation: .deleteJob, task: task, object: deletion.name, disposition: disposition,
                    underlying: error))
        }
    }

    /// Creates the Job of a run that would start now with `dryRun=All`, so the API server checks
    /// the template (admission, validation) without anything being created.
    ///
    /// - Throws: ``ExecutionError`` (operation `dryRunJob`); a `terminal` one means the server
    ///   rejects the Job the task's template produces.
    public func dryRunJob(for task: ScheduledTask) async throws(ExecutionError) {
        let now = clock.currentDate
        let name = JobNaming.name(task: task.metadata.name ?? "", slot: now)
        let job = JobBuilder.job(for: task, JobBuilder.Request(name: name, slot: now))
        let jobs = client.dynamic(ResourceType.jobs, namespace: task.metadata.namespace)
        do {
            _ = try await jobs.create(job, options: WriteOptions(isDryRun: true, isSafeToRetry: true))
        } catch {
            var disposition = ExecutionError.Disposition.classify(error, operation: .dryRunJob)
            // A dry run colliding with an existing Job's name still validated the template.
            if let error = error as? KubeError, error.isAlreadyExists { disposition = .done }
            guard disposition != .done else { return }
            throw ExecutionError(
                operation: .dryRunJob, task: "\(task.metadata.namespace ?? "")/\(task.metadata.name ?? "")",
                object: name, disposition: disposition, underlying: error)
        }
    }

    // MARK: - Lateness caused by the API budget

    /// A Job the budget made late: created `lateness` after it was due, `waited` of it spent
    /// after the decision (waiting for tokens behind other requests).
    private struct LateCreate {
        let creation: JobCreation
        let createdAt: Date
        let lateness: TimeInterval
        let waited: TimeInterval

        var message: String {
            "created \(Int(lateness.rounded()))s late, \(Int(waited.rounded()))s of it waiting for the API budget"
        }

        /// Records the real creation on the run and the active entry the decision wrote.
        func record(in status: inout ScheduledTaskStatus) {
            for index in (status.runs ?? []).indices where status.runs?[index].job == creation.name {
                status.runs?[index].reason = "Late"
                status.runs?[index].message = message
            }
            for index in (status.active ?? []).indices where status.active?[index].name == creation.name {
                status.active?[index].createdAt = Date(
                    timeIntervalSince1970: createdAt.timeIntervalSince1970.rounded(.down))
            }
        }
    }

    /// The lateness to record for a Job just created, if waiting after the decision made it late
    /// (lateness the decision already saw, e.g. a catch-up run, is recorded by the decision).
    private func lateCreate(_ creation: JobCreation, decidedAt: Date) -> LateCreate? {
        let now = clock.currentDate
        let lateness = now.timeIntervalSince(creation.due)
        let waited = now.timeIntervalSince(decidedAt)
        guard lateness > latenessThreshold, waited >= 1 else { return nil }
        return LateCreate(creation: creation, createdAt: now, lateness: lateness, waited: waited)
    }

    /// Emits one `CreatedLate` Event per late create, last in the plan (Events are best-effort
    /// and ask for the budget with low priority).
    private func recordLateCreates(
        _ lateCreates: [LateCreate], about task: ScheduledTask, key: String, report: inout Report
    ) async {
        for late in lateCreates {
            let event = PlannedEvent(
                type: .warning, reason: "CreatedLate",
                message: "Job \(late.creation.name) for slot \(KubeTime.format(late.creation.slot)) was \(late.message)"
            )
            await emit(event, about: task, key: key, report: &report)
        }
    }

    /// Records an Event: handed to the recorder's background delivery, or written now (failures
    /// are logged and reported, never retried into a loop).
    private func emit(_ event: PlannedEvent, about task: ScheduledTask, key: String, report: inout Report) async {
        if recordsEventsInBackground {
            events.submit(event, about: task)
            return
        }
        do {
            try await events.record(event, about: task)
        } catch {
            logger.warning("cannot record an event", metadata: ["task": "\(key)", "error": "\(error)"])
            report.failures.append(error)
        }
    }

    // MARK: - Metrics

    /// Counts the runs that reached a final phase, the slots newly recorded Missed, and the runs
    /// whose start became known, by comparing the status before and after the decision.
    private func recordRunMetrics(from old: ScheduledTaskStatus?, to new: ScheduledTaskStatus) {
        let before = Dictionary(
            (old?.runs ?? []).map { (RunKey($0), $0) }, uniquingKeysWith: { _, last in last })
        for run in new.runs ?? [] {
            let previous = before[RunKey(run)]
            if run.phase.isFinished, previous?.phase != run.phase {
                metrics.runFinished(result: run.phase.rawValue)
            }
            if let started = run.startTime, previous?.startTime == nil {
                metrics.runStarted(slot: run.scheduledTime, at: started)
            }
        }
        let missedBefore = old?.missedRuns ?? 0
        if let missedAfter = new.missedRuns, missedAfter > missedBefore {
            metrics.missed(Int(missedAfter - missedBefore))
        }
    }

    private struct RunKey: Hashable {
        let slot: Date
        let attempt: Int
        let job: String?

        init(_ run: ScheduledTaskStatus.Run) {
            slot = run.scheduledTime
            attempt = run.attempt
            job = run.job
        }
    }
}

// MARK: - Held alerts

extension PlanExecutor.HeldAlerts {
    /// Nothing held (a sink that only logs).
    public static let nothing = Self(stored: {}, abandoned: {})

    /// All of `held`, stored or abandoned together.
    init(all held: [Self]) {
        self.init(
            stored: { for alerts in held { await alerts.stored() } },
            abandoned: { for alerts in held { alerts.abandoned() } })
    }
}

extension Action {
    /// The write to the cluster this action makes as the leader; nil for the status, which the
    /// status writer guards itself, and for Events, which are best-effort.
    fileprivate var leaderWrite: ExecutionError.Operation? {
        switch self {
        case .createJob: .createJob
        case .deleteJob: .deleteJob
        case .alert: .recordAlert
        case .createPlaceholder: .createPlaceholder
        case .deletePlaceholder: .deletePlaceholder
        case .updateStatus, .emitEvent: nil
        }
    }
}
