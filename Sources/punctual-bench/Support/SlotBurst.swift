import Foundation
import KubeClient
import KubeSim
import PunctualController

/// Many tasks due on one slot: the measurement behind `skew` and `priority`.
///
/// Both runs start from the same scene (the tasks stored directly, a clock standing two hours
/// before the slot) and end once every Job of the slot exists and the client has been quiet for
/// half a second (so the status writes that follow the creates are counted).
///
/// - ``controller(tasks:budget:lead:limit:)``: the controller syncs and reconciles every task once
///   on a fast clock; then the clock jumps to `lead` before the slot and runs at real speed.
/// - ``ceiling(tasks:budget:lead:limit:)``: the same Jobs (same names and bodies, built before the
///   slot) created by `workers` bare loops over the same client: the most this process, server
///   and transport can do, with no informer, queue or decision in the way.
enum SlotBurst {
    /// The client budget and concurrency shared by both runs.
    struct Budget: Sendable {
        var qps: Double
        var burst: Int
        var workers: Int
    }

    /// What one run observed.
    struct Outcome: Sendable {
        /// The slot's Jobs, in creation order, with their server-side creation instants.
        var jobs: [JobCreationLog.Entry]
        /// Requests from `lead` before the slot until quiet, by verb and resource.
        var requests: [String: Int]
        /// Requests before that: lists, watches, the first reconcile of every task.
        var setupRequests: Int
        /// Real seconds from starting the controller to every task reconciled once.
        var setupSeconds: Double

        /// Creation minus slot, in seconds, per Job.
        var skews: [Double] { jobs.map { $0.createdAt.timeIntervalSince(BenchTasks.slot) } }

        /// Jobs per second from the slot to the last creation.
        var jobsPerSecond: Double {
            guard let last = skews.max(), last > 0 else { return 0 }
            return Double(jobs.count) / last
        }

        var requestCount: Int { requests.values.reduce(0, +) }
    }

    /// The set-up clock speed: virtual seconds per real second before the jump to the slot.
    static let setupSpeed = 60.0

    static func controller(
        tasks: [JSONValue], budget: Budget, lead: Duration, limit: Duration
    ) async throws -> Outcome {
        try await BenchCluster.with(start: BenchTasks.clockStart) { cluster in
            try cluster.load(tasks: tasks)
            let tally = RequestTally()
            let decisions = SharedCounter()
            let began = ContinuousClock.now
            return try await cluster.withController(
                qps: budget.qps, burst: budget.burst, workers: budget.workers, tally: tally, decisions: decisions
            ) { controller in
                let setupRequests = try await cluster.settle(
                    controller, tasks: tasks.count, decisions: decisions, tally: tally, lead: lead, limit: limit)
                let setupSeconds = began.duration(to: .now).timeInterval
                try await cluster.driver.whileRunning(speed: 1) {
                    try await BenchCluster.waitUntil("\(tasks.count) Jobs were created", limit: limit) {
                        cluster.jobLog.count >= tasks.count
                    }
                    try await tally.waitUntilQuiet(limit: limit)
                }
                return Outcome(
                    jobs: cluster.jobLog.entries, requests: tally.byKind, setupRequests: setupRequests,
                    setupSeconds: setupSeconds)
            }
        }
    }

    static func ceiling(
        tasks: [JSONValue], budget: Budget, lead: Duration, limit: Duration
    ) async throws -> Outcome {
        try await BenchCluster.with(start: BenchTasks.clockStart) { cluster in
            try cluster.load(tasks: tasks)
            let bodies = try cluster.storedTasks().map { task in
                JobBuilder.job(
                    for: task,
                    JobBuilder.Request(
                        name: JobNaming.name(task: task.metadata.name ?? "", slot: BenchTasks.slot),
                        slot: BenchTasks.slot))
            }
            let tally = RequestTally()
            let client = try cluster.client(qps: budget.qps, burst: budget.burst, observer: tally)
            let jobs = client.dynamic(ResourceType.jobs, namespace: BenchCluster.namespace)
            let next = SharedCounter()
            let result: Result<Outcome, any Error>
            do {
                cluster.clock.advance(to: WallInstant(BenchTasks.slot).advanced(by: .zero - lead))
                try await cluster.driver.whileRunning(speed: 1) {
                    try await cluster.clock.sleep(until: WallInstant(BenchTasks.slot), tolerance: nil)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<budget.workers {
                            group.addTask {
                                while true {
                                    let index = next.increment()
                                    guard index < bodies.count else { return }
                                    _ = try await jobs.create(
                                        bodies[index], options: WriteOptions(isSafeToRetry: true, priority: .high))
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    try await tally.waitUntilQuiet(limit: limit)
                }
                result = .success(
                    Outcome(jobs: cluster.jobLog.entries, requests: tally.byKind, setupRequests: 0, setupSeconds: 0))
            } catch {
                result = .failure(error)
            }
            try? await client.shutdown()
            return try result.get()
        }
    }
}
