import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Logging
import MetricsTestKit
import PunctualController
import PunctualTestSupport
import Testing

/// A simulated cluster for controller tests: KubeSim over HTTP with admission, the ScheduledTask
/// CRD, the tier PriorityClasses and the simulated Job runtime, all on one ManualClock, plus clients for controllers.
final class ControllerWorld: Sendable {
    let clock: ManualClock
    let store: SimStore
    let server: APIServer
    let baseURL: URL
    let client: KubeClient

    private init(clock: ManualClock, store: SimStore, server: APIServer, baseURL: URL, client: KubeClient) {
        self.clock = clock
        self.store = store
        self.server = server
        self.baseURL = baseURL
        self.client = client
    }

    /// Starts the world, runs `body` with the simulated runtime running, and stops everything.
    ///
    /// - Parameters:
    ///   - simulatesJobs: whether the simulated Job runtime turns Jobs into Pods (off for tests that
    ///     only look at the API writes, which then run faster).
    ///   - nodes: simulated nodes; none leaves Pods unconstrained.
    static func with<T: Sendable>(
        start: Date, simulatesJobs: Bool = true, nodes: [SimNode] = [],
        _ body: @Sendable (ControllerWorld) async throws -> T
    ) async throws -> T {
        let clock = ManualClock(start: start)
        let store = SimStore(clock: clock, admission: [Admission()])
        try PunctualDefinitions.install(into: store)
        let server = APIServer(store: store)
        let url = try await server.start()
        let client = try makeClient(url: url, clock: clock)
        let world = ControllerWorld(clock: clock, store: store, server: server, baseURL: url, client: client)
        let runtime = JobRuntime(store: store, clock: clock, configuration: .init(nodes: nodes))
        let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
            if simulatesJobs { group.addTask { await runtime.run() } }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(world))
            } catch {
                result = .failure(error)
            }
            group.cancelAll()
            return result
        }
        try? await client.shutdown()
        await server.stop()
        return try result.get()
    }

    static func makeClient(url: URL, clock: ManualClock) throws -> KubeClient {
        var logger = Logger(label: "test.client")
        logger.logLevel = .critical
        return try KubeClient(
            configuration: ClientConfiguration(server: url, qps: 10_000, burst: 10_000), clock: clock, logger: logger)
    }

    /// A controller on this world's clock (no leader election unless an elector is given).
    ///
    /// - Parameter decide: the decision; tests wrap ``Decision/plan(for:)`` to act on the cluster
    ///   between the controller's reading of its caches and its writes.
    func controller(
        elector: LeaderElector? = nil, identity: String = "test", metrics: TestMetrics = TestMetrics(),
        workers: Int = 2,
        maxReconcileBackoff: Duration = ScheduledTaskController.Configuration.defaultMaxReconcileBackoff,
        decide: @escaping ScheduledTaskController.Decide = { Decision.plan(for: $0) }
    ) -> ScheduledTaskController {
        var logger = Logger(label: "test.controller")
        logger.logLevel = .critical
        return ScheduledTaskController(
            client: client, clock: clock,
            configuration: .init(workers: workers, maxReconcileBackoff: maxReconcileBackoff), elector: elector,
            decide: decide, identity: identity, metricsFactory: metrics, logger: logger)
    }

    /// A controller (no leader election) with a client of its own whose requests `observer` sees;
    /// shut the client down after the controller.
    func controller(
        observedBy observer: some RequestObserver, identity: String
    ) throws -> (controller: ScheduledTaskController, client: KubeClient) {
        var logger = Logger(label: "test.\(identity)")
        logger.logLevel = .critical
        let client = try KubeClient(
            configuration: ClientConfiguration(server: baseURL, qps: 10_000, burst: 10_000), clock: clock,
            logger: logger, observer: observer)
        let controller = ScheduledTaskController(
            client: client, clock: clock, configuration: .init(workers: 2), elector: nil,
            decide: { Decision.plan(for: $0) }, identity: identity, metricsFactory: TestMetrics(), logger: logger)
        return (controller, client)
    }

    /// A leader-election candidate over a real Lease in `default`, with client-go's timings
    /// unless `leaseDuration`/`renewDeadline` say otherwise.
    func elector(
        identity: String, leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10)
    ) throws -> LeaderElector {
        var logger = Logger(label: "test.election")
        logger.logLevel = .critical
        return LeaderElector(
            config: try LeaderElectionConfig(
                lockNamespace: "default", lockName: "punctual", identity: identity, leaseDuration: leaseDuration,
                renewDeadline: renewDeadline),
            lock: KubeLeaseLock(client: client, namespace: "default", name: "punctual"), clock: clock, logger: logger,
            metricsFactory: TestMetrics())
    }

    // MARK: - Objects

    func createTask(_ task: JSONValue, namespace: String = "default") throws {
        _ = try store.create(
            GroupResource(group: "punctual.dev", resource: "scheduledtasks"), namespace: namespace, object: task)
    }

    func task(_ name: String, namespace: String = "default") throws -> ScheduledTask {
        try store.get(
            GroupResource(group: "punctual.dev", resource: "scheduledtasks"), namespace: namespace, name: name
        )
        .decode(as: ScheduledTask.self)
    }

    /// Completes a Job in the store as the Job controller would (`SuccessCriteriaMet`, then
    /// `Complete`), whatever its Pods do: a completion no controller cache has seen yet.
    func completeJob(_ name: String, namespace: String = "default") throws {
        let now = JSONValue.string(KubeTime.format(clock.currentDate))
        try store.modify(
            GroupResource(group: "batch", resource: "jobs"), namespace: namespace, name: name, subresource: .status
        ) { job in
            job.set(
                path: ["status", "conditions"],
                to: [
                    [
                        "type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
                        "lastTransitionTime": now,
                    ],
                    ["type": "Complete", "status": "True", "reason": "CompletionsReached", "lastTransitionTime": now],
                ])
            job.set(path: ["status", "completionTime"], to: now)
            job.set(path: ["status", "succeeded"], to: 1)
            job.set(path: ["status", "active"], to: 0)
        }
    }

    func jobs(namespace: String = "default") throws -> [Job] {
        try store.list(GroupResource(group: "batch", resource: "jobs"), options: .init(namespace: namespace)).items
            .map { try $0.decode(as: Job.self) }
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }

    func pods(namespace: String = "default") throws -> [Pod] {
        try store.list(GroupResource(group: "", resource: "pods"), options: .init(namespace: namespace)).items
            .map { try $0.decode(as: Pod.self) }
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }

    // MARK: - Time

    /// Advances virtual time in steps, letting the controller and runtime react after each.
    func advance(by total: Duration, step: Duration = .seconds(1)) async throws {
        var remaining = total
        while remaining > .zero {
            let next = min(step, remaining)
            clock.advance(by: next)
            remaining -= next
            try await settle()
        }
    }

    /// Gives in-flight HTTP calls and watch events a moment of real time: returns once the store
    /// has seen no write for 15 ms (at most 2 s), so on a loaded machine the controller and the
    /// runtime catch up with a step (a lease renewal lands, a status is written) before the next
    /// one, instead of virtual time running ahead of them.
    func settle() async throws {
        _ = try await store.waitUntilQuiet(for: .milliseconds(15), atMost: .seconds(2))
    }

    /// Waits (real time, bounded) until `condition` holds.
    func eventually(
        _ what: String, within limit: Duration = .seconds(30), _ condition: () throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            if (try? condition()) == true { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }
}

/// A minutely task running a Job that takes `runSeconds` of virtual time.
func minutelyTask(
    _ name: String, guarantee: String = "Unlimited", policy: String = "Allow", runSeconds: Int = 5,
    extra: [String: JSONValue] = [:], podAnnotations: [String: String] = [:]
) -> JSONValue {
    var annotations: [String: JSONValue] = ["sim.punctual.dev/run-seconds": .string(String(runSeconds))]
    for (key, value) in podAnnotations { annotations[key] = .string(value) }
    var spec: [String: JSONValue] = [
        "schedule": "* * * * *", "guarantee": .string(guarantee), "concurrencyPolicy": .string(policy),
        "jobTemplate": [
            "spec": [
                "template": [
                    "metadata": ["annotations": .object(annotations)],
                    "spec": [
                        "restartPolicy": "Never",
                        "containers": [["name": "main", "image": "busybox:1.36"]],
                    ],
                ]
            ]
        ],
    ]
    for (key, value) in extra { spec[key] = value }
    return [
        "apiVersion": "punctual.dev/v1alpha1", "kind": "ScheduledTask",
        "metadata": ["name": .string(name), "namespace": "default"], "spec": .object(spec),
    ]
}
