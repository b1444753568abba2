import Foundation

/// The figures of `punctual-bench failover`: per kind of stop, the takeover and next-Job delays
/// (p50 and max), and the duplicates and losses counted from the cluster's Jobs.
struct FailoverReport: Encodable {
    /// The delays of one kind of stop.
    struct Summary: Encodable {
        var samples: Int
        var takeoverP50Seconds: Double
        var takeoverMaxSeconds: Double
        var nextJobP50Seconds: Double
        var nextJobMaxSeconds: Double
    }

    var scenario = "failover"
    var activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
    var tasks: Int
    var leaseDuration: String
    var kill: Summary
    var term: Summary
    var failedRounds: Int
    var duplicateJobs: Int
    var lostOnceOnlySlots: Int
    var slotsChecked: Int
    var rounds: [FailoverBenchmark.Round]

    init(
        rounds: [FailoverBenchmark.Round], tasks: Int, leaseDuration: String, failedRounds: Int, duplicateJobs: Int,
        lostOnceOnlySlots: Int, slotsChecked: Int
    ) {
        self.rounds = rounds
        self.tasks = tasks
        self.leaseDuration = leaseDuration
        self.failedRounds = failedRounds
        self.duplicateJobs = duplicateJobs
        self.lostOnceOnlySlots = lostOnceOnlySlots
        self.slotsChecked = slotsChecked
        kill = Self.summary(rounds.filter { $0.kind == .kill })
        term = Self.summary(rounds.filter { $0.kind == .term })
    }

    private static func summary(_ rounds: [FailoverBenchmark.Round]) -> Summary {
        let takeovers = rounds.map(\.takeoverSeconds).sorted()
        let nextJobs = rounds.map(\.nextJobSeconds).sorted()
        return Summary(
            samples: rounds.count, takeoverP50Seconds: median(takeovers), takeoverMaxSeconds: takeovers.last ?? 0,
            nextJobP50Seconds: median(nextJobs), nextJobMaxSeconds: nextJobs.last ?? 0)
    }

    /// The median of sorted values (0 when empty).
    private static func median(_ sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    var table: String {
        func row(_ name: String, _ summary: Summary) -> String {
            name.padding(toLength: 10, withPad: " ", startingAt: 0)
                + String(
                    format: "%7ld %12.2f %12.2f %12.2f %12.2f", summary.samples, summary.takeoverP50Seconds,
                    summary.takeoverMaxSeconds, summary.nextJobP50Seconds, summary.nextJobMaxSeconds)
        }
        return [
            "stop      rounds takeover p50 takeover max next Job p50 next Job max   (seconds)",
            row("kill -9", kill), row("SIGTERM", term),
            "",
            "lease duration \(leaseDuration), \(tasks) tasks; failed rounds \(failedRounds); "
                + "duplicate Jobs \(duplicateJobs); lost OnceOnly slots \(lostOnceOnlySlots) of \(slotsChecked) checked",
        ].joined(separator: "\n")
    }
}
