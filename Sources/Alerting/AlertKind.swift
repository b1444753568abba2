/// What happened to a scheduled task, as named in `spec.alerting.on`.
///
/// The raw values are the API's spelling and appear unchanged in every payload, in the
/// Alertmanager `kind` label and in the metric's `kind` label.
public enum AlertKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// An attempt of a run failed (a container exited non-zero, or the Job vanished).
    case failed = "Failed"
    /// The last allowed attempt of a run failed.
    case retriesExhausted = "RetriesExhausted"
    /// A slot was not started in time: its starting deadline passed, or no leader ran then.
    case missed = "Missed"
    /// The concurrency policy (Forbid, Queue) dropped a slot.
    case skipped = "Skipped"
    /// A run hit `activeDeadlineSeconds` and was killed.
    case deadlineExceeded = "DeadlineExceeded"
    /// A run is still going after `longRunningSeconds`.
    case longRunning = "LongRunning"
    /// The first success after one or more failures.
    case recovered = "Recovered"

    /// The kinds a task alerts on when `spec.alerting.on` is absent.
    public static let defaults: [AlertKind] = [.failed, .missed, .deadlineExceeded, .retriesExhausted, .recovered]

    /// Whether the kind announces a problem (every kind but ``recovered``).
    public var isProblem: Bool { self != .recovered }
}

/// Another name for ``AlertKind``, for scopes where `Alerting` names something else (the
/// controller's `ScheduledTaskSpec.Alerting`).
public typealias AlertingKind = AlertKind
