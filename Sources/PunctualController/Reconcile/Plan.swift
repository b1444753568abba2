import Foundation
import KubeClient

/// What one reconcile decided: actions for the executor, the status to write and when to look
/// at the task again.
///
/// The executor performs ``actions`` in order. They are sorted by ``Action/DispatchClass``, so
/// Job creates (the only actions whose delay makes a run late) come before alerts, the status
/// write, events and deletes when the API budget is short.
public struct Plan: Sendable, Hashable {
    public var actions: [Action]
    /// The status after this decision (also in an ``Action/updateStatus(_:)`` when it changed).
    public var status: ScheduledTaskStatus
    /// The exact next instant anything is due (a slot plus jitter, a starting deadline, the end
    /// of a backoff, an active deadline or long-running mark, a queued slot's expiry); nil when
    /// nothing is, e.g. for an invalid or suspended task without runs.
    public var requeueAt: Date?
    /// Work was put off because the status decided from was not yet known to be stored (a
    /// finished Job is pruned, and a replaced one deleted, only once a stored status records it):
    /// the task is to be decided again once its status write lands, which no watch event may
    /// announce.
    public var awaitsStoredStatus = false

    public init(actions: [Action], status: ScheduledTaskStatus, requeueAt: Date?) {
        self.actions = actions.enumerated()
            .sorted { ($0.element.dispatchClass, $0.offset) < ($1.element.dispatchClass, $1.offset) }
            .map(\.element)
        self.status = status
        self.requeueAt = requeueAt
    }

    /// The events of the plan, in order.
    public var events: [PlannedEvent] {
        actions.compactMap { if case .emitEvent(let event) = $0 { event } else { nil } }
    }

    /// The Jobs the plan creates, in order.
    public var jobCreations: [JobCreation] {
        actions.compactMap { if case .createJob(let creation) = $0 { creation } else { nil } }
    }

    /// The Jobs the plan deletes.
    public var jobDeletions: [JobDeletion] {
        actions.compactMap { if case .deleteJob(let deletion) = $0 { deletion } else { nil } }
    }

    /// The alerts the plan records.
    public var alerts: [PlannedAlert] {
        actions.compactMap { if case .alert(let alert) = $0 { alert } else { nil } }
    }

    /// The placeholder Pods the plan creates, in order.
    public var placeholderCreations: [PlaceholderCreation] {
        actions.compactMap { if case .createPlaceholder(let creation) = $0 { creation } else { nil } }
    }

    /// The placeholder Pods the plan deletes.
    public var placeholderDeletions: [PlaceholderDeletion] {
        actions.compactMap { if case .deletePlaceholder(let deletion) = $0 { deletion } else { nil } }
    }

    /// Whether the plan writes status.
    public var writesStatus: Bool {
        actions.contains { if case .updateStatus = $0 { true } else { false } }
    }
}

/// One thing the executor does.
public enum Action: Sendable, Hashable {
    /// Create a Job. A 409 means another controller (or this one before a crash) already did.
    case createJob(JobCreation)
    /// Delete a Job with propagation `Background`.
    case deleteJob(JobDeletion)
    /// Record a Kubernetes Event on the task.
    case emitEvent(PlannedEvent)
    /// Hand an alert to the alert dispatcher.
    case alert(PlannedAlert)
    /// Write the task's status subresource (only present when it changed).
    case updateStatus(ScheduledTaskStatus)
    /// Create a placeholder Pod holding capacity before a slot. A 409 means it exists already.
    case createPlaceholder(PlaceholderCreation)
    /// Delete a placeholder Pod: its slot is due or passed, or it is no longer wanted.
    case deletePlaceholder(PlaceholderDeletion)

    /// The order in which the executor spends its API budget, lowest first.
    ///
    /// Placeholders of a due slot are deleted right after the Job is created, so the capacity they
    /// held goes to the run; new placeholders are created last (their slot is still ahead).
    /// Alerts come before the status write: the dispatcher records each alert durably (see
    /// ``AlertDispatcher``) before the status that marks its transition as handled is submitted,
    /// so a crash in between makes the next leader find the record, not lose the alert.
    public enum DispatchClass: Int, Sendable, Hashable, Comparable {
        case jobCreate = 0
        case placeholderDelete = 1
        case alert = 2
        case statusWrite = 3
        case event = 4
        case jobDelete = 5
        case placeholderCreate = 6

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var dispatchClass: DispatchClass {
        switch self {
        case .createJob: .jobCreate
        case .updateStatus: .statusWrite
        case .emitEvent: .event
        case .alert: .alert
        case .deleteJob: .jobDelete
        case .createPlaceholder: .placeholderCreate
        case .deletePlaceholder: .placeholderDelete
        }
    }
}

/// A Job to create: the complete object (template fields passed through untouched) plus the
/// run it belongs to.
public struct JobCreation: Sendable, Hashable {
    public var name: String
    public var slot: Date
    public var attempt: Int
    /// The task's tier: when many Jobs are due at once, the executor creates higher tiers first.
    public var tier: ScheduledTaskSpec.Priority.Tier
    /// When the run was due (the slot plus the task's jitter, or a retry's end of backoff): the
    /// executor measures how late the Job really was created against it.
    public var due: Date
    /// The batch/v1 Job, ready to POST.
    public var job: JSONValue

    public init(
        name: String, slot: Date, attempt: Int, tier: ScheduledTaskSpec.Priority.Tier = .normal, due: Date? = nil,
        job: JSONValue
    ) {
        self.name = name
        self.slot = slot
        self.attempt = attempt
        self.tier = tier
        self.due = due ?? slot
        self.job = job
    }
}

/// A Job to delete, and why.
public struct JobDeletion: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        /// Concurrency policy Replace started a newer slot.
        case replaced = "Replaced"
        /// The run was still Pending past its starting deadline.
        case startingDeadlineExceeded = "StartingDeadlineExceeded"
        /// A finished Job beyond the history limits.
        case historyLimit = "HistoryLimit"
    }

    public var name: String
    public var reason: Reason
    /// Always `Background`: the Job goes at once, the garbage collector removes its Pods.
    public var propagationPolicy: String
    /// Whether the delete also carries the observed `resourceVersion` as a precondition, so the
    /// Job is deleted only in the state the decision saw. A Job that changed since — most
    /// importantly one that completed just before a Replace — survives (the server answers 409,
    /// which is *done*), and the next decision records what it became. Without an observed Job
    /// to take the version from, the executor sends nothing.
    public var isConditional: Bool

    public init(name: String, reason: Reason, propagationPolicy: String = "Background", isConditional: Bool = false) {
        self.name = name
        self.reason = reason
        self.propagationPolicy = propagationPolicy
        self.isConditional = isConditional
    }
}

/// A placeholder Pod to create (pre-allocation): the complete object and the slot it holds.
public struct PlaceholderCreation: Sendable, Hashable {
    public var name: String
    public var slot: Date
    /// The v1 Pod, ready to POST.
    public var pod: JSONValue

    public init(name: String, slot: Date, pod: JSONValue) {
        self.name = name
        self.slot = slot
        self.pod = pod
    }
}

/// A placeholder Pod to delete, and why.
public struct PlaceholderDeletion: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        /// Its slot is due (the run takes the capacity over) or already passed (an orphan).
        case slotDue = "SlotDue"
        /// The task no longer reserves this slot: suspended, invalid, schedule or pre-allocation
        /// changed.
        case notWanted = "NotWanted"
        /// The pod template changed since it was created; a current one replaces it.
        case outdated = "Outdated"
        /// It stopped (evicted, preempted) and holds nothing any more; a new one replaces it.
        case ended = "Ended"
    }

    public var name: String
    /// The observed Pod's uid, sent as a precondition so a newer Pod of the same name survives.
    public var uid: String?
    public var reason: Reason

    public init(name: String, uid: String?, reason: Reason) {
        self.name = name
        self.uid = uid
        self.reason = reason
    }
}

/// An Event on the task.
public struct PlannedEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case normal = "Normal"
        case warning = "Warning"
    }

    public var type: Kind
    /// CamelCase, e.g. `Created`, `Missed`, `RetriesExhausted`.
    public var reason: String
    public var message: String

    public init(type: Kind, reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }
}

/// An alert for the dispatcher (only kinds in `spec.alerting.on` are planned).
public struct PlannedAlert: Sendable, Hashable {
    public typealias Kind = ScheduledTaskSpec.Alerting.AlertKind

    public var kind: Kind
    /// The slot of the run the alert is about.
    public var scheduledTime: Date
    public var attempt: Int
    public var job: String?
    public var message: String
    /// A CamelCase cause (`BackoffLimitExceeded`, `StartingDeadlineExceeded`...), when known.
    public var reason: String?
    /// Failed, missed or timed-out runs in a row when the alert was decided (for Recovered:
    /// how many preceded the success).
    public var consecutiveFailures: Int

    public init(
        kind: Kind, scheduledTime: Date, attempt: Int, job: String?, message: String, reason: String? = nil,
        consecutiveFailures: Int = 0
    ) {
        self.kind = kind
        self.scheduledTime = scheduledTime
        self.attempt = attempt
        self.job = job
        self.message = message
        self.reason = reason
        self.consecutiveFailures = consecutiveFailures
    }
}
