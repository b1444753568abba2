import ArgumentParser
import Foundation
import PunctualController

/// `punctual-bench skew`: N tasks due on the same instant; how late is each Job, against the
/// ceiling of a bare HTTP loop creating the same Jobs.
struct SkewBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skew",
        abstract: "Job-creation skew (created − slot) of N tasks due at once, against a bare HTTP loop.",
        discussion: """
            Targets: 1,000 tasks p99 ≤ 0.5 s; 10,000 tasks p99 ≤ 2 s; efficiency (controller Jobs/s ÷ \
            ceiling Jobs/s) ≥ 0.7. The client budget is unthrottled by default: this measures the \
            controller, not a rate limit (see `budget` for that).
            """
    )

    @Option(parsing: .upToNextOption, help: "Task counts to measure, one run each.")
    var tasks: [Int] = [1_000, 10_000]

    @OptionGroup var controllerOptions: ControllerOptions

    func validate() throws {
        guard !tasks.isEmpty, tasks.allSatisfy({ $0 >= 1 && $0 <= 99_999 }) else {
            throw ValidationError("--tasks must be between 1 and 99999")
        }
    }

    /// Figures of one side (controller or ceiling) of one run.
    struct Side: Codable {
        var skew: LatencySummary
        var jobsPerSecond: Double
        var requests: Int
        var requestsPerJob: Double
        var requestsByKind: [String: Int]
        var setupSeconds: Double
        var setupRequests: Int

        init(_ outcome: SlotBurst.Outcome) {
            skew = LatencySummary(outcome.skews)
            jobsPerSecond = outcome.jobsPerSecond
            requests = outcome.requestCount
            requestsPerJob = outcome.jobs.isEmpty ? 0 : Double(outcome.requestCount) / Double(outcome.jobs.count)
            requestsByKind = outcome.requests
            setupSeconds = outcome.setupSeconds
            setupRequests = outcome.setupRequests
        }
    }

    struct Run: Codable {
        var tasks: Int
        var controller: Side
        var ceiling: Side
        var efficiency: Double
        var targetP99: Double?
        var meetsP99Target: Bool?
        var meetsEfficiencyTarget: Bool
    }

    struct Report: Codable {
        var scenario = "skew"
        var activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
        var workers: Int
        var qps: Double
        var burst: Int
        var runs: [Run]
    }

    static let efficiencyTarget = 0.7

    /// The p99 target for `count` tasks, if it names one.
    static func p99Target(tasks count: Int) -> Double? {
        if count <= 1_000 { return 0.5 }
        if count <= 10_000 { return 2 }
        return nil
    }

    func run() async throws {
        let budget = controllerOptions.budget
        let limit = controllerOptions.limit
        var runs: [Run] = []
        for count in tasks {
            let scene = (0..<count).map { BenchTasks.task(BenchTasks.name($0), schedule: "0 2 * * *") }
            BenchOutput.progress("skew: \(count) tasks, controller")
            let controller = Side(
                try await SlotBurst.controller(tasks: scene, budget: budget, lead: .seconds(2), limit: limit))
            BenchOutput.progress("skew: \(count) tasks, ceiling")
            let ceiling = Side(
                try await SlotBurst.ceiling(tasks: scene, budget: budget, lead: .seconds(2), limit: limit))
            let efficiency = ceiling.jobsPerSecond > 0 ? controller.jobsPerSecond / ceiling.jobsPerSecond : 0
            let target = Self.p99Target(tasks: count)
            runs.append(
                Run(
                    tasks: count, controller: controller, ceiling: ceiling, efficiency: efficiency, targetP99: target,
                    meetsP99Target: target.map { controller.skew.p99 <= $0 },
                    meetsEfficiencyTarget: efficiency >= Self.efficiencyTarget))
        }
        let rows = runs.flatMap { run in
            [("controller", run.controller), ("ceiling", run.ceiling)].map { name, side in
                [
                    "\(run.tasks) \(name)", BenchOutput.seconds(side.skew.p50), BenchOutput.seconds(side.skew.p99),
                    BenchOutput.seconds(side.skew.max), BenchOutput.decimal(side.jobsPerSecond, places: 0),
                    String(side.requests), BenchOutput.decimal(side.requestsPerJob),
                    name == "controller" ? BenchOutput.decimal(run.efficiency) : "",
                ]
            }
        }
        try BenchOutput.emit(
            title: "skew: Job creation skew (created − slot), \(controllerOptions.workers) workers, "
                + "qps \(controllerOptions.qps), burst \(controllerOptions.burst)",
            table: BenchOutput.table(
                header: ["tasks / run", "p50 s", "p99 s", "max s", "Jobs/s", "requests", "req/Job", "efficiency"],
                rows: rows),
            notes: [
                "requests: every HTTP attempt from 2 s before the slot until the client is quiet for 0.5 s "
                    + "(Job creates plus the status writes and events that follow)",
                "targets: p99 ≤ 0.5 s (1,000 tasks), ≤ 2 s (10,000 tasks); efficiency ≥ 0.7",
            ],
            report: Report(
                workers: controllerOptions.workers, qps: controllerOptions.qps, burst: controllerOptions.burst,
                runs: runs))
    }
}
