import Foundation

/// One alert about one run of a scheduled task: everything a receiver needs, and nothing secret.
///
/// The controller builds it from a planned alert and the task; the payload encoders turn it
/// into each receiver's wire format. Its ``identity`` (task, slot, attempt, kind) is what
/// deduplication is keyed on, together with the receiver.
public struct Alert: Codable, Sendable, Hashable {
    /// The task's namespace.
    public var namespace: String
    /// The task's name.
    public var task: String
    public var kind: AlertKind
    /// The slot of the run the alert is about.
    public var scheduledTime: Date
    /// The run's attempt, 1 for the first.
    public var attempt: Int
    /// The run's Job, when it had one (a Missed or Skipped slot may not).
    public var job: String?
    /// A CamelCase cause, e.g. `BackoffLimitExceeded` or `StartingDeadlineExceeded`.
    public var reason: String?
    /// The details: exit code and termination message, the scheduler's verdict, and so on.
    public var message: String
    /// Failed, missed or timed-out runs in a row (for Recovered: how many preceded the success).
    public var consecutiveFailures: Int
    public var severity: Severity
    /// When the controller decided the alert.
    public var firedAt: Date

    public init(
        namespace: String, task: String, kind: AlertKind, scheduledTime: Date, attempt: Int = 1,
        job: String? = nil, reason: String? = nil, message: String, consecutiveFailures: Int = 0,
        severity: Severity = .warning, firedAt: Date
    ) {
        self.namespace = namespace
        self.task = task
        self.kind = kind
        self.scheduledTime = scheduledTime
        self.attempt = attempt
        self.job = job
        self.reason = reason
        self.message = message
        self.consecutiveFailures = consecutiveFailures
        self.severity = severity
        self.firedAt = firedAt
    }

    /// What deduplication is keyed on (with the receiver): one alert per task, slot, attempt and kind.
    public var identity: String {
        "\(namespace)/\(task)/\(AlertTime.format(scheduledTime))/\(attempt)/\(kind.rawValue)"
    }
}
