import ArgumentParser
import Foundation
import PunctualController

/// `punctual-bench priority`: many tasks due at once, some critical; are the critical Jobs
/// created first?
struct PriorityBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "priority",
        abstract: "When the last critical Job is created versus the last Job overall, N tasks due at once.",
        discussion: """
            Every tenth task (by default) has `priority.tier: critical`, the others the default tier. \
            The Jobs are created by the controller as in `skew`; the report compares the skews of the \
            two groups and counts critical Jobs created after the first normal one.
            """
    )

    @Option(help: "Tasks due at the slot.")
    var tasks: Int = 2_000

    @Option(help: "Percentage of the tasks that are critical.")
    var criticalPercent: Int = 10

    @OptionGroup var controllerOptions: ControllerOptions

    func validate() throws {
        guard tasks >= 10, tasks <= 99_999 else { throw ValidationError("--tasks must be between 10 and 99999") }
        guard (1...99).contains(criticalPercent) else { throw ValidationError("--critical-percent must be in 1...99") }
    }

    struct Group: Codable {
        var jobs: Int
        var skew: LatencySummary
        /// When the group's last Job was created, seconds after the slot.
        var last: Double
    }

    struct Report: Codable {
        var scenario = "priority"
        var activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
        var tasks: Int
        var workers: Int
        var critical: Group
        var others: Group
        /// Critical Jobs created after the first non-critical one: 0 with strict tier order.
        var criticalAfterFirstOther: Int
        /// The last critical Job's creation as a fraction of the whole controllerOptions.burst (0 = first, 1 = last).
        var lastCriticalFraction: Double
    }

    func run() async throws {
        let step = max(1, 100 / criticalPercent)
        let scene = (0..<tasks).map { index in
            BenchTasks.task(
                BenchTasks.name(index), schedule: "0 2 * * *", tier: index % step == 0 ? .critical : nil)
        }
        BenchOutput.progress("priority: \(tasks) tasks")
        let outcome = try await SlotBurst.controller(
            tasks: scene, budget: controllerOptions.budget, lead: .seconds(2),
            limit: controllerOptions.limit)
        let criticalClass = ScheduledTaskSpec.Priority.Tier.critical.priorityClassName
        let isCritical = outcome.jobs.map { $0.priorityClass == criticalClass }
        let skews = outcome.skews
        func group(_ wanted: Bool) -> Group {
            let values = zip(isCritical, skews).filter { $0.0 == wanted }.map(\.1)
            return Group(jobs: values.count, skew: LatencySummary(values), last: values.max() ?? 0)
        }
        let firstOther = isCritical.firstIndex(of: false) ?? isCritical.count
        let lastCritical = isCritical.lastIndex(of: true) ?? 0
        let report = Report(
            tasks: tasks, workers: controllerOptions.workers, critical: group(true), others: group(false),
            criticalAfterFirstOther: isCritical[firstOther...].filter { $0 }.count,
            lastCriticalFraction: isCritical.count > 1 ? Double(lastCritical) / Double(isCritical.count - 1) : 0)
        let rows = [("critical", report.critical), ("others", report.others)].map { name, group in
            [
                name, String(group.jobs), BenchOutput.seconds(group.skew.p50), BenchOutput.seconds(group.skew.p99),
                BenchOutput.seconds(group.last),
            ]
        }
        try BenchOutput.emit(
            title: "priority: \(tasks) tasks due at once, \(report.critical.jobs) critical",
            table: BenchOutput.table(header: ["group", "Jobs", "p50 s", "p99 s", "last s"], rows: rows),
            notes: [
                "critical Jobs created after the first other Job: \(report.criticalAfterFirstOther); "
                    + "last critical Job at \(BenchOutput.decimal(report.lastCriticalFraction * 100, places: 1)) % "
                    + "of the burst"
            ],
            report: report)
    }
}
