import ArgumentParser
import Foundation
import KubeClient
import PunctualController

/// `punctual-bench steady`: many tasks on mixed schedules for a while; what does a run cost?
struct SteadyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steady",
        abstract: "CPU seconds per 1,000 runs, peak memory and reconciles per run, N tasks on mixed schedules.",
        discussion: """
            Tasks run every 1, 2, 5 or 10 minutes (10, 20, 30 and 40 % of them), at staggered minutes, \
            with the simulated runtime running each Job for 5 s. By default `punctual controller` runs \
            against a `punctual sim` process (both next to this executable) on the system clock, and \
            the controller's peak resident set (VmHWM) and CPU (utime + stime) are read from \
            /proc/<pid>, its reconciles and requests from its /metrics; the simulator's figures are \
            reported beside them. With --in-process, KubeSim, the runtime and the controller share \
            this process on a simulated clock (--speed), and CPU and memory are those of all three. \
            Target: the controller's peak resident set ≤ 100 MB.
            """
    )

    @Option(help: "Tasks.")
    var tasks: Int = 10_000

    @Option(help: "Simulated minutes to run.")
    var minutes: Int = 10

    @Option(help: "Simulated seconds per real second (--in-process only).")
    var speed: Double = 1

    @Flag(help: "Run KubeSim, its Job runtime and the controller in this process (figures of all three).")
    var inProcess = false

    @Flag(help: "Keep the processes' logs (their directory is printed).")
    var keepLogs = false

    @OptionGroup var controllerOptions: ControllerOptions

    func validate() throws {
        guard tasks >= 1, tasks <= 99_999 else { throw ValidationError("--tasks must be between 1 and 99999") }
        guard (1...59).contains(minutes) else { throw ValidationError("--minutes must be in 1...59") }
        guard speed > 0, speed <= 100 else { throw ValidationError("--speed must be in (0, 100]") }
        guard inProcess || speed == 1 else { throw ValidationError("--speed needs --in-process") }
    }

    struct Report: Codable {
        var scenario = "steady"
        var mode = "in-process"
        var activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
        var tasks: Int
        var minutes: Int
        var speed: Double
        var runs: Int
        var cpuSeconds: Double
        var cpuSecondsPer1000Runs: Double
        var peakResidentMiB: Double?
        var residentBeforeControllerMiB: Double?
        var reconciles: Int
        var reconcilesPerRun: Double
        var requests: Int
        var requestsPerRun: Double
        var requestsByKind: [String: Int]
        var skew: LatencySummary
        var meetsMemoryTarget: Bool?
    }

    /// The schedule of task `index`: its period in minutes and an offset that staggers them.
    static func schedule(_ index: Int) -> String {
        let period =
            switch index % 10 {
            case 0: 1
            case 1, 2: 2
            case 3, 4, 5: 5
            default: 10
            }
        if period == 1 { return "* 2 * * *" }
        return "\((index / 10) % period)-59/\(period) 2 * * *"
    }

    func run() async throws {
        if inProcess {
            try await runInProcess()
        } else {
            try await runProcesses()
        }
    }

    /// KubeSim, the runtime and the controller in this process on a simulated clock.
    private func runInProcess() async throws {
        let scene = (0..<tasks).map { BenchTasks.task(BenchTasks.name($0), schedule: Self.schedule($0)) }
        let limit = controllerOptions.limit
        let windowEnd = BenchTasks.slot.addingTimeInterval(Double(minutes) * 60)
        BenchOutput.progress("steady: \(tasks) tasks, \(minutes) minutes at speed \(speed)")
        let report: Report = try await BenchCluster.with(start: BenchTasks.clockStart) { cluster in
            try cluster.load(tasks: scene)
            let before = ProcessUsage.current()
            let tally = RequestTally()
            let decisions = SharedCounter()
            return try await cluster.withRuntime {
                try await cluster.withController(
                    qps: controllerOptions.qps, burst: controllerOptions.burst, workers: controllerOptions.workers,
                    tally: tally, decisions: decisions
                ) { controller in
                    try await cluster.settle(
                        controller, tasks: tasks, decisions: decisions, tally: tally, limit: limit)
                    let start = ProcessUsage.current()
                    try await cluster.driver.whileRunning(speed: speed, cap: WallInstant(windowEnd)) {
                        try await cluster.clock.sleep(until: WallInstant(windowEnd), tolerance: nil)
                    }
                    let end = ProcessUsage.current()
                    let runs = cluster.jobLog.entries.filter { ($0.slot ?? .distantFuture) < windowEnd }
                    let cpu = end.cpuSeconds - start.cpuSeconds
                    let perRun = { (value: Int) in runs.isEmpty ? 0 : Double(value) / Double(runs.count) }
                    return Report(
                        tasks: tasks, minutes: minutes, speed: speed, runs: runs.count, cpuSeconds: cpu,
                        cpuSecondsPer1000Runs: runs.isEmpty ? 0 : cpu * 1000 / Double(runs.count),
                        peakResidentMiB: end.peakResidentMiB, residentBeforeControllerMiB: before.residentMiB,
                        reconciles: decisions.value, reconcilesPerRun: perRun(decisions.value), requests: tally.total,
                        requestsPerRun: perRun(tally.total), requestsByKind: tally.byKind,
                        skew: LatencySummary(
                            runs.compactMap { entry in entry.slot.map { entry.createdAt.timeIntervalSince($0) } }),
                        meetsMemoryTarget: end.peakResidentMiB.map { $0 * 1.048_576 <= 100 })
                }
            }
        }
        let mib = { (value: Double?) in value.map { BenchOutput.decimal($0, places: 1) } ?? "n/a" }
        let rows = [
            ["runs created", String(report.runs)],
            ["CPU seconds (process)", BenchOutput.decimal(report.cpuSeconds)],
            ["CPU seconds per 1,000 runs", BenchOutput.decimal(report.cpuSecondsPer1000Runs)],
            ["peak RSS, MiB (process)", mib(report.peakResidentMiB)],
            ["RSS before the controller, MiB", mib(report.residentBeforeControllerMiB)],
            ["reconciles per run", BenchOutput.decimal(report.reconcilesPerRun)],
            ["requests per run", BenchOutput.decimal(report.requestsPerRun)],
            ["skew p50 / p99 s", BenchOutput.seconds(report.skew.p50) + " / " + BenchOutput.seconds(report.skew.p99)],
        ]
        try BenchOutput.emit(
            title: "steady --in-process: \(tasks) tasks on mixed schedules, \(minutes) simulated minutes at "
                + "\(speed)× real time",
            table: BenchOutput.table(header: ["figure", "value"], rows: rows),
            notes: [
                "KubeSim, the Job runtime and the controller share this process: CPU and peak RSS are of all three, "
                    + "not of the controller alone",
                "reconciles: calls of the decision function; target ≤ 100 MB peak RSS",
            ],
            report: report)
    }
}
