/// How urgent an alert is; derived by the controller from the task's priority tier.
///
/// The raw values follow the usual Alertmanager routing vocabulary, so existing routes that
/// match `severity="critical"` or `severity="warning"` work unchanged.
public enum Severity: String, Codable, Sendable, Hashable, CaseIterable {
    case critical
    case error
    case warning
    case info
}
