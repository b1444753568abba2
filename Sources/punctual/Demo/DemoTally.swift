import Foundation
import KubeClient

/// What the demo counted from its event stream, for the summary at the end.
struct DemoTally: Sendable, Hashable {
    /// Per task: how many events of each kind it had.
    private(set) var perTask: [String: [DemoEvent.Kind: Int]] = [:]
    /// Every takeover of the Lease.
    private(set) var failovers: [Handover] = []
    /// The replicas the demo killed.
    private(set) var killed: [String] = []

    /// One takeover of the Lease.
    struct Handover: Sendable, Hashable {
        var from: String
        var to: String
    }

    /// The task-level kinds, in the summary's column order.
    static let columns: [(kind: DemoEvent.Kind, title: String)] = [
        (.created, "RUNS"), (.succeeded, "SUCCEEDED"), (.failed, "FAILED"), (.retried, "RETRIED"),
        (.missed, "MISSED"), (.skipped, "SKIPPED"), (.deadline, "KILLED AT DEADLINE"), (.alerted, "ALERTS"),
    ]

    /// Counts one event.
    mutating func record(_ event: DemoEvent) {
        switch event.kind {
        case .leader, .started:
            return
        case .failover:
            failovers.append(Handover(from: event.previousHolder ?? "", to: event.subject))
        case .killed:
            killed.append(event.subject)
        case .created, .succeeded, .failed, .missed, .skipped, .deadline, .retried, .alerted:
            perTask[event.subject, default: [:]][event.kind, default: 0] += 1
        }
    }

    /// How many events of `kind` all tasks had.
    func total(_ kind: DemoEvent.Kind) -> Int {
        perTask.values.reduce(0) { $0 + ($1[kind] ?? 0) }
    }

    /// The summary: a table of runs per task by result, then failovers and alerts.
    ///
    /// - Parameters:
    ///   - simulated: how much simulation time passed.
    ///   - wall: how much real time passed.
    ///   - speed: the clock's acceleration.
    func summary(simulated: TimeInterval, wall: TimeInterval, speed: Double) -> [String] {
        var lines = [
            "Summary: \(KubeTime.humanDuration(simulated)) of cluster time in \(KubeTime.humanDuration(wall)) "
                + "(\(Self.speedText(speed)) speed)"
        ]
        let tasks = perTask.keys.sorted()
        if tasks.isEmpty {
            lines.append("No runs happened; try a longer --duration or a higher --speed.")
        } else {
            let header = ["TASK"] + Self.columns.map(\.title)
            let rows = tasks.map { task in
                [task] + Self.columns.map { String(perTask[task]?[$0.kind] ?? 0) }
            }
            lines += TaskTable.aligned([header] + rows).map { "  " + $0 }
        }
        lines.append("Leader failovers: \(failovers.count)")
        lines += killed.map { "  killed \($0)" }
        lines += failovers.map { "  \($0.to) took over from \($0.from)" }
        lines.append("Alerts: \(total(.alerted))")
        return lines
    }

    /// `20×`, `7.5×`.
    static func speedText(_ speed: Double) -> String {
        let whole = speed.rounded()
        return (abs(speed - whole) < 0.001 ? String(Int(whole)) : String(format: "%.1f", speed)) + "×"
    }
}
