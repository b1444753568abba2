import Foundation
import KubeClient

/// What the controller observed and did: `status` of a ScheduledTask, written only through the
/// status subresource.
///
/// Everything needed to continue after a failover lives here or in the Jobs themselves: a new
/// leader rebuilds its view from the cluster, never from memory.
public struct ScheduledTaskStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var conditions: [Condition]?
    /// The latest slot a run was started or recorded for.
    public var lastScheduleTime: Date?
    public var lastSuccessfulTime: Date?
    public var nextScheduleTime: Date?
    /// The phase of the latest finished run (printer column LAST RESULT).
    public var lastResult: Run.Phase?
    /// `active.count`, for the printer column ACTIVE.
    public var activeRuns: Int?
    public var active: [ActiveRun]?
    /// The latest runs, newest last, capped at `spec.history.runsLimit`.
    public var runs: [Run]?
    public var consecutiveFailures: Int?
    public var missedRuns: Int64?
    /// The schedule and zone last acted on and since when (edits never create past runs).
    public var schedule: ObservedSchedule?
    /// The last `punctual.dev/trigger` value acted on, so each value fires once.
    public var lastTrigger: String?
    /// Due slots held by concurrency policy `Queue`, oldest first.
    public var queued: [Date]?
    /// Failed runs waiting for their backoff to end before the next attempt is created.
    public var retries: [PendingRetry]?
    /// The capacity held for the next slot by placeholder Pods (`spec.priority.preAllocate`).
    public var reservation: Reservation?

    public init() {}

    /// A condition of the task: `Ready`, `Suspended`, `Failing` or `InvalidSpec`.
    public struct Condition: Codable, Sendable, Hashable {
        public var type: String
        public var status: String
        public var reason: String?
        public var message: String?
        public var lastTransitionTime: Date?
        public var observedGeneration: Int64?

        public init(
            type: String, status: String, reason: String? = nil, message: String? = nil,
            lastTransitionTime: Date? = nil, observedGeneration: Int64? = nil
        ) {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
            self.lastTransitionTime = lastTransitionTime
            self.observedGeneration = observedGeneration
        }
    }

    /// A run that has a live Job.
    public struct ActiveRun: Codable, Sendable, Hashable {
        public var name: String
        public var scheduledTime: Date
        public var attempt: Int
        /// When the controller created (or adopted) the Job; a Job missing from the cache is only
        /// judged gone once this is old enough for the cache to have caught up.
        public var createdAt: Date?
        /// Whether the LongRunning alert was already sent for this run.
        public var longRunningReported: Bool?
        /// The slot (or manual trigger instant) of the run that replaced this one under
        /// `concurrencyPolicy: Replace`. The run no longer counts towards concurrency; its Job is
        /// deleted once a stored status carries this mark, and its result is recorded when the Job
        /// is seen gone or finished: `Replaced`, or `Succeeded` when it completed first.
        public var replacedBy: Date?

        public init(
            name: String, scheduledTime: Date, attempt: Int, createdAt: Date? = nil, longRunningReported: Bool? = nil,
            replacedBy: Date? = nil
        ) {
            self.name = name
            self.scheduledTime = scheduledTime
            self.attempt = attempt
            self.createdAt = createdAt
            self.longRunningReported = longRunningReported
            self.replacedBy = replacedBy
        }
    }

    /// The next attempt of a failed slot, created once `notBefore` has passed.
    ///
    /// The failure counts travel with the slot (and on the retry Job's annotations), so the
    /// budgets hold even after the history pruned the earlier attempts.
    public struct PendingRetry: Codable, Sendable, Hashable {
        public var scheduledTime: Date
        /// The attempt to create (2 for the first retry).
        public var attempt: Int
        /// The Job name of that attempt.
        public var job: String
        public var notBefore: Date
        public var startupFailures: Int
        public var runFailures: Int
        /// The `punctual.dev/trigger` value when the run was started by hand.
        public var trigger: String?

        public init(
            scheduledTime: Date, attempt: Int, job: String, notBefore: Date, startupFailures: Int, runFailures: Int,
            trigger: String? = nil
        ) {
            self.scheduledTime = scheduledTime
            self.attempt = attempt
            self.job = job
            self.notBefore = notBefore
            self.startupFailures = startupFailures
            self.runFailures = runFailures
            self.trigger = trigger
        }
    }

    /// One entry of the run history.
    public struct Run: Codable, Sendable, Hashable {
        public var scheduledTime: Date
        public var attempt: Int
        public var job: String?
        public var phase: Phase
        public var startTime: Date?
        public var completionTime: Date?
        public var reason: String?
        public var message: String?

        public init(
            scheduledTime: Date, attempt: Int, job: String? = nil, phase: Phase, startTime: Date? = nil,
            completionTime: Date? = nil, reason: String? = nil, message: String? = nil
        ) {
            self.scheduledTime = scheduledTime
            self.attempt = attempt
            self.job = job
            self.phase = phase
            self.startTime = startTime
            self.completionTime = completionTime
            self.reason = reason
            self.message = message
        }

        public enum Phase: String, Codable, Sendable, Hashable, CaseIterable {
            case pending = "Pending"
            case running = "Running"
            case succeeded = "Succeeded"
            case failed = "Failed"
            case missed = "Missed"
            case skipped = "Skipped"
            case deadlineExceeded = "DeadlineExceeded"

            /// Whether the run is over.
            public var isFinished: Bool {
                switch self {
                case .pending, .running: false
                case .succeeded, .failed, .missed, .skipped, .deadlineExceeded: true
                }
            }
        }
    }

    /// Placeholder Pods holding a slot's capacity, and how far the scheduler placed them.
    public struct Reservation: Codable, Sendable, Hashable {
        /// The slot the capacity is held for.
        public var slot: Date
        /// Placeholder Pods wanted: one per pod the run starts at once.
        public var pods: Int
        /// Placeholder Pods bound to a node.
        public var placed: Int
        public var phase: Phase
        /// What the scheduler said about a placeholder it could not place.
        public var message: String?

        public init(slot: Date, pods: Int, placed: Int, phase: Phase, message: String? = nil) {
            self.slot = slot
            self.pods = pods
            self.placed = placed
            self.phase = phase
            self.message = message
        }

        public enum Phase: String, Codable, Sendable, Hashable, CaseIterable {
            /// Placeholders created; the scheduler has not placed or refused any of them yet.
            case pending = "Pending"
            /// Every placeholder is bound to a node: the run's capacity is held.
            case reserved = "Reserved"
            /// Some placeholders are bound, others wait for room.
            case partial = "Partial"
            /// The scheduler finds room for none of the placeholders.
            case unschedulable = "Unschedulable"
        }
    }

    /// The schedule the controller acted on and when it started doing so.
    public struct ObservedSchedule: Codable, Sendable, Hashable {
        public var expression: String
        public var timeZone: String
        public var since: Date

        public init(expression: String, timeZone: String, since: Date) {
            self.expression = expression
            self.timeZone = timeZone
            self.since = since
        }
    }
}

// MARK: - Conditions

extension ScheduledTaskStatus {
    /// Sets condition `type`, keeping its position and its `lastTransitionTime` when the status value
    /// does not change (so an unchanged status writes nothing).
    ///
    /// - Parameters:
    ///   - now: the transition time recorded when the value changes or the condition is new.
    ///   - observedGeneration: the spec generation the condition was computed for.
    public mutating func setCondition(
        _ type: String, _ isTrue: Bool, reason: String, message: String, now: Date, observedGeneration: Int64?
    ) {
        var all = conditions ?? []
        let value = isTrue ? "True" : "False"
        let index = all.firstIndex { $0.type == type }
        let since = index.flatMap { all[$0].status == value ? all[$0].lastTransitionTime : nil } ?? now
        let condition = Condition(
            type: type, status: value, reason: reason, message: message, lastTransitionTime: since,
            observedGeneration: observedGeneration)
        if let index { all[index] = condition } else { all.append(condition) }
        conditions = all
    }
}
