import Foundation
import KubeClient

/// One run as its Job and Pods show it: the decision's view of reality.
///
/// Built from the cluster alone (annotations, conditions, pod states), so that a new leader sees
/// exactly what the old one saw.
public struct ObservedRun: Sendable, Hashable {
    /// The observed phase; `Missed` and `Skipped` are never observed, only decided.
    public enum Phase: String, Sendable, Hashable {
        case pending = "Pending"
        case running = "Running"
        case succeeded = "Succeeded"
        case failed = "Failed"
        case deadlineExceeded = "DeadlineExceeded"

        public var isFinished: Bool { self != .pending && self != .running }

        /// The same phase in status terms.
        public var runPhase: ScheduledTaskStatus.Run.Phase {
            switch self {
            case .pending: .pending
            case .running: .running
            case .succeeded: .succeeded
            case .failed: .failed
            case .deadlineExceeded: .deadlineExceeded
            }
        }
    }

    public var jobName: String
    /// The nominal slot (`punctual.dev/scheduled-time`); the trigger instant for manual runs.
    public var slot: Date
    /// `punctual.dev/attempt`, 1 for the first.
    public var attempt: Int
    /// The `punctual.dev/trigger` value for a run started by hand.
    public var trigger: String?
    public var phase: Phase
    public var createdAt: Date?
    /// When the Job controller started the Job (its `activeDeadlineSeconds` counts from here).
    public var jobStartTime: Date?
    /// When a container of the run's pod really started running; nil while Pending.
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Why it is still Pending (`ImagePullBackOff`, `Unschedulable`...), or why it ended.
    public var reason: String?
    /// The scheduler's or kubelet's message, or the exit code and termination message.
    public var message: String?
    public var exitCode: Int32?
    /// Earlier failures of the slot, carried on retry Jobs.
    public var previousStartupFailures: Int
    public var previousRunFailures: Int
    /// The Job has a deletionTimestamp.
    public var isBeingDeleted: Bool

    public init(
        jobName: String, slot: Date, attempt: Int = 1, trigger: String? = nil, phase: Phase, createdAt: Date? = nil,
        jobStartTime: Date? = nil, startedAt: Date? = nil, finishedAt: Date? = nil, reason: String? = nil,
        message: String? = nil, exitCode: Int32? = nil, previousStartupFailures: Int = 0,
        previousRunFailures: Int = 0, isBeingDeleted: Bool = false
    ) {
        self.jobName = jobName
        self.slot = slot
        self.attempt = attempt
        self.trigger = trigger
        self.phase = phase
        self.createdAt = createdAt
        self.jobStartTime = jobStartTime
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.reason = reason
        self.message = message
        self.exitCode = exitCode
        self.previousStartupFailures = previousStartupFailures
        self.previousRunFailures = previousRunFailures
        self.isBeingDeleted = isBeingDeleted
    }

    /// A failed run whose container never ran failed to start (bad image, config error): it
    /// counts against `maxStartupRetries`, not `maxFailureRetries`.
    public var isStartupFailure: Bool { phase == .failed && startedAt == nil && exitCode == nil }

    /// Whether the run counts towards concurrency (alive and not on its way out).
    public var isActive: Bool { !phase.isFinished && !isBeingDeleted }
}
