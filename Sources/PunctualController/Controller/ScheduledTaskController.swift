import Foundation
import KubeClient
import KubeRuntime
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The ScheduledTask controller: informers, a work queue, leader election and the reconcile
/// loop, as one `Service`.
///
/// - Informers follow ScheduledTasks and the Jobs and Pods labelled `punctual.dev/task` (indexed
///   by task) in the watched namespaces; Jobs and Pods are cached trimmed to the fields decisions
///   read (``CacheTrimming``). Their handlers only enqueue the task's key; a reconcile
///   re-reads everything from the caches (level-triggered).
/// - The queue is stingy (one reconcile per key at a time), ordered by the task's tier rank, and
///   a key comes back at exactly the plan's `requeueAt`: tasks are never polled. A failed
///   reconcile is retried with a per-task backoff capped at `maxReconcileBackoff`, and never later
///   than its plan's `requeueAt`.
/// - Only the leader reconciles. Standbys keep their caches warm; a new leader enqueues every
///   task and rebuilds its view from the cluster, since no state lives only in memory.
/// - An invalid task gets `InvalidSpec` and is not requeued until its spec changes; its failures
///   never hold up the queue for others. Objects that do not decode are skipped by the informers.
/// - Whenever a task's generation changes, the Job its template produces is checked by the API
///   server: by the run's own create when the first decision creates one, else by a create with
///   `dryRun=All`, put off once behind the keys already queued so that due tasks go first. A
///   rejection is reported as `InvalidSpec` too.
public final class ScheduledTaskController: Service {
    /// The decision function (``Decision/plan(for:)`` in production).
    public typealias Decide = @Sendable (Observation) -> Plan

    /// Settings of one controller process.
    public struct Configuration: Sendable {
        /// Namespaces to watch; empty means all namespaces.
        public var namespaces: [String]
        /// Concurrent reconciles.
        public var workers: Int
        /// Concurrent status writers.
        public var statusWriters: Int
        /// Settings passed to every decision.
        public var settings: ControllerSettings
        /// The longest a task whose reconciles keep failing waits before the next attempt (the cap
        /// of the work queue's per-task exponential backoff; client-go's 1000 s would leave a task
        /// asleep for many minutes after an API outage of a few).
        public var maxReconcileBackoff: Duration

        /// The default ``maxReconcileBackoff``.
        public static let defaultMaxReconcileBackoff: Duration = .seconds(60)

        public init(
            namespaces: [String] = [], workers: Int = 4, statusWriters: Int = 2,
            settings: ControllerSettings = ControllerSettings(),
            maxReconcileBackoff: Duration = Configuration.defaultMaxReconcileBackoff
        ) {
            self.namespaces = namespaces
            self.workers = workers
            self.statusWriters = statusWriters
            self.settings = settings
            self.maxReconcileBackoff = maxReconcileBackoff
        }
    }

    /// Why the controller stopped other than by a graceful shutdown.
    public struct StopError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The name of the cache index that files Jobs and Pods under their task's key.
    static let taskIndex = "task"

    let configuration: Configuration
    let clock: any WallClock
    let logger: Logger
    let decide: Decide
    let elector: LeaderElector?
    let queue: WorkQueue<String>
    let statusWriter: StatusWriter
    let events: EventRecorder
    /// Reconciles and their Job creates are foreground work; status writes and Events wait for them
    /// (bounded by the gate).
    let foreground: ForegroundGate
    let executor: PlanExecutor
    let tasks: [Informer<ScheduledTask>]
    let jobs: [Informer<Job>]
    let pods: [Informer<Pod>]
    let templateVerdicts = Mutex<[String: TemplateVerdict]>([:])
    /// Tasks whose template dry run was put off once, behind the decisions already queued.
    let deferredDryRuns = Mutex<Set<String>>([])
    /// Tasks to decide again once their status write lands (``Plan/awaitsStoredStatus``).
    let awaitingStoredStatus: KeySet

    /// - Parameters:
    ///   - client: the API connection (its `qps`/`burst` budget is shared by everything here).
    ///   - clock: the one clock of the process; a `ManualClock` in tests.
    ///   - elector: the leader election, or `nil` to lead unconditionally (`--leader-elect=false`).
    ///   - decide: the decision function.
    ///   - identity: the reporting instance of Events (the election identity).
    ///   - metricsFactory: where metrics go; the process-wide `MetricsSystem` by default.
    ///   - alertSink: receives the alerts plans record; logged when `nil`.
    public init(
        client: KubeClient, clock: any WallClock, configuration: Configuration = Configuration(),
        elector: LeaderElector? = nil, decide: @escaping Decide, identity: String? = nil,
        metricsFactory: (any MetricsFactory)? = nil, logger: Logger = Logger(label: "punctual.controller"),
        alertSink: PlanExecutor.AlertSink? = nil
    ) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.decide = decide
        self.elector = elector
        let factory = metricsFactory ?? MetricsSystem.factory
        queue = WorkQueue(
            name: "scheduledtasks", clock: clock,
            rateLimiter: defaultControllerRateLimiter(maxBackoff: configuration.maxReconcileBackoff),
            metricsFactory: factory)
        let foreground = ForegroundGate(clock: clock)
        self.foreground = foreground
        let awaitingStoredStatus = KeySet()
        self.awaitingStoredStatus = awaitingStoredStatus
        statusWriter = StatusWriter(
            client: client, clock: clock, logger: logger, gate: foreground,
            onWritten: { [queue] key in
                // The watch event of a write can come before its answer: a decision made in
                // between put work off, and nothing else may bring the task back soon.
                if awaitingStoredStatus.remove(key) { queue.add(key) }
            },
            onConflict: { [queue] key in
                // Another writer changed the same status fields: decide again from what it stored.
                _ = awaitingStoredStatus.remove(key)
                queue.add(key)
            },
            holdsCurrentLease: { [elector] in elector?.holdsCurrentLease ?? true })
        events = EventRecorder(client: client, clock: clock, instance: identity)
        executor = PlanExecutor(
            client: client, events: events, statusWriter: statusWriter, metrics: ControllerMetrics(factory: factory),
            clock: clock, logger: logger, alertSink: alertSink, recordsEventsInBackground: true,
            latenessThreshold: configuration.settings.latenessThreshold, foreground: foreground,
            holdsCurrentLease: { [elector] in elector?.holdsCurrentLease ?? true })
        let namespaces: [String?] = configuration.namespaces.isEmpty ? [nil] : configuration.namespaces
        let selector = ScheduledTask.taskLabel
        let byTask: [String: ObjectCache<Job>.IndexFunction] = [Self.taskIndex: Self.taskKey]
        let podsByTask: [String: ObjectCache<Pod>.IndexFunction] = [Self.taskIndex: Self.taskKey]
        tasks = namespaces.map {
            Informer(client: client.resource(ScheduledTask.self, namespace: $0), clock: clock, logger: logger)
        }
        jobs = namespaces.map {
            Informer(
                client: client.resource(Job.self, namespace: $0), labelSelector: selector, indexers: byTask,
                omitting: CacheTrimming.jobOmitted, transform: CacheTrimming.job, clock: clock, logger: logger)
        }
        pods = namespaces.map {
            Informer(
                client: client.resource(Pod.self, namespace: $0), labelSelector: selector, indexers: podsByTask,
                omitting: CacheTrimming.podOmitted, transform: CacheTrimming.pod, clock: clock, logger: logger)
        }
        connectHandlers()
    }

    // MARK: - Inspection

    /// Whether every informer has listed once (a readiness check).
    public var hasSynced: Bool {
        tasks.allSatisfy(\.hasSynced) && jobs.allSatisfy(\.hasSynced) && pods.allSatisfy(\.hasSynced)
    }

    /// Whether this replica reconciles now.
    public var isLeading: Bool { elector?.isLeader ?? true }

    /// Whether this replica may write as the leader at this instant: leading, with a lease renewed
    /// within the renew deadline (``LeaderElector/holdsCurrentLease``). Every write a leader makes
    /// asks it first.
    public var holdsCurrentLease: Bool { elector?.holdsCurrentLease ?? true }

    /// How many tasks wait for the dry run of their Job template (put off behind the decisions
    /// already queued, or retried after a failure); benchmarks wait for zero before a burst.
    public var pendingTemplateChecks: Int { deferredDryRuns.withLock(\.count) }

    /// Where a task (`namespace/name`) stands in the work queue, for diagnostics.
    public func queueState(of key: String) -> String { queue.describe(key) }

    /// Every task in the informer caches (the alert dispatcher's maintenance pass reads them).
    public var cachedTasks: [ScheduledTask] { tasks.flatMap(\.cache.objects) }

    // MARK: - Running

    /// Runs informers, and while leading the workers, until graceful shutdown.
    ///
    /// - Throws: ``StopError`` when the lease was lost: the process should exit so that it
    ///   restarts with fresh state.
    public func run() async throws {
        let outcome: LeaderElectionOutcome? = try await withThrowingTaskGroup(of: LeaderElectionOutcome?.self) {
            group in
            for informer in tasks {
                group.addTask {
                    await informer.run()
                    return nil
                }
            }
            for informer in jobs {
                group.addTask {
                    await informer.run()
                    return nil
                }
            }
            for informer in pods {
                group.addTask {
                    await informer.run()
                    return nil
                }
            }
            group.addTask {
                try await cancelWhenGracefulShutdown {
                    try await self.compete()
                }
            }
            // The election (or the leading scope) ends the controller; informers follow.
            var outcome: LeaderElectionOutcome?
            while let next = try await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
        if outcome == .lostLeadership {
            throw StopError(description: "lost the leader election lease; exiting so a fresh process takes over")
        }
    }

    private func compete() async throws -> LeaderElectionOutcome {
        await waitUntilSynced()
        guard let elector else {
            await lead()
            return .stopped
        }
        return try await elector.run { await self.lead() }
    }

    private func waitUntilSynced() async {
        for informer in tasks { await informer.waitUntilSynced() }
        for informer in jobs { await informer.waitUntilSynced() }
        for informer in pods { await informer.waitUntilSynced() }
    }

    /// The leading scope: every task is enqueued (a new leader rebuilds its view from the
    /// cluster), then workers and status writers run until cancelled.
    func lead() async {
        logger.info(
            "leading: reconciling ScheduledTasks", metadata: ["tasks": "\(tasks.map(\.cache.count).reduce(0, +))"])
        for informer in tasks {
            for task in informer.cache.objects { enqueue(task) }
        }
        await withDiscardingTaskGroup { group in
            group.addTask {
                // A reconcile in progress may be about to create a due Job: it is foreground work, and
                // so are the keys waiting for a worker (a free worker takes the next one at once).
                await self.queue.runWorkers(self.configuration.workers) { key in
                    await self.foreground.withForeground { await self.reconcile(key) }
                }
            }
            group.addTask { await self.statusWriter.run(workers: self.configuration.statusWriters) }
            // Events are written here, so a reconcile never waits for one.
            group.addTask { await self.events.deliverSubmitted(logger: self.logger, gate: self.foreground) }
        }
        logger.info("stopped leading")
    }

    // MARK: - Handlers (they only enqueue keys)

    private func connectHandlers() {
        let onTask = Informer<ScheduledTask>.Handler(
            onAdd: { [weak self] in self?.enqueue($0) },
            onUpdate: { [weak self] _, new in self?.enqueue(new) },
            onDelete: { [weak self] in self?.enqueue($0) })
        for informer in tasks { informer.addHandler(onTask) }
        for informer in jobs { informer.addHandler(dependentHandler()) }
        for informer in pods { informer.addHandler(dependentHandler()) }
    }

    /// A handler that enqueues the task a Job or Pod belongs to.
    private func dependentHandler<T: KubeResource>() -> Informer<T>.Handler {
        Informer<T>.Handler(
            onAdd: { [weak self] in self?.enqueueTask(ofDependent: $0.metadata) },
            onUpdate: { [weak self] _, new in self?.enqueueTask(ofDependent: new.metadata) },
            onDelete: { [weak self] in self?.enqueueTask(ofDependent: $0.metadata) })
    }

    func enqueue(_ task: ScheduledTask) {
        queue.add(StatusWriter.key(of: task), priority: task.spec.effectiveTier.rank)
    }

    /// Enqueues the task of a Job or Pod, at the task's priority.
    func enqueueTask(ofDependent meta: ObjectMeta) {
        guard let key = Self.taskKey(meta) else { return }
        queue.add(key, priority: cachedTask(key)?.spec.effectiveTier.rank ?? 0)
    }

    // MARK: - Cache access

    func cachedTask(_ key: String) -> ScheduledTask? {
        for informer in tasks {
            if let task = informer.cache.object(forKey: key) { return task }
        }
        return nil
    }

    func dependents<T>(_ informers: [Informer<T>], of key: String) -> [T] {
        informers.flatMap { $0.cache.objects(in: Self.taskIndex, matching: key) }
    }

    /// `namespace/<punctual.dev/task label>` of a Job or Pod.
    static func taskKey(_ meta: ObjectMeta) -> String? {
        guard let name = meta.labels?[ScheduledTask.taskLabel], !name.isEmpty else { return nil }
        return "\(meta.namespace ?? "")/\(name)"
    }

    static func taskKey<T: KubeResource>(_ object: T) -> [String] {
        taskKey(object.metadata).map { [$0] } ?? []
    }
}
