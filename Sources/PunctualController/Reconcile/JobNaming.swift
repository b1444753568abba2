import Foundation

/// Deterministic Job names: `<task>-<slot minutes since epoch>`, `-r<k>` for attempt k > 1, and
/// `<task>-manual-<hash of the trigger value>` for runs started by hand.
///
/// The name is the lock. Two controllers (or one that crashed between creating a Job and writing
/// status) derive the same name for the same (slot, attempt), so the second create answers 409,
/// which the executor treats as "already done". No other bookkeeping can double a run.
public enum JobNaming {
    /// The longest Job name: Jobs label their pods with their name, and label values are ≤ 63.
    public static let maximumLength = 63

    /// The name of the Job for a scheduled slot.
    public static func name(task: String, slot: Date, attempt: Int = 1) -> String {
        let minutes = Int64((slot.timeIntervalSince1970 / 60).rounded(.down))
        return compose(task: task, suffix: "-\(minutes)" + attemptSuffix(attempt))
    }

    /// The name of the Job for a run started by setting `punctual.dev/trigger` to `trigger`.
    public static func manualName(task: String, trigger: String, attempt: Int = 1) -> String {
        compose(task: task, suffix: "-manual-\(StableHash.hex(trigger))" + attemptSuffix(attempt))
    }

    private static func attemptSuffix(_ attempt: Int) -> String { attempt > 1 ? "-r\(attempt)" : "" }

    /// `task + suffix`, or when too long the task name truncated and followed by a hash of the
    /// whole name, so two long names sharing a prefix still get different Jobs.
    static func compose(task: String, suffix: String) -> String {
        if task.count + suffix.count <= maximumLength { return task + suffix }
        let hash = "-" + StableHash.hex(task)
        var prefix = String(task.prefix(maximumLength - suffix.count - hash.count))
        while prefix.hasSuffix("-") || prefix.hasSuffix(".") { prefix.removeLast() }
        return prefix + hash + suffix
    }
}
