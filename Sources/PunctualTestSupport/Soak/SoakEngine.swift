import Foundation
import KubeClient
import KubeSim
import Logging
import PunctualController

/// Runs a fault soak: a simulated cluster with a few hundred ScheduledTasks of every guarantee and
/// policy, two controller replicas competing for a Lease, and seeded random faults, all on one
/// virtual clock; then checks the invariants (``SoakInvariants``) from the cluster's own record.
///
/// Time advances in steps of ``SoakConfiguration/step``. After each step the engine waits until the
/// store has seen no write for ``SoakConfiguration/settle`` of real time (at most two seconds), so a
/// slow machine slows the soak down instead of making the controllers fall behind virtual time.
/// Faults are spread over the fault phase in shuffled rounds of every kind, so even a short soak
/// injects each kind; a quiet drain phase follows, during which runs finish and statuses catch up.
public struct SoakEngine: Sendable {
    public let configuration: SoakConfiguration

    public init(configuration: SoakConfiguration) {
        self.configuration = configuration
    }

    /// Runs the soak and returns its report (violations included; it throws only when the soak
    /// itself cannot run).
    ///
    /// - Parameter progress: receives a line now and then (phase changes, faults).
    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> SoakReport {
        try configuration.validate()
        let began = ContinuousClock.now
        let clock = ManualClock(start: configuration.start)
        var logger = Logger(label: "soak")
        logger.logLevel = .critical
        let store = SimStore(clock: clock, admission: [Admission()])
        try installDefinitions(store)
        try store.create(
            GroupResource(group: "", resource: "secrets"), namespace: SoakTaskMix.namespace,
            object: SoakTaskMix.receiversSecretManifest())
        var random = SeededGenerator(seed: configuration.seed)
        for index in 0..<configuration.taskCount {
            try store.create(
                SoakWorld.tasks, namespace: SoakTaskMix.namespace, object: SoakTaskMix.task(index, random: &random))
        }
        let server = APIServer(store: store, logger: logger)
        let url = try await server.start()
        let ledger = SoakLedger(store: store)
        let world = SoakWorld(
            configuration: configuration, clock: clock, store: store, server: server, url: url, ledger: ledger,
            random: random, progress: progress)
        let runtime = JobRuntime(store: store, clock: clock, logger: logger)
        let outcome: Result<SoakReport, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.run() }
            group.addTask { await ledger.run() }
            let outcome: Result<SoakReport, any Error>
            do {
                outcome = .success(try await world.drive(&group))
            } catch {
                outcome = .failure(error)
            }
            group.cancelAll()
            return outcome
        }
        await server.stop()
        var report = try outcome.get()
        report.realSeconds = (ContinuousClock.now - began).seconds
        return report
    }

    private func installDefinitions(_ store: SimStore) throws {
        try PunctualDefinitions.install(
            into: store, crd: configuration.crdURL, priorityClasses: configuration.priorityClassesURL)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
