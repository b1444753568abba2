import Alerting
import Foundation
import KubeClient
import KubeRuntime
import Logging
import PunctualController
import ServiceLifecycle
import Synchronization

/// One controller "process" of a soak: its own API client, informers, lease candidacy,
/// reconciler and alert dispatcher, as a separate replica has.
///
/// The dispatcher is wired as `punctual controller` wires it (its sink is the controller's alert
/// sink, it follows the controller for its maintenance pass); only its transport is the soak's
/// in-memory receivers. Replicas share nothing but the cluster and those receivers.
///
/// Controller and dispatcher run in a `ServiceGroup` as in `punctual controller`. ``kill()`` is
/// kill -9 (everything is cancelled, the lease is not released, in-flight work is abandoned);
/// ``terminate()`` is SIGTERM (a graceful shutdown: the controller releases the lease, then the
/// dispatcher drains its deliveries). A replica also ends by itself when it loses its lease, as
/// the real process exits then.
public final class SoakReplica: Sendable {
    /// How a replica ended.
    public enum Ending: String, Sendable {
        case killed, terminated, exited
    }

    public let identity: String
    let controller: ScheduledTaskController
    let alerts: AlertDispatcher
    let client: KubeClient
    let lock: SeverableLeaseLock
    let logger: Logger
    private let stopSignal: AsyncStream<Ending>
    private let stop: AsyncStream<Ending>.Continuation
    private let ending = Mutex<Ending?>(nil)
    private let finished = Mutex(false)

    /// The Lease every replica competes for, in ``SoakTaskMix/namespace``.
    static let leaseName = "punctual-controller"

    /// - Parameters:
    ///   - identity: the election identity (never derived from start time).
    ///   - server: the API server's URL.
    ///   - clock: the soak's virtual clock.
    ///   - receivers: where the dispatcher's requests go.
    public init(identity: String, server: URL, clock: any WallClock, receivers: any AlertTransport) throws {
        self.identity = identity
        var logger = Logger(label: "soak.\(identity)")
        logger.logLevel = .critical
        self.logger = logger
        client = try KubeClient(
            configuration: ClientConfiguration(server: server, qps: 10_000, burst: 10_000), clock: clock,
            logger: logger)
        lock = SeverableLeaseLock(
            KubeLeaseLock(client: client, namespace: SoakTaskMix.namespace, name: Self.leaseName))
        let elector = LeaderElector(
            config: try LeaderElectionConfig(
                lockNamespace: SoakTaskMix.namespace, lockName: Self.leaseName, identity: identity),
            lock: lock, clock: clock, logger: logger)
        alerts = AlertDispatcher(
            client: client,
            delivery: AlertDelivery(
                transport: receivers, addressGuard: AddressGuard(resolver: { _ in [] }), clock: clock,
                logger: logger),
            events: EventRecorder(client: client, clock: clock, instance: identity), clock: clock,
            configuration: AlertDispatcher.Configuration(controllerNamespace: SoakTaskMix.namespace), logger: logger)
        controller = ScheduledTaskController(
            client: client, clock: clock, configuration: .init(namespaces: [SoakTaskMix.namespace], workers: 4),
            elector: elector, decide: { Decision.plan(for: $0) }, identity: identity, logger: logger,
            alertSink: alerts.sink)
        alerts.follow(controller)
        let (signal, continuation) = AsyncStream<Ending>.makeStream()
        stopSignal = signal
        stop = continuation
    }

    // MARK: - Inspection

    /// Whether this replica holds the lease now.
    public var isLeading: Bool { ending.withLock { $0 } == nil && controller.isLeading }

    /// Whether its caches are synced.
    public var hasSynced: Bool { controller.hasSynced }

    /// How it ended, or `nil` while it runs.
    public var ended: Ending? { ending.withLock { $0 } }

    /// Whether ``run()`` has returned (its client is shut down).
    public var hasFinished: Bool { finished.withLock { $0 } }

    // MARK: - Life cycle

    /// Runs the controller until it is killed, terminated, or exits by itself.
    public func run() async {
        let services = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: alerts),
                    .init(
                        service: controller, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup),
                ], logger: logger))
        let how = await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                do {
                    try await services.run()
                } catch {
                    // Lost its lease: the process exits (and is restarted by the soak).
                }
                return .exited
            }
            group.addTask {
                for await how in self.stopSignal {
                    // SIGTERM: the group shuts down gracefully and ends the first task.
                    guard how == .killed else {
                        await services.triggerGracefulShutdown()
                        continue
                    }
                    return how
                }
                return nil
            }
            var first: Ending?
            while let next = await group.next() {
                if let next {
                    first = next
                    break
                }
            }
            group.cancelAll()
            return first ?? .exited
        }
        ending.withLock { $0 = $0 ?? how }
        try? await client.shutdown()
        finished.withLock { $0 = true }
    }

    /// kill -9: the lease is not released.
    public func kill() {
        lock.sever()
        ending.withLock { $0 = $0 ?? .killed }
        stop.yield(.killed)
    }

    /// SIGTERM: a graceful stop that releases the lease.
    public func terminate() {
        ending.withLock { $0 = $0 ?? .terminated }
        stop.yield(.terminated)
    }
}
