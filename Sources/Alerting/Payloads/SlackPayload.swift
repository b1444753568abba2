import Foundation

/// A Slack incoming-webhook message: `text` (the notification and fallback) plus Block Kit
/// `blocks` (a header, the sentence, and the run's fields).
public enum SlackPayload {
    struct Message: Encodable {
        var text: String
        var blocks: [Block]
    }

    struct Text: Encodable {
        var type: String
        var text: String
    }

    struct Block: Encodable {
        var type: String
        var text: Text?
        var fields: [Text]?
    }

    /// The request body for `alert`.
    public static func body(for alert: Alert) throws(AlertingError) -> Data {
        try PayloadEncoding.encode(message(for: alert), for: "slack")
    }

    static func message(for alert: Alert) -> Message {
        var fields = [
            field("Task", "\(alert.namespace)/\(alert.task)"),
            field("Slot", AlertTime.format(alert.scheduledTime)),
            field("Attempt", "\(alert.attempt)"),
            field("Severity", alert.severity.rawValue),
        ]
        if let job = alert.job { fields.append(field("Job", job)) }
        if let reason = alert.reason { fields.append(field("Reason", reason)) }
        if alert.consecutiveFailures > 0 {
            fields.append(field("Consecutive failures", "\(alert.consecutiveFailures)"))
        }
        let icon = alert.kind.isProblem ? ":rotating_light:" : ":white_check_mark:"
        return Message(
            text: alert.summary,
            blocks: [
                Block(type: "header", text: Text(type: "plain_text", text: String(alert.title.prefix(150)))),
                Block(type: "section", text: Text(type: "mrkdwn", text: "\(icon) \(escape(alert.summary))")),
                Block(type: "section", fields: fields),
            ])
    }

    private static func field(_ name: String, _ value: String) -> Text {
        Text(type: "mrkdwn", text: "*\(name)*\n\(escape(value))")
    }

    /// Slack's three control characters in mrkdwn text.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
