import Foundation
import KubeClient
import KubeRuntime
import Logging
import PunctualController

/// One controller replica of the demo: its own API connection, leader-election candidacy and
/// ScheduledTask controller, as one pod of the Deployment would have.
///
/// ``kill()`` ends it the way a crashed or OOM-killed pod ends: the controller's task is
/// cancelled and its connection dropped, and the Lease is *not* released, so the standby takes
/// over only when the Lease expires (`leaseDuration` after it last saw a renewal).
final class ControllerReplica: Sendable {
    /// The candidate identity written into the Lease.
    let identity: String
    let controller: ScheduledTaskController
    private let client: KubeClient
    private let logger: Logger
    private let killSignal: AsyncStream<Void>
    private let killContinuation: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - podName: the replica's pod name; the identity adds a random suffix, as in production.
    ///   - server: the simulated API server.
    ///   - lease: the Lease both replicas compete for.
    ///   - alertSink: where the controller's alerts go.
    /// - Throws: when the client cannot be built or the election settings are invalid.
    init(
        podName: String, server: URL, lease: (namespace: String, name: String), clock: any WallClock, logger: Logger,
        alertSink: @escaping PlanExecutor.AlertSink
    ) throws {
        identity = LeaderElectionIdentity.make(environment: [LeaderElectionIdentity.podNameVariable: podName])
        var logger = logger
        logger[metadataKey: "replica"] = "\(podName)"
        self.logger = logger
        // Longer than client-go's 15/10/2 s, because on the accelerated clock a renewal deadline of
        // 10 s is half a real second: a busy machine would make the leader flap. A crash never
        // releases the Lease; a renewal that still misses its deadline returns the replica to
        // candidacy instead of ending it.
        let config = try LeaderElectionConfig(
            lockNamespace: lease.namespace, lockName: lease.name, identity: identity,
            leaseDuration: .seconds(40), renewDeadline: .seconds(30), retryPeriod: .seconds(5), releaseOnCancel: false,
            onLostLeadership: .returnToCandidacy)
        // Last of what can throw: a client must be shut down once it exists.
        client = try KubeClient(
            configuration: ClientConfiguration(server: server, qps: 1_000, burst: 1_000), clock: clock, logger: logger)
        let elector = LeaderElector(
            config: config, lock: KubeLeaseLock(client: client, namespace: lease.namespace, name: lease.name),
            clock: clock, logger: logger)
        controller = ScheduledTaskController(
            client: client, clock: clock, configuration: .init(workers: 2), elector: elector,
            decide: { Decision.plan(for: $0) }, identity: identity, logger: logger, alertSink: alertSink)
        (killSignal, killContinuation) = AsyncStream<Void>.makeStream()
    }

    /// Runs the controller until ``kill()`` or cancellation, then closes the connection.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await self.controller.run()
                } catch {
                    self.logger.error("the controller stopped", metadata: ["error": "\(error)"])
                }
            }
            group.addTask {
                for await _ in self.killSignal {}
            }
            // Whichever ends first (a kill, or the controller itself) ends the replica.
            await group.next()
            group.cancelAll()
        }
        killContinuation.finish()
        try? await client.shutdown()
    }

    /// Stops the replica abruptly: no graceful shutdown, no Lease release.
    func kill() {
        killContinuation.finish()
    }
}
