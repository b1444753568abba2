import ArgumentParser
import Foundation
import KubeClient
import KubeSim
import PunctualController

/// `punctual-bench startup`: a controller starting in front of a large cluster; how soon is it
/// ready, and how soon does the first due Job exist?
struct StartupBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "startup",
        abstract: "Time from controller start to caches synced and to the first due Job, with N tasks and M Jobs.",
        discussion: """
            The tasks (hourly) and their finished Jobs of earlier hours are written into KubeSim's store \
            directly; the controller starts right at a slot, so every task has a run due. Times are from \
            creating the controller's client (in this process, after KubeSim is loaded) to: its caches \
            synced; the first Job of the due slot; every Job of the due slot. Target: first due Job ≤ 5 s.
            """
    )

    @Option(help: "Tasks.")
    var tasks: Int = 10_000

    @Option(help: "Finished Jobs per task already present (from earlier slots).")
    var jobsPerTask: Int = 3

    @OptionGroup var controllerOptions: ControllerOptions

    func validate() throws {
        guard tasks >= 1, tasks <= 99_999 else { throw ValidationError("--tasks must be between 1 and 99999") }
        guard (0...20).contains(jobsPerTask) else { throw ValidationError("--jobs-per-task must be in 0...20") }
    }

    struct Report: Codable {
        var scenario = "startup"
        var activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
        var tasks: Int
        var jobs: Int
        var loadSeconds: Double
        var cachesSyncedSeconds: Double
        var firstDueJobSeconds: Double
        var allDueJobsSeconds: Double
        var requests: Int
        var requestsByKind: [String: Int]
        var meetsTarget: Bool
    }

    func run() async throws {
        let limit = controllerOptions.limit
        // The tasks exist from before the earliest old slot.
        let loadedAt = BenchTasks.slot.addingTimeInterval(-Double(jobsPerTask) * 3600 - 1800)
        BenchOutput.progress("startup: loading \(tasks) tasks and \(tasks * jobsPerTask) Jobs")
        let report: Report = try await BenchCluster.with(start: loadedAt) { cluster in
            let loadBegan = ContinuousClock.now
            try cluster.load(tasks: (0..<tasks).map { BenchTasks.task(BenchTasks.name($0), schedule: "0 * * * *") })
            try loadFinishedJobs(into: cluster)
            let loadSeconds = loadBegan.duration(to: .now).timeInterval
            cluster.clock.advance(to: WallInstant(BenchTasks.slot))
            cluster.jobLog.reset()
            BenchOutput.progress("startup: starting the controller")
            let tally = RequestTally()
            let began = ContinuousClock.now
            return try await cluster.driver.whileRunning(speed: 1) {
                try await cluster.withController(
                    qps: controllerOptions.qps, burst: controllerOptions.burst, workers: controllerOptions.workers,
                    tally: tally, decisions: SharedCounter()
                ) { controller in
                    try await BenchCluster.waitUntil("the caches synced", limit: limit, every: .milliseconds(1)) {
                        controller.hasSynced
                    }
                    let synced = began.duration(to: .now).timeInterval
                    try await BenchCluster.waitUntil("the first due Job exists", limit: limit, every: .milliseconds(1))
                    {
                        cluster.jobLog.count > 0
                    }
                    let first = began.duration(to: .now).timeInterval
                    try await BenchCluster.waitUntil("every due Job exists", limit: limit) {
                        cluster.jobLog.count >= tasks
                    }
                    let all = began.duration(to: .now).timeInterval
                    return Report(
                        tasks: tasks, jobs: tasks * jobsPerTask, loadSeconds: loadSeconds, cachesSyncedSeconds: synced,
                        firstDueJobSeconds: first, allDueJobsSeconds: all, requests: tally.total,
                        requestsByKind: tally.byKind, meetsTarget: first <= 5)
                }
            }
        }
        let rows = [
            ["caches synced", BenchOutput.seconds(report.cachesSyncedSeconds)],
            ["first due Job created", BenchOutput.seconds(report.firstDueJobSeconds)],
            ["every due Job created", BenchOutput.seconds(report.allDueJobsSeconds)],
        ]
        try BenchOutput.emit(
            title: "startup: \(tasks) tasks and \(report.jobs) Jobs present, \(tasks) runs due at start",
            table: BenchOutput.table(header: ["seconds from controller start to", "s"], rows: rows),
            notes: [
                "measured in-process from creating the controller's client; process start-up and loading "
                    + "KubeSim (\(BenchOutput.decimal(report.loadSeconds, places: 1)) s, not counted) are excluded",
                "the old Jobs are finished (Complete) and have no Pods; target: first due Job ≤ 5 s",
            ],
            report: report)
    }

    /// Writes `jobsPerTask` finished Jobs per task, one per earlier hourly slot, as the controller
    /// would have made them.
    private func loadFinishedJobs(into cluster: BenchCluster) throws {
        for task in try cluster.storedTasks() {
            for hour in stride(from: 1, through: jobsPerTask, by: 1) {
                let slot = BenchTasks.slot.addingTimeInterval(-Double(hour) * 3600)
                let name = JobNaming.name(task: task.metadata.name ?? "", slot: slot)
                var job = JobBuilder.job(for: task, JobBuilder.Request(name: name, slot: slot))
                let stored = try cluster.store.create(BenchCluster.jobs, namespace: BenchCluster.namespace, object: job)
                job = stored
                job["status"] = [
                    "startTime": .string(KubeTime.format(slot)),
                    "completionTime": .string(KubeTime.format(slot.addingTimeInterval(5))), "succeeded": 1,
                    "conditions": [
                        [
                            "type": "SuccessCriteriaMet", "status": "True",
                            "lastTransitionTime": .string(KubeTime.format(slot.addingTimeInterval(5))),
                        ],
                        [
                            "type": "Complete", "status": "True",
                            "lastTransitionTime": .string(KubeTime.format(slot.addingTimeInterval(5))),
                        ],
                    ],
                ]
                try cluster.store.update(
                    BenchCluster.jobs, namespace: BenchCluster.namespace, name: name, object: job, subresource: .status)
            }
        }
    }
}
