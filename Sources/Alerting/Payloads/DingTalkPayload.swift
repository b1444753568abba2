import Foundation

/// A DingTalk custom robot message of type `markdown`.
///
/// The robot's keyword filter, if configured, is matched against the text: the title
/// ("Failed: batch/report") starts the text so that a keyword such as the kind matches.
public enum DingTalkPayload {
    struct Message: Encodable {
        struct Markdown: Encodable {
            var title: String
            var text: String
        }

        var msgtype = "markdown"
        var markdown: Markdown
    }

    /// The request body for `alert`.
    public static func body(for alert: Alert) throws(AlertingError) -> Data {
        try PayloadEncoding.encode(message(for: alert), for: "dingtalk")
    }

    static func message(for alert: Alert) -> Message {
        var lines = [
            "### \(alert.title)",
            "",
            alert.summary,
            "",
            "- **Task**: \(alert.namespace)/\(alert.task)",
            "- **Slot**: \(AlertTime.format(alert.scheduledTime))",
            "- **Attempt**: \(alert.attempt)",
            "- **Severity**: \(alert.severity.rawValue)",
        ]
        if let job = alert.job { lines.append("- **Job**: \(job)") }
        if let reason = alert.reason { lines.append("- **Reason**: \(reason)") }
        if alert.consecutiveFailures > 0 { lines.append("- **Consecutive failures**: \(alert.consecutiveFailures)") }
        return Message(markdown: .init(title: alert.title, text: lines.joined(separator: "\n")))
    }
}
