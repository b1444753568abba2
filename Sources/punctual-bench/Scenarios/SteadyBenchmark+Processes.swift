import Foundation
import KubeClient
import PunctualTestSupport

// MARK: - The controller in its own process

extension SteadyBenchmark {
    /// CPU and memory of one process, read from `/proc/<pid>`.
    struct ProcessFigures: Codable {
        /// Peak resident set over the process's life (VmHWM), MiB.
        var peakResidentMiB: Double?
        /// Resident set at the end of the window (VmRSS), MiB.
        var residentMiB: Double?
        /// utime + stime during the window.
        var cpuSecondsInWindow: Double
        /// utime + stime from the process's start to the end of the window.
        var cpuSecondsTotal: Double
        /// CPU seconds in the window per 1,000 runs.
        var cpuSecondsPer1000Runs: Double

        init(start: ProcessUsage, end: ProcessUsage, runs: Int) {
            peakResidentMiB = end.peakResidentMiB
            residentMiB = end.residentMiB
            cpuSecondsInWindow = end.cpuSeconds - start.cpuSeconds
            cpuSecondsTotal = end.cpuSeconds
            cpuSecondsPer1000Runs = runs == 0 ? 0 : cpuSecondsInWindow * 1000 / Double(runs)
        }
    }

    /// What the simulator held at the end: the objects the controller's informers cache.
    struct CachedKind: Codable {
        var objects: Int
        /// The mean size of a sample of them as JSON on the wire, bytes.
        var meanJSONBytes: Int
    }

    /// The report of a run with the controller and the simulator as separate processes.
    struct ProcessReport: Codable {
        var scenario = "steady"
        var mode = "processes"
        var activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
        var tasks: Int
        var minutes: Int
        /// RFC 3339.
        var windowStart: String
        /// Jobs first seen by the benchmark's watch during the window.
        var runs: Int
        /// The `punctual controller` process.
        var controller: ProcessFigures
        /// The `punctual sim` process (KubeSim and its Job runtime), for comparison.
        var simulator: ProcessFigures
        /// Work items the controller's queue processed in the window (each a reconcile of one task).
        var reconciles: Int
        var reconcilesPerRun: Double
        /// The controller's HTTP attempts in the window, from `rest_client_requests_total`.
        var requests: Int
        var requestsPerRun: Double
        var requestsByKind: [String: Int]
        /// Informer relists in the window (non-zero means a watch fell behind the server's history).
        var relists: Int
        var skew: LatencySummary
        var cachedAtEnd: [String: CachedKind]
        var meetsMemoryTarget: Bool?
    }

    /// The controller's counters that the report takes differences of.
    struct ControllerCounters {
        var reconciles: Double
        var requests: [String: Double]
        var relists: Double

        init(_ metrics: PrometheusText) {
            reconciles = metrics.sum("workqueue_work_duration_seconds_count", labels: ["name": "scheduledtasks"])
            requests = metrics.sums("rest_client_requests_total", by: ["verb", "resource"])
            relists = metrics.sum("informer_relists_total")
        }
    }

    /// `punctual sim` and `punctual controller` as child processes on the system clock.
    func runProcesses() async throws {
        let punctual = try ProcessHarness.product(named: "punctual")
        let sim = try await SimProcess(
            punctual: punctual, arguments: ["--watch-history", "200000", "--watch-buffer", "200000"],
            directoryPrefix: "punctual-steady")
        if keepLogs { BenchOutput.progress("logs in \(sim.directory.path)") }
        var controller: ControllerProcess?
        let arrivals = JobArrivals()
        let api = sim.api
        let outcome: Result<ProcessReport, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await arrivals.follow(api, namespace: SimProcess.namespace) }
            defer { group.cancelAll() }
            do {
                try await sim.installDefinitions()
                BenchOutput.progress("steady: creating \(tasks) tasks")
                try await sim.create(
                    tasks: (0..<tasks).map { BenchTasks.task(BenchTasks.name($0), schedule: Self.hourlySchedule($0)) })
                let started = try ControllerProcess(
                    sim: sim, name: "steady-controller",
                    arguments: [
                        "--leader-elect", "false", "--qps", String(controllerOptions.qps), "--burst",
                        String(controllerOptions.burst), "--workers", String(controllerOptions.workers),
                    ])
                controller = started
                return .success(try await measure(sim: sim, controller: started, arrivals: arrivals))
            } catch {
                return .failure(error)
            }
        }
        await controller?.stop()
        await sim.shutdown(keepLogs: keepLogs)
        let report = try outcome.get()
        try emit(report)
    }

    /// Waits until the controller has reconciled every task once, then measures a window of
    /// `minutes` whole minutes starting at a minute boundary.
    private func measure(sim: SimProcess, controller: ControllerProcess, arrivals: JobArrivals) async throws
        -> ProcessReport
    {
        let limit = controllerOptions.limit
        try await sim.poll("the controller is ready", within: limit) { await controller.isReady() }
        try await sim.poll("every task was reconciled once", within: limit) {
            guard controller.child.isRunning else { throw BenchProcessError("the controller exited") }
            return ControllerCounters(try await controller.metrics()).reconciles >= Double(tasks)
        }
        let windowStart = Self.minuteBoundary(after: Date().addingTimeInterval(5))
        let windowEnd = windowStart.addingTimeInterval(Double(minutes) * 60)
        BenchOutput.progress(
            "steady: warm; measuring from \(KubeTime.format(windowStart)) to \(KubeTime.format(windowEnd))")
        try await Task.sleep(for: .seconds(windowStart.timeIntervalSinceNow))
        let controllerStart = try ProcessUsage.of(pid: controller.child.processIdentifier)
        let simStart = try ProcessUsage.of(pid: sim.child.processIdentifier)
        let countersStart = ControllerCounters(try await controller.metrics())
        try await Task.sleep(for: .seconds(windowEnd.timeIntervalSinceNow))
        let controllerEnd = try ProcessUsage.of(pid: controller.child.processIdentifier)
        let simEnd = try ProcessUsage.of(pid: sim.child.processIdentifier)
        let countersEnd = ControllerCounters(try await controller.metrics())

        let runs = arrivals.arrivals(from: windowStart, to: windowEnd)
        let perRun = { (value: Double) in runs.isEmpty ? 0 : value / Double(runs.count) }
        let reconciles = countersEnd.reconciles - countersStart.reconciles
        var requestsByKind: [String: Int] = [:]
        for (kind, count) in countersEnd.requests {
            let delta = Int(count - (countersStart.requests[kind] ?? 0))
            if delta > 0 { requestsByKind[kind] = delta }
        }
        let requests = requestsByKind.values.reduce(0, +)
        let figures = ProcessFigures(start: controllerStart, end: controllerEnd, runs: runs.count)
        return ProcessReport(
            tasks: tasks, minutes: minutes, windowStart: KubeTime.format(windowStart), runs: runs.count,
            controller: figures,
            simulator: ProcessFigures(start: simStart, end: simEnd, runs: runs.count),
            reconciles: Int(reconciles), reconcilesPerRun: perRun(reconciles), requests: requests,
            requestsPerRun: perRun(Double(requests)), requestsByKind: requestsByKind,
            relists: Int(countersEnd.relists - countersStart.relists),
            skew: LatencySummary(runs.compactMap { run in run.slot.map { run.seen.timeIntervalSince($0) } }),
            cachedAtEnd: try await cachedKinds(sim),
            meetsMemoryTarget: figures.peakResidentMiB.map { $0 * 1.048_576 <= 100 })
    }

    /// How many tasks, Jobs and Pods the simulator holds, and their mean JSON size (from the
    /// first page of a list of 20 and its `remainingItemCount`).
    private func cachedKinds(_ sim: SimProcess) async throws -> [String: CachedKind] {
        let paths = [
            "scheduledtasks": "/apis/punctual.dev/v1alpha1/namespaces/\(SimProcess.namespace)/scheduledtasks",
            "jobs": "/apis/batch/v1/namespaces/\(SimProcess.namespace)/jobs",
            "pods": "/api/v1/namespaces/\(SimProcess.namespace)/pods",
        ]
        var kinds: [String: CachedKind] = [:]
        for (kind, path) in paths {
            let reply = try await sim.api.request(.GET, path + "?limit=20")
            guard reply.status == 200 else { throw BenchProcessError("listing \(kind) answered \(reply.status)") }
            let items = reply.body["items"]?.arrayValue ?? []
            let remaining = Int(reply.body[path: ["metadata", "remainingItemCount"]]?.intValue ?? 0)
            let bytes = try items.map { try JSONEncoder().encode($0).count }.reduce(0, +)
            kinds[kind] = CachedKind(
                objects: items.count + remaining, meanJSONBytes: items.isEmpty ? 0 : bytes / items.count)
        }
        return kinds
    }

    private func emit(_ report: ProcessReport) throws {
        let mib = { (value: Double?) in value.map { BenchOutput.decimal($0, places: 1) } ?? "n/a" }
        let cached = report.cachedAtEnd.sorted { $0.key < $1.key }.map { "\($0.value.objects) \($0.key)" }
        let rows = [
            ["runs (Jobs created in the window)", String(report.runs)],
            ["controller: peak RSS (VmHWM), MiB", mib(report.controller.peakResidentMiB)],
            ["controller: RSS at the end, MiB", mib(report.controller.residentMiB)],
            ["controller: CPU seconds in the window", BenchOutput.decimal(report.controller.cpuSecondsInWindow)],
            ["controller: CPU seconds per 1,000 runs", BenchOutput.decimal(report.controller.cpuSecondsPer1000Runs)],
            ["controller: reconciles per run", BenchOutput.decimal(report.reconcilesPerRun)],
            ["controller: requests per run", BenchOutput.decimal(report.requestsPerRun)],
            ["controller: informer relists", String(report.relists)],
            ["simulator: peak RSS (VmHWM), MiB", mib(report.simulator.peakResidentMiB)],
            ["simulator: CPU seconds in the window", BenchOutput.decimal(report.simulator.cpuSecondsInWindow)],
            ["skew p50 / p99 s", BenchOutput.seconds(report.skew.p50) + " / " + BenchOutput.seconds(report.skew.p99)],
        ]
        try BenchOutput.emit(
            title: "steady: \(tasks) tasks on mixed schedules, \(minutes) minutes; controller and simulator in "
                + "separate processes",
            table: BenchOutput.table(header: ["figure", "value"], rows: rows),
            notes: [
                "controller: the `punctual controller` process alone (/proc/<pid>, its /metrics); simulator: the "
                    + "`punctual sim` process (KubeSim and its Job runtime)",
                "peak RSS is over the process's whole life, initial list included; CPU, reconciles and requests "
                    + "are of the window",
                "skew: slot → the benchmark's watch saw the Job; held by the simulator at the end: "
                    + cached.joined(separator: ", "),
                "target: controller peak RSS ≤ 100 MB (95.4 MiB)",
            ],
            report: report)
    }

    // MARK: - Time

    /// The schedule of task `index` on the system clock: the same periods and stagger as
    /// ``schedule(_:)``, every hour instead of one hour of the day.
    static func hourlySchedule(_ index: Int) -> String {
        schedule(index).replacingOccurrences(of: " 2 * * *", with: " * * * *")
    }

    /// The first whole minute at or after `instant`.
    static func minuteBoundary(after instant: Date) -> Date {
        Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / 60).rounded(.up) * 60)
    }
}
