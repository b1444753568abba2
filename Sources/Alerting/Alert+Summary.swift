import Foundation

// MARK: - The human sentence

extension Alert {
    /// One plain sentence for people, without links or markup, e.g.
    /// "ScheduledTask batch/report, slot 2026-11-21T02:00:00Z, attempt 1: failed (2 in a row): exit code 1."
    public var summary: String {
        let run = "ScheduledTask \(namespace)/\(task), slot \(AlertTime.format(scheduledTime)), attempt \(attempt)"
        let streak = consecutiveFailures > 1 ? " (\(consecutiveFailures) in a row)" : ""
        let detail = message.isEmpty ? "" : ": \(message)"
        let what: String
        switch kind {
        case .failed: what = "failed\(streak)\(detail)"
        case .retriesExhausted: what = "failed with no retries left\(detail)"
        case .missed: what = "missed\(streak)\(detail)"
        case .skipped: what = "skipped\(detail)"
        case .deadlineExceeded: what = "exceeded its active deadline\(streak)\(detail)"
        case .longRunning: what = "still running\(detail)"
        case .recovered:
            what =
                "succeeded after \(consecutiveFailures) failed, missed or timed-out run"
                + (consecutiveFailures == 1 ? "" : "s")
        }
        let sentence = "\(run): \(what)"
        return sentence.hasSuffix(".") ? sentence : sentence + "."
    }

    /// A short title: "Failed: batch/report".
    public var title: String { "\(kind.rawValue): \(namespace)/\(task)" }
}
