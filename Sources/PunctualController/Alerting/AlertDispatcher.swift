import Alerting
import Foundation
import KubeClient
import Logging
import ServiceLifecycle
import Synchronization

/// Turns the alerts plans record into deliveries: the ``PlanExecutor/AlertSink`` of the controller.
///
/// For each planned alert it resolves the task's receivers (Secrets from the task's own
/// namespace; the controller-wide defaults for tasks that declare none), records the alert in
/// the task's ``AlertLedger`` — before the status that marks the transition handled is
/// submitted, since plans dispatch alerts first — and returns one delivery per receiver, held
/// until the plan's status is stored (``PlanExecutor/HeldAlerts``); released, they are queued with
/// ``AlertDelivery``, which never blocks the reconcile. Delivery outcomes are written back to
/// the ledger. An alert is thus only sent once a stored status records its outcome.
///
/// Guarantee: one alert per (task, slot, attempt, kind, receiver), also across leader
/// failovers, with one at-least-once window: a delivery that succeeded while the leader died
/// before recording `sent` is sent again by the next leader (after at most ``Configuration/resendInterval``).
/// If the ledger write itself fails, nothing is sent: the sink throws, ``PlanExecutor`` drops the
/// rest of the plan (the status write included) and the task is retried, re-planning the alert.
/// The same happens when a receiver's Secret cannot be read for a passing reason (throttling, a
/// server error, an outage): the receivers are not known yet, and a status marking the transition
/// handled would lose the alert for good.
///
/// Receivers that cannot be resolved (missing Secret or key) are reported with a Warning Event
/// naming the Secret and key, and through ``ScheduledTask/alertingProblemAnnotation``, which the
/// decision mirrors as condition `AlertingReady=False`. Secret values never reach logs, Events,
/// annotations or status.
///
/// As a `Service` it runs the deliveries and, every ``Configuration/resendInterval`` while
/// this replica leads, the maintenance pass: pending alerts nobody delivers (a previous leader's,
/// or this one's whose status write was given up) are sent when the stored status records their
/// outcome and finished unsent when it records the run otherwise; Alertmanager alerts still firing
/// are re-posted while their task keeps failing and resolved once it does not.
public final class AlertDispatcher: Service, Sendable {
    public struct Configuration: Sendable {
        /// The controller's namespace, where the defaults Secret lives.
        public var controllerNamespace: String
        /// The Secret with the controller-wide default receivers (``DefaultReceivers``), if any.
        public var defaultReceiversSecret: String?
        /// How often firing Alertmanager alerts are re-posted and orphaned pending ones sent.
        public var resendInterval: Duration
        /// On graceful shutdown, the longest wait for the deliveries in progress to end and record
        /// their outcome. With the lease released within the renew deadline (10 s) first, the
        /// default keeps the whole stop inside the Deployment's 30 s termination grace period.
        public var drainLimit: Duration

        public init(
            controllerNamespace: String = "default", defaultReceiversSecret: String? = nil,
            resendInterval: Duration = .seconds(60), drainLimit: Duration = .seconds(15)
        ) {
            self.controllerNamespace = controllerNamespace
            self.defaultReceiversSecret = defaultReceiversSecret
            self.resendInterval = resendInterval
            self.drainLimit = drainLimit
        }
    }

    /// Where the dispatcher finds the tasks (the controller's cache) and whether it leads.
    struct TaskSource: Sendable {
        var tasks: @Sendable () -> [ScheduledTask]
        /// Whether the controller leads with a current lease (it may write and send now).
        var isLeading: @Sendable () -> Bool
        /// Told every version of a task a ledger write stored (the status writer's precondition).
        var noteStored: @Sendable (ScheduledTask) -> Void = { _ in }
    }

    struct Known {
        var uid: String?
        var ledger: AlertLedger
        /// The value of the problem annotation as last written (or read).
        var problem: String?
        /// The ledger annotation's text as stored, as far as this process knows (last read or
        /// written): ledger writes are conditional on it, so a copy that is behind never
        /// overwrites a newer ledger. Nil when the task had no ledger.
        var storedText: String?
        /// The task's resourceVersion when read: the condition of the first ledger write of a
        /// task that has none yet.
        var resourceVersion: String?
        /// Whether the task has an annotations map (a JSON patch can only add keys to one).
        var hasAnnotations: Bool
    }

    struct State {
        /// The newest ledger of each task (key `namespace/name`).
        var known: [String: Known] = [:]
        /// Ledger keys queued or being delivered by this process.
        var inFlight: Set<String> = []
        /// Tasks with a delivery outcome whose ledger write failed (an API outage): known here,
        /// to be written again by the maintenance pass and the drain at shutdown.
        var unstored: [String: ScheduledTask] = [:]
        var source: TaskSource?
    }

    let client: KubeClient
    let delivery: AlertDelivery
    let events: EventRecorder
    let clock: any WallClock
    let configuration: Configuration
    let logger: Logger
    let state = Mutex(State())
    /// One gate per task (key `namespace/name`) serialising its ledger writes, so an older ledger
    /// never overwrites a newer one. Per task, not one for all: a `sent` record must not queue
    /// behind a burst of other tasks' writes, since until it is stored a leader that dies leaves the
    /// alert to be sent again.
    let writeGates = Mutex<[String: AsyncSemaphore]>([:])

    /// The gate of the task with ledger key `key`.
    func writeGate(for key: String) -> AsyncSemaphore {
        writeGates.withLock { gates in
            if let gate = gates[key] { return gate }
            let gate = AsyncSemaphore(1)
            gates[key] = gate
            return gate
        }
    }

    /// - Parameters:
    ///   - client: reads Secrets and patches the task annotations.
    ///   - delivery: the queues and retries of the deliveries.
    ///   - events: where Events about unresolvable receivers go.
    ///   - clock: the alerts' `firedAt` and the maintenance interval.
    public init(
        client: KubeClient, delivery: AlertDelivery, events: EventRecorder, clock: any WallClock,
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "punctual.alerts")
    ) {
        self.client = client
        self.delivery = delivery
        self.events = events
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
    }

    /// Whether tracked deliveries may go out now: the followed controller leads with a current
    /// lease (always, when no controller is followed).
    var holdsCurrentLease: Bool { state.withLock { $0.source }?.isLeading() ?? true }

    /// The sink to hand to ``ScheduledTaskController`` (and so to its ``PlanExecutor``).
    public var sink: PlanExecutor.AlertSink {
        { [self] alert, task in try await dispatch(alert, for: task) }
    }

    /// Follows `controller`'s cache and leadership for the maintenance pass.
    public func follow(_ controller: ScheduledTaskController) {
        let source = TaskSource(
            tasks: { [weak controller] in controller?.cachedTasks ?? [] },
            isLeading: { [weak controller] in controller?.holdsCurrentLease ?? false },
            noteStored: { [weak controller] in controller?.statusWriter.noteStored($0) })
        state.withLock { $0.source = source }
    }

    // MARK: - Dispatching

    /// Records `planned` for every receiver of `task` that has not had it yet, and returns its
    /// deliveries, to be released once the status recording the outcome is stored.
    ///
    /// Receivers whose entry is already `pending` and that nobody in this process delivers (a
    /// previous leader decided the same transition, or this one gave up its status write) are
    /// among the deliveries too: this decision's status records the outcome again.
    ///
    /// - Returns: the deliveries; released, they are queued; abandoned, their entries stay
    ///   pending for the maintenance pass.
    /// - Throws: ``ReceiversUnreadableError`` when a receiver's Secret could not be read for a
    ///   passing reason, ``LedgerWriteError`` when the record could not be written to the task;
    ///   nothing is held then and nothing is remembered, so a retry records and sends it.
    @discardableResult
    public func dispatch(_ planned: PlannedAlert, for task: ScheduledTask) async throws -> PlanExecutor.HeldAlerts {
        let alert = Alert(planned, task: task, at: clock.currentDate)
        let resolution = await receivers(of: task)
        let transient = resolution.transientProblems
        guard transient.isEmpty else {
            throw ReceiversUnreadableError(task: StatusWriter.key(of: task), problems: transient)
        }
        await report(resolution, for: task)
        // Marked in flight before they are recorded pending, so a maintenance pass in between
        // does not take them for a previous leader's; they stay so while held. Keys already in
        // flight (an earlier dispatch's delivery) stay so whatever happens here.
        let keys = resolution.receivers.map { AlertLedger.key(alert, receiver: $0.name) }
        let marked = state.withLock { state in keys.filter { state.inFlight.insert($0).inserted } }
        var deliveries: [(delivery: Delivery, key: String?)] = []
        do {
            try await withLedger(of: task, problem: resolution.problemSummary, undoingOnFailure: true) { ledger in
                // Repeatable: a conflicting write runs this again on the stored ledger.
                deliveries = []
                for (receiver, key) in zip(resolution.receivers, keys) {
                    if let entry = ledger.entry(key) {
                        // Recorded pending and delivered by nobody here: it goes out with this status.
                        if entry.state == .pending, marked.contains(key) {
                            deliveries.append(
                                (Delivery(receiver: receiver, content: .alert(entry.alert ?? alert)), key))
                        }
                        continue
                    }
                    if case .alertmanager = receiver.destination, !alert.kind.isProblem {
                        // Recovery resolves what fired here; resolving twice is harmless, so it is
                        // recorded done at once.
                        for firing in ledger.resolveAll(receiver: receiver.name) {
                            deliveries.append((Delivery(receiver: receiver, content: .resolve(firing)), nil))
                        }
                        ledger.recordPending(alert, receiver: receiver.name)
                        ledger.finish(key, as: .sent)
                        continue
                    }
                    if case .alertmanager = receiver.destination, alert.kind.staysFiring {
                        ledger.fire(alert, receiver: receiver.name)
                    }
                    ledger.recordPending(alert, receiver: receiver.name)
                    deliveries.append((Delivery(receiver: receiver, content: .alert(alert)), key))
                }
            }
        } catch {
            state.withLock { $0.inFlight.subtract(marked) }
            throw error
        }
        let held = Set(deliveries.compactMap(\.key))
        state.withLock { $0.inFlight.subtract(marked.filter { !held.contains($0) }) }
        guard !deliveries.isEmpty else { return .nothing }
        let toSend = deliveries
        return PlanExecutor.HeldAlerts(
            stored: { [self] in
                for (delivery, key) in toSend {
                    await submit(key.map { tracked(delivery, key: $0, task: task) } ?? delivery)
                }
            },
            abandoned: { [self] in
                // Left pending in the ledger; the maintenance pass decides from the stored status.
                // (An Alertmanager resolve held here is dropped: its alert expires after the TTL.)
                state.withLock { $0.inFlight.subtract(held) }
            })
    }

    /// A delivery whose outcome is written to the task's ledger (its key must be in flight):
    /// `sent`, or `failed` with the delivery's error as the reason.
    ///
    /// A delivery dropped because its receiver's queue was full is not an outcome: the entry stays
    /// `pending` and leaves the in-flight set, so the next maintenance pass queues it again. The
    /// receiver itself answered nothing; a burst (many statuses stored at once after an outage)
    /// must delay its alerts, not lose them.
    ///
    /// It is attempted only while this replica holds a current lease: a leader whose lease ran out
    /// without it noticing yet leaves the entry `pending` (outcome `withheld`) for whoever leads,
    /// rather than sending what the next leader sends too.
    func tracked(_ delivery: Delivery, key: String, task: ScheduledTask) -> Delivery {
        var tracked = delivery
        tracked.mayAttempt = { [weak self] in self?.holdsCurrentLease ?? false }
        tracked.onOutcome = { [self] outcome in
            switch outcome {
            case .sent:
                await recordOutcome(of: task) { $0.finish(key, as: .sent) }
            case .failed(let error):
                await recordOutcome(of: task) { $0.finish(key, as: .failed, reason: "delivery failed: \(error)") }
            case .dropped:
                logger.info(
                    "alert queue full; the alert stays pending for the next maintenance pass",
                    metadata: ["task": "\(StatusWriter.key(of: task))", "alert": "\(key)"])
            case .withheld:
                logger.info(
                    "alert not sent: this replica's lease is not current; it stays pending for the leader",
                    metadata: ["task": "\(StatusWriter.key(of: task))", "alert": "\(key)"])
            }
            _ = self.state.withLock { $0.inFlight.remove(key) }
        }
        return tracked
    }

    /// Records a delivery's outcome in the task's ledger. When the write fails (it is logged),
    /// the outcome stays known here, so this leader does not send the alert again, and the task
    /// is remembered: the maintenance pass and the drain at shutdown write it again, so that the
    /// next leader does not send it again either.
    private func recordOutcome(of task: ScheduledTask, _ change: (inout AlertLedger) -> Void) async {
        do {
            try await withLedger(of: task, problem: nil, keepProblem: true, change)
        } catch {
            state.withLock { $0.unstored[StatusWriter.key(of: task)] = task }
        }
    }

    /// How many tasks have a delivery outcome known only to this process.
    var unstoredOutcomeCount: Int { state.withLock { $0.unstored.count } }

    /// Writes again the outcomes whose own ledger write failed.
    ///
    /// - Returns: how many tasks still have outcomes known only here.
    @discardableResult
    func storeUnstoredOutcomes() async -> Int {
        let tasks = state.withLock { state in
            defer { state.unstored = [:] }
            return state.unstored
        }
        for (key, task) in tasks.sorted(by: { $0.key < $1.key }) {
            do {
                try await withLedger(of: task, problem: nil, keepProblem: true, fromStored: true) { _ in }
            } catch {
                // Still failing; an outcome that failed meanwhile registered the task itself.
                state.withLock { state in
                    if state.unstored[key] == nil { state.unstored[key] = task }
                }
            }
        }
        return state.withLock { $0.unstored.count }
    }

    /// Queues a delivery; a full queue ends it at once with outcome `dropped` (a tracked one stays
    /// pending in the ledger, see ``tracked(_:key:task:)``).
    func submit(_ delivery: Delivery) async {
        guard !self.delivery.enqueue(delivery) else { return }
        await delivery.onOutcome(.dropped)
    }
}

// MARK: - Alerts from plans

extension Alert {
    /// The alert for a planned one about `task`, decided at `now`.
    init(_ planned: PlannedAlert, task: ScheduledTask, at now: Date) {
        self.init(
            namespace: task.metadata.namespace ?? "default", task: task.metadata.name ?? "",
            kind: planned.kind, scheduledTime: planned.scheduledTime,
            attempt: planned.attempt, job: planned.job, reason: planned.reason, message: planned.message,
            consecutiveFailures: planned.consecutiveFailures, severity: Severity(task.spec.effectiveTier),
            firedAt: now)
    }
}

extension AlertKind {
    /// Kinds that stay firing in Alertmanager until the task recovers (re-posted meanwhile);
    /// the others (Skipped, LongRunning) fire once and expire after the TTL.
    var staysFiring: Bool {
        switch self {
        case .failed, .retriesExhausted, .missed, .deadlineExceeded: true
        case .skipped, .longRunning, .recovered: false
        }
    }
}

extension Severity {
    /// The severity of a task's alerts, from its priority tier.
    init(_ tier: ScheduledTaskSpec.Priority.Tier) {
        switch tier {
        case .critical: self = .critical
        case .high: self = .error
        case .normal: self = .warning
        case .low: self = .info
        }
    }
}
