import Foundation

/// The outcome of a soak: what was injected, what was checked, and every invariant violation.
public struct SoakReport: Sendable, Codable {
    public var scenario = "soak"
    public var activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
    public var seed: UInt64
    public var minutes: Int
    public var drainMinutes: Int
    public var taskCount: Int
    /// Faults injected, by kind (every kind is listed, zero included).
    public var faults: [String: Int]
    /// Controller processes started, the first two included.
    public var replicaStarts: Int
    /// Replicas that exited by themselves (lost their lease) and were restarted.
    public var lostLeaseExits: Int
    /// Steps after which the cluster was still busy when the settle limit ran out (the soak then
    /// moved on; many of them mean the machine could not keep up with virtual time).
    public var unsettledSteps: Int
    public var checked: SoakInvariants.Counts
    /// Alerts sent again inside the at-least-once window (``SoakInvariants/resentInWindow``).
    public var resentInWindow: [String] = []
    public var violations: [String]
    public var realSeconds: Double

    /// Whether every invariant held.
    public var passed: Bool { violations.isEmpty }

    /// The human-readable summary.
    public var table: String {
        var lines = ["fault                 injected"]
        for fault in SoakFault.allCases {
            lines.append(
                fault.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0) + "\(faults[fault.rawValue] ?? 0)")
        }
        lines.append("")
        lines.append(
            "replica starts \(replicaStarts), exits after a lost lease \(lostLeaseExits), "
                + "steps that did not settle \(unsettledSteps)")
        lines.append(
            "checked: \(checked.jobs) Jobs (\(checked.succeededJobs) succeeded, \(checked.failedJobs) failed), "
                + "\(checked.pods) pods, \(checked.runEntries) run entries, \(checked.onceOnlySlots) OnceOnly slots "
                + "(\(checked.excusedOnceOnlySlots) given up by their concurrency policy), "
                + "\(checked.alertDeliveries) alert deliveries; "
                + "\(checked.unconcludedAtEnd) Jobs finished in the last minute not in status yet, "
                + "\(checked.alertsPendingAtEnd) alerts of runs finished in the last minute still pending")
        if !resentInWindow.isEmpty {
            lines.append(
                "alerts sent again because their sender ended before it could store `sent` "
                    + "(the at-least-once window; receivers deduplicate by id): \(resentInWindow.count)")
            for resent in resentInWindow { lines.append("  - \(resent)") }
        }
        lines.append("invariant violations: \(violations.count)")
        for violation in violations.prefix(50) { lines.append("  - \(violation)") }
        if violations.count > 50 { lines.append("  ... and \(violations.count - 50) more") }
        return lines.joined(separator: "\n")
    }
}
