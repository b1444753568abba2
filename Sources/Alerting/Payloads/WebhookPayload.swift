import Foundation

/// The generic webhook payload, version `punctual.dev/v1`.
///
/// A stable, documented JSON object (see docs/alerting.md). Fields are only ever added within a
/// version; a change of meaning gets a new `version`. Example:
///
/// ```json
/// {"version": "punctual.dev/v1", "id": "batch/report/2026-11-21T02:00:00Z/1/Failed",
///  "status": "firing", "kind": "Failed", "severity": "warning",
///  "task": {"namespace": "batch", "name": "report"},
///  "run": {"scheduledTime": "2026-11-21T02:00:00Z", "attempt": 1, "job": "report-29398200"},
///  "reason": "BackoffLimitExceeded", "message": "exit code 1", "consecutiveFailures": 2,
///  "summary": "ScheduledTask batch/report, slot ...", "firedAt": "2026-11-21T02:00:41Z"}
/// ```
public struct WebhookPayload: Codable, Sendable, Hashable {
    /// The payload's version: `punctual.dev/v1`.
    public static let currentVersion = "punctual.dev/v1"

    public struct TaskReference: Codable, Sendable, Hashable {
        public var namespace: String
        public var name: String
    }

    public struct Run: Codable, Sendable, Hashable {
        public var scheduledTime: Date
        public var attempt: Int
        public var job: String?
    }

    public var version: String
    /// The alert's identity, `namespace/task/slot/attempt/kind`: the same in every request
    /// for one alert. Delivery is at least once (a leader that dies after a delivery succeeded,
    /// before recording it, leaves it to the next leader), so a receiver that must not act
    /// twice deduplicates on it.
    public var id: String
    /// `firing` for problems, `resolved` for Recovered.
    public var status: String
    public var kind: AlertKind
    public var severity: Severity
    public var task: TaskReference
    public var run: Run
    public var reason: String?
    public var message: String
    public var consecutiveFailures: Int
    /// The human sentence (``Alert/summary``).
    public var summary: String
    public var firedAt: Date

    public init(_ alert: Alert) {
        version = Self.currentVersion
        id = alert.identity
        status = alert.kind.isProblem ? "firing" : "resolved"
        kind = alert.kind
        severity = alert.severity
        task = TaskReference(namespace: alert.namespace, name: alert.task)
        run = Run(scheduledTime: alert.scheduledTime, attempt: alert.attempt, job: alert.job)
        reason = alert.reason
        message = alert.message
        consecutiveFailures = alert.consecutiveFailures
        summary = alert.summary
        firedAt = alert.firedAt
    }

    /// The request body for `alert`.
    public static func body(for alert: Alert) throws(AlertingError) -> Data {
        try PayloadEncoding.encode(WebhookPayload(alert), for: "webhook")
    }
}
