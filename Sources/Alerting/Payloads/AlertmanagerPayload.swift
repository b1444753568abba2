import Foundation

/// The body of `POST /api/v2/alerts`: an array of postable alerts.
///
/// An alert's identity in Alertmanager is its label set, so labels hold only what stays the
/// same while a task keeps failing: `alertname` (`ScheduledTask<Kind>`), `namespace`,
/// `scheduledtask`, `kind` and `severity`. The run's details go to annotations. Firing alerts
/// carry an `endsAt` in the future and are re-posted before it passes (Alertmanager's own
/// expectation of a client); resolving posts the same labels with `endsAt` = now.
public enum AlertmanagerPayload {
    /// Whether a post fires an alert (until a time, renewed by re-posting) or resolves it.
    public enum State: Sendable, Hashable {
        case firing(until: Date)
        case resolved(at: Date)
    }

    struct PostableAlert: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: Date
        var endsAt: Date
    }

    /// The request path under the Alertmanager's root.
    public static let path = "/api/v2/alerts"

    /// The `alertname` label for a kind: `ScheduledTaskFailed`, `ScheduledTaskMissed`...
    public static func alertName(_ kind: AlertKind) -> String { "ScheduledTask\(kind.rawValue)" }

    /// The labels identifying `alert` in Alertmanager.
    public static func labels(for alert: Alert) -> [String: String] {
        [
            "alertname": alertName(alert.kind),
            "namespace": alert.namespace,
            "scheduledtask": alert.task,
            "kind": alert.kind.rawValue,
            "severity": alert.severity.rawValue,
        ]
    }

    /// The request body posting `alerts` in `state`.
    public static func body(for alerts: [Alert], state: State) throws(AlertingError) -> Data {
        try PayloadEncoding.encode(alerts.map { postable($0, state: state) }, for: "alertmanager")
    }

    static func postable(_ alert: Alert, state: State) -> PostableAlert {
        var annotations = [
            "summary": alert.summary,
            "description": alert.message,
            "scheduledTime": AlertTime.format(alert.scheduledTime),
            "attempt": "\(alert.attempt)",
            "consecutiveFailures": "\(alert.consecutiveFailures)",
        ]
        if let job = alert.job { annotations["job"] = job }
        if let reason = alert.reason { annotations["reason"] = reason }
        let endsAt: Date
        switch state {
        case .firing(let until): endsAt = until
        case .resolved(let at): endsAt = at
        }
        return PostableAlert(
            labels: labels(for: alert), annotations: annotations, startsAt: min(alert.firedAt, endsAt), endsAt: endsAt)
    }
}
