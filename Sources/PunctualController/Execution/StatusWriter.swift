import Foundation
import KubeClient
import KubeRuntime
import Logging
import Synchronization

/// Writes ScheduledTask statuses through the status subresource: at most one write in flight
/// per task, each carrying everything decided since the previous one.
///
/// A reconcile hands its new status to ``submit(_:)`` and returns at once, so Job creates of
/// other tasks are not held up behind status writes (the API budget rule: creates first). The
/// writes are JSON merge patches of `status` computed against the status the server is known to
/// have, so only the fields Punctual changed are sent and fields written by others survive.
///
/// Every write is conditional on the resourceVersion of the object the patch was computed
/// against. A leader that was replaced without knowing it yet (a process paused past its lease),
/// or any other writer, may have stored a status since; an unconditional patch would then put
/// back runs and a `lastScheduleTime` the other writer had moved on from, orphaning its Jobs. On
/// 409 the writer reads the task: when the other write touched other fields (or only metadata,
/// such as the alert ledger), the decided change is merged onto it (``StatusMerge``) and written
/// again; when both changed the same field, the decided status is dropped, the task's overlay
/// becomes the status read, and `onConflict` asks for a new decision.
///
/// Until the informer's cache shows the written status, ``overlay(for:cached:)`` returns the
/// newest decided status, so the next decision for the task starts from it rather than from a
/// stale cache (otherwise a miss recorded once could be counted again). Nothing here is needed
/// after a restart: a new leader decides again from the cluster.
///
/// Given a ``ForegroundGate``, each write first waits for its background turn (while Job creates
/// are in progress, bounded) and only then reads what to write, so the statuses a burst of
/// decisions produces for one task (the new run `Pending`, then its Job seen without Pods) are
/// folded into one patch. A status is held back at most the gate's ``ForegroundGate/maximumDelay``
/// in total from when it became pending, however many are queued before it: a new leader, which
/// decides every task at once, would otherwise write about one status per bound per writer for as
/// long as reconciles go on, and a short leadership would end with most of its records unwritten.
///
/// A submission may carry a ``Completion``: it is told once a patch that includes the submission
/// succeeded (each submission gets the task's next generation number; a patch reports the highest
/// one it covered, so submissions coalesced into one write are all completed by it), or that this
/// writer will not store it (the write was refused, the task is gone, or the writer stopped —
/// leadership lost or shutdown). The alert deliveries of a plan wait for it, so an alert never
/// goes out ahead of the status that records its outcome.
public final class StatusWriter: Sendable {
    /// A status to write for one task.
    public struct Submission: Sendable {
        /// The task as the decision saw it (name, namespace, uid and its status then).
        public var task: ScheduledTask
        /// The status decided for it.
        public var status: ScheduledTaskStatus

        public init(task: ScheduledTask, status: ScheduledTaskStatus) {
            self.task = task
            self.status = status
        }
    }

    /// What to do once a submission is stored, or once this writer gives up on storing it.
    /// Exactly one of the two is called, once.
    public struct Completion: Sendable {
        /// Called after a successful patch that includes the submission (or when the server
        /// already held it).
        public var stored: @Sendable () async -> Void
        /// Called when this writer will not store the submission: refused, task gone or
        /// replaced, or the writer stopped.
        public var abandoned: @Sendable () -> Void

        public init(stored: @escaping @Sendable () async -> Void, abandoned: @escaping @Sendable () -> Void) {
            self.stored = stored
            self.abandoned = abandoned
        }
    }

    /// A completion waiting for the write of its submission's generation.
    private struct Waiter {
        var generation: UInt64
        var completion: Completion
    }

    private struct Entry {
        /// The status the server is known to hold (what the patch is computed against).
        var confirmed: ScheduledTaskStatus?
        /// The resourceVersion of the object holding `confirmed`: the write's precondition.
        var baseVersion: String?
        /// The newest status decided.
        var desired: ScheduledTaskStatus
        /// The task's uid when the status was decided; a new task of the same name starts afresh.
        var uid: String?
        /// Whether `desired` has been written (then the entry only waits for the cache).
        var isWritten = false
        /// When, on the gate's clock, `desired` became pending after the last write: the gate's
        /// maximum delay counts from here, however many writes were queued before it.
        var queuedAt: WallInstant?
        /// The resourceVersion the server answered to the last write.
        var writtenVersion: String?
        /// The number of the newest submission (`desired`); counts up per task while the entry lives.
        var generation: UInt64 = 1
        /// Completions of submissions not yet covered by a write.
        var waiters: [Waiter] = []
    }

    private let client: KubeClient
    private let queue: WorkQueue<String>
    private let logger: Logger
    private let entries = Mutex<[String: Entry]>([:])
    /// Versions of tasks this process stored by other writes (the alert ledger's), with the
    /// status they hold, until a status write starts from them or the cache catches up.
    private let noted = Mutex<[String: ScheduledTask]>([:])
    /// Whether ``run(workers:)`` has returned (and not started again): nothing will be written.
    private let hasStopped = Mutex(false)
    private let onWritten: @Sendable (String) -> Void
    private let onConflict: @Sendable (String) -> Void
    private let gate: ForegroundGate?
    private let holdsCurrentLease: @Sendable () -> Bool

    /// - Parameters:
    ///   - client: where statuses are written.
    ///   - clock: the clock the writer's retry backoff waits on.
    ///   - gate: when given, each write waits for its background turn before it reads what to write.
    ///   - onWritten: called with the task key after each successful write (metrics, tests).
    ///   - onConflict: called with the task key when a decided status was dropped because another
    ///     writer changed the same fields: the task must be decided again.
    ///   - holdsCurrentLease: asked before each write; when it says no, the write waits (backoff)
    ///     until the lease is renewed or the writer stops with leadership.
    public init(
        client: KubeClient, clock: any WallClock, logger: Logger = Logger(label: "punctual.status"),
        gate: ForegroundGate? = nil, onWritten: @escaping @Sendable (String) -> Void = { _ in },
        onConflict: @escaping @Sendable (String) -> Void = { _ in },
        holdsCurrentLease: @escaping @Sendable () -> Bool = { true }
    ) {
        self.client = client
        self.holdsCurrentLease = holdsCurrentLease
        self.gate = gate
        self.logger = logger
        self.onWritten = onWritten
        self.onConflict = onConflict
        self.queue = WorkQueue(
            name: "scheduledtask-status", clock: clock,
            rateLimiter: ExponentialBackoffRateLimiter(base: .milliseconds(100), maximum: .seconds(60)))
    }

    // MARK: - Submitting

    /// Records the status decided for a task; the write follows, coalesced with later ones.
    ///
    /// - Parameter completion: told when a write including this submission succeeded, or that
    ///   none will (see ``Completion``).
    public func submit(_ submission: Submission, completion: Completion? = nil) {
        let key = Self.key(of: submission.task)
        let (replaced, conflict): ([Waiter], [String]?) = entries.withLock { entries in
            var replaced: [Waiter] = []
            var entry: Entry
            if let existing = entries[key], existing.uid == submission.task.metadata.uid {
                entry = existing
                // The decision started from an older status than the newest known (a conflict
                // was resolved meanwhile): only its own changes are carried over.
                let decided: ScheduledTaskStatus
                switch Self.rebase(submission.status, from: submission.task.status, onto: entry.desired) {
                case .status(let status): decided = status
                case .conflict(let fields): return ([], fields)
                }
                entry.desired = decided
                if entry.isWritten || entry.queuedAt == nil { entry.queuedAt = gate?.now }
                entry.isWritten = false
                entry.generation += 1
            } else {
                // A new task of the same name: what was waiting for the old one's write never will.
                replaced = entries[key]?.waiters ?? []
                entry = Entry(
                    confirmed: submission.task.status,
                    baseVersion: baseVersion(of: submission.task, key: key),
                    desired: submission.status, uid: submission.task.metadata.uid, queuedAt: gate?.now)
            }
            if let completion { entry.waiters.append(Waiter(generation: entry.generation, completion: completion)) }
            entries[key] = entry
            return (replaced, nil)
        }
        for waiter in replaced { waiter.completion.abandoned() }
        if let conflict {
            logger.info(
                "a decision started from a status that changed since; deciding again",
                metadata: ["task": "\(key)", "fields": "\(conflict.joined(separator: ","))"])
            completion?.abandoned()
            onConflict(key)
            return
        }
        // Submitted after the writers stopped (a reconcile that ended with the leading scope).
        if completion != nil, hasStopped.withLock({ $0 }) { abandonWaiters(of: key) }
        queue.add(key)
    }

    /// The precondition of a first write for `task`: its version, or a newer one this process
    /// stored since with the same status (an alert ledger write between the decision and the
    /// write changes the resourceVersion, not the status).
    private func baseVersion(of task: ScheduledTask, key: String) -> String? {
        guard let newer = noted.withLock({ $0.removeValue(forKey: key) }),
            newer.metadata.uid == task.metadata.uid, let version = newer.metadata.resourceVersion,
            Self.isVersion(version, atLeast: task.metadata.resourceVersion ?? ""),
            Self.encodes(newer.status, as: task.status)
        else { return task.metadata.resourceVersion }
        return version
    }

    /// Notes a version of a task that another writer of this process stored (the alert ledger's
    /// annotation writes), so the next status write is conditional on it rather than failing on
    /// it and reading the task again.
    public func noteStored(_ task: ScheduledTask) {
        guard let version = task.metadata.resourceVersion else { return }
        let key = Self.key(of: task)
        let isCovered = entries.withLock { entries -> Bool in
            guard var entry = entries[key], entry.uid == task.metadata.uid else { return false }
            // A write computed against the same status may carry this newer version.
            if let base = entry.baseVersion, Self.isVersion(version, atLeast: base),
                Self.encodes(task.status, as: entry.confirmed)
            {
                entry.baseVersion = version
                entries[key] = entry
            }
            return true
        }
        guard !isCovered else { return }
        noted.withLock { noted in
            if let known = noted[key]?.metadata.resourceVersion, Self.isVersion(known, atLeast: version) { return }
            noted[key] = task
        }
    }

    /// Whether `stored` is `status` as the API encodes it (dates at whole seconds, absent fields).
    static func encodes(_ stored: ScheduledTaskStatus?, as status: ScheduledTaskStatus?) -> Bool {
        guard let stored = try? JSONValue(encoding: stored ?? ScheduledTaskStatus()),
            let decided = try? JSONValue(encoding: status ?? ScheduledTaskStatus())
        else { return false }
        return stored == decided
    }

    /// A decided status carried over onto a newer one, or the fields that stop it.
    enum Rebased: Equatable {
        case status(ScheduledTaskStatus)
        /// Both sides changed these status fields differently.
        case conflict([String])
    }

    /// `decided`, derived from `start`, carried over onto `newest` (``StatusMerge``). Unchanged
    /// when `start` is `newest`, the usual case.
    static func rebase(
        _ decided: ScheduledTaskStatus, from start: ScheduledTaskStatus?, onto newest: ScheduledTaskStatus?
    ) -> Rebased {
        if start == newest { return .status(decided) }
        do {
            let base = try JSONValue(encoding: start ?? ScheduledTaskStatus())
            let ours = try JSONValue(encoding: decided)
            let theirs = try JSONValue(encoding: newest ?? ScheduledTaskStatus())
            switch StatusMerge.merge(base: base, ours: ours, theirs: theirs) {
            case .merged(let merged): return .status(try merged.decode(as: ScheduledTaskStatus.self))
            case .conflict(let fields): return .conflict(fields)
            }
        } catch {
            return .conflict(["status (\(error))"])
        }
    }

    /// The status a decision for `cached` should start from: the newest decided one while the
    /// cache has not caught up with it, else `nil` (use the cached status).
    ///
    /// Called with every task read from the cache; it forgets an entry once the cache holds the
    /// written version (or a later one).
    public func overlay(for cached: ScheduledTask) -> ScheduledTaskStatus? {
        let key = Self.key(of: cached)
        noted.withLock { noted in
            guard let task = noted[key] else { return }
            if task.metadata.uid != cached.metadata.uid
                || Self.isVersion(cached.metadata.resourceVersion, atLeast: task.metadata.resourceVersion ?? "")
            {
                noted.removeValue(forKey: key)
            }
        }
        let (overlay, replaced): (ScheduledTaskStatus?, [Waiter]) = entries.withLock { entries in
            guard let entry = entries[key] else { return (nil, []) }
            guard entry.uid == cached.metadata.uid else {
                // A new task of the same name: what waited for the old one's write never will.
                entries.removeValue(forKey: key)
                return (nil, entry.waiters)
            }
            if entry.isWritten,
                let written = entry.writtenVersion,
                Self.isVersion(cached.metadata.resourceVersion, atLeast: written)
            {
                entries.removeValue(forKey: key)
                return (nil, [])
            }
            return (entry.desired, [])
        }
        for waiter in replaced { waiter.completion.abandoned() }
        return overlay
    }

    /// Forgets a deleted task; completions waiting for its write are abandoned.
    public func forget(_ key: String) {
        _ = noted.withLock { $0.removeValue(forKey: key) }
        let waiters = entries.withLock { $0.removeValue(forKey: key)?.waiters ?? [] }
        for waiter in waiters { waiter.completion.abandoned() }
    }

    /// Abandons the completions waiting for `key`'s write (the entry itself stays).
    private func abandonWaiters(of key: String) {
        let waiters: [Waiter] = entries.withLock { entries in
            guard let waiters = entries[key]?.waiters, !waiters.isEmpty else { return [] }
            entries[key]?.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.completion.abandoned() }
    }

    /// Abandons every waiting completion: the writer stopped, a new leader writes again.
    private func abandonAllWaiters() {
        let keys = entries.withLock { Array($0.keys) }
        for key in keys { abandonWaiters(of: key) }
    }

    /// Whether a status of `key` waits to be written or is being written.
    public func isWritePending(_ key: String) -> Bool {
        entries.withLock { $0[key].map { !$0.isWritten } ?? false }
    }

    /// Whether any status is decided but not yet written.
    public var hasPendingWrites: Bool { entries.withLock { $0.values.contains { !$0.isWritten } } }

    // MARK: - Writing

    /// Writes statuses with `workers` concurrent writers until cancelled or ``shutDown()``.
    ///
    /// Completions still waiting when it returns are abandoned: this writer stores nothing more
    /// for them (a new leader decides and writes again).
    public func run(workers: Int = 2) async {
        hasStopped.withLock { $0 = false }
        await queue.runWorkers(workers) { key in
            await self.flush(key)
        }
        hasStopped.withLock { $0 = true }
        abandonAllWaiters()
    }

    /// Stops the writers after the writes in flight.
    public func shutDown() async {
        await queue.shutDown(drain: true)
    }

    /// Writes the newest status of one task (called by one worker at a time per key).
    func flush(_ key: String) async -> ReconcileResult {
        // Waiting first lets every status decided meanwhile fold into this one write.
        if let gate, let pending = entries.withLock({ $0[key] }), !pending.isWritten {
            await gate.waitForBackgroundTurn(queuedAt: pending.queuedAt)
            // Stopped while waiting (leadership lost or shutdown): a new leader decides and writes again.
            if Task.isCancelled {
                abandonWaiters(of: key)
                return .done
            }
        }
        // A conflict merged onto the newest status is written again at once; a few in a row
        // mean a busy object, and the queue's backoff takes over.
        for _ in 0..<3 {
            guard let entry = entries.withLock({ $0[key] }), !entry.isWritten else { return .done }
            switch await write(entry, key: key) {
            case .written: return .done
            case .retry: return .retry()
            case .rebased: continue
            }
        }
        return .retry()
    }

    private enum WriteOutcome {
        /// Written, or nothing more to do for it.
        case written
        /// Failed for a passing reason: try again with backoff.
        case retry
        /// The status changed under the write and the decided change was carried over: write again.
        case rebased
    }

    /// One conditional patch of `entry`'s newest status.
    private func write(_ entry: Entry, key: String) async -> WriteOutcome {
        let (namespace, name) = Self.split(key)
        let base = (try? JSONValue(encoding: entry.confirmed ?? ScheduledTaskStatus())) ?? [:]
        let target: JSONValue
        do {
            target = try JSONValue(encoding: entry.desired)
        } catch {
            logger.error("cannot encode a status", metadata: ["task": "\(key)", "error": "\(error)"])
            forget(key)
            return .written
        }
        guard let change = base.mergePatch(to: target) else {
            await markWritten(key, status: entry.desired, generation: entry.generation, version: nil)
            return .written
        }
        var patch: JSONValue = ["status": change]
        if let version = entry.baseVersion { patch["metadata"] = ["resourceVersion": .string(version)] }
        // A leader past its renew deadline may have been replaced: its status would be computed
        // from an older view than the new leader's.
        guard holdsCurrentLease() else { return .retry }
        do {
            let tasks = client.resource(ScheduledTask.self, namespace: namespace)
            let written = try await tasks.patch(name, patch: .merge(patch), subresource: "status")
            await markWritten(
                key, status: entry.desired, generation: entry.generation, version: written.metadata.resourceVersion)
            onWritten(key)
            return .written
        } catch  where error is CancellationError || Task.isCancelled {
            // Stopping (leadership lost or shutdown): a new leader decides and writes again.
            abandonWaiters(of: key)
            return .written
        } catch let error as KubeError where error.isConflict {
            return await resolveConflict(key, wrote: entry)
        } catch {
            let failure = ExecutionError(
                operation: .writeStatus, task: key, disposition: .classify(error, operation: .writeStatus),
                underlying: error)
            switch failure.disposition {
            case .retryable:
                logger.warning("status write failed; retrying", metadata: ["task": "\(key)", "error": "\(failure)"])
                return .retry
            case .terminal, .done:
                // The task is gone or the status was refused: the next decision starts from the cache.
                logger.error("status write refused", metadata: ["task": "\(key)", "error": "\(failure)"])
                forget(key)
                return .written
            }
        }
    }

    /// The task changed since the status the write was computed against: read it, and carry the
    /// decided change over onto its status, or drop it and have the task decided again.
    private func resolveConflict(_ key: String, wrote written: Entry) async -> WriteOutcome {
        let (namespace, name) = Self.split(key)
        let current: ScheduledTask
        do {
            current = try await client.resource(ScheduledTask.self, namespace: namespace).get(name)
        } catch let error as KubeError where error.isNotFound {
            forget(key)
            return .written
        } catch  where error is CancellationError || Task.isCancelled {
            abandonWaiters(of: key)
            return .written
        } catch {
            logger.warning(
                "cannot read a task whose status write conflicted; retrying",
                metadata: ["task": "\(key)", "error": "\(error)"])
            return .retry
        }
        guard current.metadata.uid == written.uid else {
            forget(key)
            return .written
        }
        enum Resolution {
            case gone
            case rebased
            /// Both changed the same fields: these completions will not be stored by this writer.
            case dropped([Waiter], fields: [String])
        }
        let resolution: Resolution = entries.withLock { entries in
            guard var entry = entries[key], entry.uid == written.uid else { return .gone }
            switch Self.rebase(entry.desired, from: entry.confirmed, onto: current.status) {
            case .status(let merged):
                entry.desired = merged
                entry.confirmed = current.status
                entry.baseVersion = current.metadata.resourceVersion
                entries[key] = entry
                return .rebased
            case .conflict(let fields):
                // Until the cache shows this version, decisions start from the status just read.
                let waiters = entry.waiters
                entry.waiters = []
                entry.confirmed = current.status
                entry.desired = current.status ?? ScheduledTaskStatus()
                entry.baseVersion = current.metadata.resourceVersion
                entry.isWritten = true
                entry.writtenVersion = current.metadata.resourceVersion
                entries[key] = entry
                return .dropped(waiters, fields: fields)
            }
        }
        switch resolution {
        case .gone:
            return .written
        case .rebased:
            return .rebased
        case .dropped(let waiters, let fields):
            logger.info(
                "the task's status changed under a write; deciding again from the stored status",
                metadata: ["task": "\(key)", "fields": "\(fields.joined(separator: ","))"])
            for waiter in waiters { waiter.completion.abandoned() }
            onConflict(key)
            return .written
        }
    }

    /// Records that the server holds `status`, the task's submission `generation`, and completes
    /// the submissions it covers: every one up to `generation` (later ones too when their status
    /// is the same).
    private func markWritten(_ key: String, status: ScheduledTaskStatus, generation: UInt64, version: String?) async {
        let (again, covered): (Bool, [Waiter]) = entries.withLock { entries in
            guard var entry = entries[key] else { return (false, []) }
            entry.confirmed = status
            entry.baseVersion = version ?? entry.baseVersion
            let isCurrent = entry.desired == status
            let covered = entry.waiters.filter { isCurrent || $0.generation <= generation }
            entry.waiters.removeAll { isCurrent || $0.generation <= generation }
            // A newer status submitted during the write is written next (coalesced).
            guard isCurrent else {
                entries[key] = entry
                return (true, covered)
            }
            entry.isWritten = true
            // Nothing to write keeps the version of an earlier write the cache has yet to show.
            entry.writtenVersion = version ?? entry.writtenVersion
            if entry.writtenVersion == nil {
                entries.removeValue(forKey: key)
            } else {
                entries[key] = entry
            }
            return (false, covered)
        }
        if again { queue.add(key) }
        for waiter in covered { await waiter.completion.stored() }
    }

    // MARK: - Keys and versions

    /// The work-queue key of a task, `namespace/name`, as the informer cache files it.
    static func key(of task: ScheduledTask) -> String {
        ObjectCache<ScheduledTask>.key(of: task)
    }

    static func split(_ key: String) -> (namespace: String, name: String) {
        guard let slash = key.firstIndex(of: "/") else { return ("", key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    /// Whether `version` is `reference` or later. resourceVersions are opaque, but every API
    /// server in use (etcd revisions, KubeSim) issues increasing integers; for anything else only
    /// equality counts.
    static func isVersion(_ version: String?, atLeast reference: String) -> Bool {
        guard let version else { return false }
        if let current = Int64(version), let written = Int64(reference) { return current >= written }
        return version == reference
    }
}
