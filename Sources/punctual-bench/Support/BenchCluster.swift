import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Logging
import PunctualController
import PunctualTestSupport
import Synchronization

/// One simulated cluster for a benchmark: KubeSim over real loopback HTTP with admission and the
/// ScheduledTask CRD, a ``JobCreationLog`` that stamps every Job as it is stored, and one
/// `ManualClock` shared by the store, the optional Job runtime, the controller and its client.
///
/// Objects that only set the scene (tasks, old Jobs) are written into the store directly; every
/// request of the controller goes over HTTP.
struct BenchCluster: Sendable {
    static let namespace = "default"

    static let tasks = GroupResource(group: "punctual.dev", resource: "scheduledtasks")
    static let jobs = GroupResource(group: "batch", resource: "jobs")

    /// Why a benchmark could not run as planned.
    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    let clock: ManualClock
    let store: SimStore
    let baseURL: URL
    let jobLog: JobCreationLog

    var driver: ClockDriver { ClockDriver(clock: clock) }

    /// Starts a cluster whose clock reads `start` (and stands still until driven), runs `body`,
    /// and stops the server whatever happens.
    static func with<T: Sendable>(start: Date, _ body: (BenchCluster) async throws -> T) async throws -> T {
        let clock = ManualClock(start: start)
        let jobLog = JobCreationLog(clock: clock)
        // Histories and watch buffers sized for bursts of 10,000 Jobs plus their status writes,
        // so that watchers are measured, not the simulator's relists.
        let store = SimStore(clock: clock, historyLimit: 200_000, admission: [Admission(), jobLog])
        try PunctualDefinitions.install(into: store)
        let server = APIServer(
            store: store, configuration: APIServer.Configuration(watchBufferLimit: 200_000),
            logger: quietLogger("bench.sim"))
        let url = try await server.start()
        let cluster = BenchCluster(clock: clock, store: store, baseURL: url, jobLog: jobLog)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(cluster))
        } catch {
            result = .failure(error)
        }
        await server.stop()
        return try result.get()
    }

    /// A logger that reports errors only, so benchmark output stays readable.
    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }

    // MARK: - Scene

    /// Stores tasks directly (no HTTP), as if they had been applied before the controller started.
    func load(tasks: [JSONValue]) throws {
        for task in tasks {
            try store.create(Self.tasks, namespace: Self.namespace, object: task)
        }
    }

    /// The stored tasks, decoded.
    func storedTasks() throws -> [ScheduledTask] {
        try store.list(Self.tasks, options: StoreListQuery(namespace: Self.namespace)).items.map {
            try $0.decode(as: ScheduledTask.self)
        }
    }

    // MARK: - Clients and controllers

    /// A client of this cluster on the shared clock with the given budget.
    func client(qps: Double, burst: Int, observer: (any RequestObserver)? = nil) throws -> KubeClient {
        try KubeClient(
            configuration: ClientConfiguration(server: baseURL, qps: qps, burst: burst), clock: clock,
            logger: Self.quietLogger("bench.client"), observer: observer)
    }

    /// Runs the simulated Job runtime (Pods Pending → Running → Succeeded) while `body` runs.
    func withRuntime<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let runtime = JobRuntime(store: store, clock: clock, logger: Self.quietLogger("bench.runtime"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Runs a controller (leading unconditionally, as with `--leader-elect=false`) while `body`
    /// runs, then stops it and shuts its client down.
    ///
    /// - Parameters:
    ///   - qps, burst: the controller's client budget.
    ///   - workers: concurrent reconciles.
    ///   - tally: counts the controller's requests.
    ///   - decisions: counts calls of the decision function (one per reconcile that decides).
    func withController<T: Sendable>(
        qps: Double, burst: Int, workers: Int, tally: RequestTally, decisions: SharedCounter,
        _ body: (ScheduledTaskController) async throws -> T
    ) async throws -> T {
        let client = try client(qps: qps, burst: burst, observer: tally)
        let controller = ScheduledTaskController(
            client: client, clock: clock, configuration: .init(workers: workers),
            decide: { observation in
                decisions.increment()
                return Decision.plan(for: observation)
            }, identity: "bench", logger: Self.quietLogger("bench.controller"))
        let result: Result<T, any Error> = await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await controller.run() }
            defer { group.cancelAll() }
            do {
                return .success(try await body(controller))
            } catch {
                return .failure(error)
            }
        }
        try? await client.shutdown()
        return try result.get()
    }

    // MARK: - Waiting

    /// Waits (real time, polling) until `condition` holds.
    ///
    /// - Throws: ``SetupError`` naming `what` when `limit` passes first.
    static func waitUntil(
        _ what: String, limit: Duration, every interval: Duration = .milliseconds(20),
        _ condition: () throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while try !condition() {
            guard ContinuousClock.now < deadline else {
                throw SetupError(description: "timed out after \(limit) waiting until \(what)")
            }
            try await Task.sleep(for: interval)
        }
    }

    /// Lets the controller sync and reconcile every one of `count` tasks on a fast clock, then moves
    /// the clock to `lead` before the slot and starts counting afresh: requests, decisions and Jobs
    /// from here on are the measurement.
    ///
    /// - Returns: the requests the controller made before the slot (lists, watches, first reconciles).
    @discardableResult
    func settle(
        _ controller: ScheduledTaskController, tasks count: Int, decisions: SharedCounter, tally: RequestTally,
        lead: Duration = .seconds(2), limit: Duration
    ) async throws -> Int {
        let preSlot = WallInstant(BenchTasks.slot).advanced(by: .zero - lead)
        try await driver.whileRunning(speed: SlotBurst.setupSpeed, cap: preSlot) {
            try await Self.waitUntilSettled(controller, tasks: count, decisions: decisions, tally: tally, limit: limit)
        }
        let setupRequests = tally.total
        clock.advance(to: preSlot)
        tally.reset()
        decisions.reset()
        jobLog.reset()
        return setupRequests
    }

    /// Waits until the controller has synced, decided every one of `count` tasks once, dry-run
    /// their templates and gone quiet: the state in which a real controller waits for its next slot.
    static func waitUntilSettled(
        _ controller: ScheduledTaskController, tasks count: Int, decisions: SharedCounter, tally: RequestTally,
        limit: Duration
    ) async throws {
        try await waitUntil("the controller's caches synced", limit: limit) { controller.hasSynced }
        try await waitUntil("every task was reconciled once", limit: limit) { decisions.value >= count }
        try await waitUntil("every template was checked", limit: limit) { controller.pendingTemplateChecks == 0 }
        try await tally.waitUntilQuiet(limit: limit)
    }
}

/// A counter shared between tasks: decisions made, the next item of a work list.
final class SharedCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Adds one and returns the value before.
    @discardableResult
    func increment() -> Int { count.add(1, ordering: .relaxed).oldValue }

    var value: Int { count.load(ordering: .relaxed) }

    func reset() { count.store(0, ordering: .relaxed) }
}
