import Foundation
import KubeClient
import KubeSim
import PunctualController
import Synchronization

/// The cluster's own record of a soak: every Job ever created with its pods and its outcome, and
/// every run entry any status of a task ever showed.
///
/// It follows the simulated store directly (not over HTTP, and with a fault-exempt subscription, so
/// injected faults never touch it) from
/// the first object on, and keeps what the cluster later forgets: Jobs pruned by the history
/// limits or deleted by a policy, and run entries trimmed by `runsLimit`. The invariants are
/// checked against this record, never against what a controller believes.
public final class SoakLedger: Sendable {
    /// One Job, from its creation on.
    public struct JobRecord: Sendable, Hashable {
        public var uid: String
        public var name: String
        /// The key `namespace/name` of the task it belongs to.
        public var task: String
        /// The slot it runs (`punctual.dev/scheduled-time`); `nil` when unreadable.
        public var slot: Date?
        public var attempt: Int
        /// Set for runs started by hand.
        public var isManual: Bool
        public var isComplete = false
        public var isFailed = false
        public var isDeleted = false
        /// When it finished (its `Complete` or `Failed` condition's transition), if it did.
        public var finishedAt: Date?
        /// The names of the pods created for it.
        public var pods: Set<String> = []

        public init(
            uid: String, name: String, task: String, slot: Date?, attempt: Int, isManual: Bool = false,
            isComplete: Bool = false, isFailed: Bool = false, isDeleted: Bool = false, pods: Set<String> = []
        ) {
            self.uid = uid
            self.name = name
            self.task = task
            self.slot = slot
            self.attempt = attempt
            self.isManual = isManual
            self.isComplete = isComplete
            self.isFailed = isFailed
            self.isDeleted = isDeleted
            self.pods = pods
        }
    }

    /// Identifies one run entry of a task's status.
    public struct RunKey: Sendable, Hashable, Comparable {
        public var task: String
        public var slot: Date
        public var attempt: Int

        public init(task: String, slot: Date, attempt: Int) {
            self.task = task
            self.slot = slot
            self.attempt = attempt
        }

        public static func < (lhs: RunKey, rhs: RunKey) -> Bool {
            (lhs.task, lhs.slot, lhs.attempt) < (rhs.task, rhs.slot, rhs.attempt)
        }
    }

    /// Every state a run entry went through, across all status writes.
    public struct RunHistory: Sendable, Hashable {
        /// The last entry seen.
        public var latest: ScheduledTaskStatus.Run
        /// The finished phases it was recorded with (more than one is a contradiction).
        public var finishedPhases: Set<ScheduledTaskStatus.Run.Phase> = []

        public init(latest: ScheduledTaskStatus.Run, finishedPhases: Set<ScheduledTaskStatus.Run.Phase> = []) {
            self.latest = latest
            self.finishedPhases = finishedPhases
        }
    }

    /// A stored status that moved a task's `lastScheduleTime`, with the slots of the runs that
    /// status listed: a move past a slot no run names is how a dropped slot shows.
    public struct ScheduleMove: Sendable, Hashable {
        public var revision: Int64
        public var from: Date?
        public var to: Date?
        /// The slots of the runs in the status that made the move (the newest ten).
        public var runSlots: [Date]

        public init(revision: Int64, from: Date?, to: Date?, runSlots: [Date]) {
            self.revision = revision
            self.from = from
            self.to = to
            self.runSlots = runSlots
        }
    }

    /// What the ledger holds at one moment.
    public struct Snapshot: Sendable {
        /// Jobs by uid.
        public var jobs: [String: JobRecord] = [:]
        public var runs: [RunKey: RunHistory] = [:]
        /// Set when the ledger lost events (it could not resume its subscription).
        public var gap: String?
        /// The store's resourceVersion of the last event applied.
        public var revision: Int64 = 0
        /// Pods whose Job was not in the ledger when they appeared.
        public var orphanPods = 0
        /// Every change of each task's `lastScheduleTime`, in store order.
        public var scheduleMoves: [String: [ScheduleMove]] = [:]
        /// When each alert-ledger entry (keyed as in the `punctual.dev/alerts` annotation) was first
        /// stored `sent` or `failed`, on the store's clock.
        public var alertsFinished: [String: Date] = [:]

        public init(jobs: [String: JobRecord] = [:], runs: [RunKey: RunHistory] = [:]) {
            self.jobs = jobs
            self.runs = runs
        }
    }

    private struct State {
        var snapshot = Snapshot()
        var isSubscribed = false
        var subscriptions = 0
    }

    static let resources: Set<GroupResource> = [
        GroupResource(group: "batch", resource: "jobs"), GroupResource(group: "", resource: "pods"),
        GroupResource(group: "punctual.dev", resource: "scheduledtasks"),
    ]

    private let store: SimStore
    private let state = Mutex(State())

    public init(store: SimStore) {
        self.store = store
    }

    /// What has been recorded so far.
    public var snapshot: Snapshot { state.withLock { $0.snapshot } }

    /// Whether the ledger currently follows the store (it resubscribes when its stream is closed).
    public var isSubscribed: Bool { state.withLock { $0.isSubscribed } }

    /// How many subscriptions it opened: one, unless its stream was closed (only a server shutdown
    /// closes it: injected faults do not).
    public var subscriptions: Int { state.withLock { $0.subscriptions } }

    // MARK: - Following the store

    /// Follows the store until cancelled, resuming after every closed stream from the last
    /// resourceVersion it applied.
    public func run() async {
        var start = WatchStart.initialState
        while !Task.isCancelled {
            let subscription: StoreSubscription
            do {
                // Fault-exempt: the dropped-watches fault must not end it, or a compaction right
                // after could overtake its resume and lose the events in between.
                subscription = try store.subscribe(resources: Self.resources, from: start, isFaultExempt: true)
            } catch {
                // The history no longer reaches back (a compaction raced a closed stream): what
                // happened in between is unknown, which fails the soak rather than hiding anything.
                state.withLock {
                    $0.snapshot.gap =
                        $0.snapshot.gap ?? "could not resume after revision \(revisionOf(start)): \(error)"
                }
                start = .initialState
                continue
            }
            state.withLock {
                $0.isSubscribed = true
                $0.subscriptions += 1
            }
            await withTaskCancellationHandler {
                for await event in subscription.events { apply(event) }
            } onCancel: {
                subscription.cancel()
            }
            let revision = state.withLock {
                $0.isSubscribed = false
                return $0.snapshot.revision
            }
            start = .after(revision)
        }
    }

    private func revisionOf(_ start: WatchStart) -> String {
        if case .after(let revision) = start { return String(revision) }
        return "0"
    }

    private func apply(_ event: StoreEvent) {
        guard event.type != .bookmark else { return }
        switch event.resource.resource {
        case "jobs": applyJob(event)
        case "pods": applyPod(event)
        case "scheduledtasks": applyTask(event)
        default: break
        }
        state.withLock { $0.snapshot.revision = max($0.snapshot.revision, event.resourceVersion) }
    }

    private func applyJob(_ event: StoreEvent) {
        guard let job = try? event.object.decode(as: Job.self), let uid = job.metadata.uid,
            let name = job.metadata.name, let taskName = job.metadata.labels?[ScheduledTask.taskLabel]
        else { return }
        let annotations = job.metadata.annotations ?? [:]
        state.withLock { state in
            var record =
                state.snapshot.jobs[uid]
                ?? JobRecord(
                    uid: uid, name: name, task: "\(job.metadata.namespace ?? "")/\(taskName)",
                    slot: annotations[ScheduledTask.scheduledTimeAnnotation].flatMap(KubeTime.parse),
                    attempt: annotations[ScheduledTask.attemptAnnotation].flatMap { Int($0) } ?? 1,
                    isManual: annotations[ScheduledTask.triggerAnnotation] != nil)
            record.isComplete = record.isComplete || job.isComplete
            record.isFailed = record.isFailed || job.isFailed
            if record.finishedAt == nil, job.isComplete || job.isFailed {
                let conditions = job.status?.conditions
                record.finishedAt =
                    (conditions?.first(ofType: "Complete") ?? conditions?.first(ofType: "Failed"))?.lastTransitionTime
            }
            if event.type == .deleted { record.isDeleted = true }
            state.snapshot.jobs[uid] = record
        }
    }

    private func applyPod(_ event: StoreEvent) {
        guard event.type == .added, let pod = try? event.object.decode(as: Pod.self), let name = pod.metadata.name,
            let owner = pod.metadata.ownerReferences?.first(where: { $0.kind == "Job" })
        else { return }
        state.withLock { state in
            if state.snapshot.jobs[owner.uid] != nil {
                state.snapshot.jobs[owner.uid]?.pods.insert(name)
            } else {
                state.snapshot.orphanPods += 1
            }
        }
    }

    private func applyTask(_ event: StoreEvent) {
        guard event.type != .deleted, let task = try? event.object.decode(as: ScheduledTask.self) else { return }
        let key = "\(task.metadata.namespace ?? "")/\(task.metadata.name ?? "")"
        let last = task.status?.lastScheduleTime
        state.withLock { state in
            let moves = state.snapshot.scheduleMoves[key] ?? []
            let before = moves.last?.to
            guard last != before else { return }
            let slots = (task.status?.runs ?? []).map(\.scheduledTime)
            state.snapshot.scheduleMoves[key] =
                moves + [
                    ScheduleMove(revision: event.resourceVersion, from: before, to: last, runSlots: slots.suffix(10))
                ]
        }
        let finished = AlertLedger(annotations: task.metadata.annotations).entries.filter { $0.state != .pending }
        if !finished.isEmpty {
            let now = store.clock.currentDate
            state.withLock { state in
                for entry in finished where state.snapshot.alertsFinished[entry.key] == nil {
                    state.snapshot.alertsFinished[entry.key] = now
                }
            }
        }
        guard let runs = task.status?.runs, !runs.isEmpty else { return }
        state.withLock { state in
            for run in runs {
                let runKey = RunKey(task: key, slot: run.scheduledTime, attempt: run.attempt)
                var history = state.snapshot.runs[runKey] ?? RunHistory(latest: run)
                history.latest = run
                if run.phase.isFinished { history.finishedPhases.insert(run.phase) }
                state.snapshot.runs[runKey] = history
            }
        }
    }
}
