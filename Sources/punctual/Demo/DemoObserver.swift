import Foundation
import KubeClient
import KubeRuntime
import Logging
import PunctualController
import Synchronization

/// Watches the simulated cluster the way a user would, through the API server: informers on
/// ScheduledTasks, the Jobs and Pods labelled `punctual.dev/task`, and the controller's Lease.
/// Every change is turned into stream lines by ``EventDerivation`` and passed to `emit`; the task
/// cache feeds the live table.
final class DemoObserver: Sendable {
    let tasks: Informer<ScheduledTask>
    let jobs: Informer<Job>
    let pods: Informer<Pod>
    let leases: Informer<Lease>
    private let leaseName: String
    /// `failed` lines waiting for their pod's exit code.
    private let failures = Mutex(PendingFailures())

    /// - Parameters:
    ///   - client: a client of its own (not a controller replica's, which the demo kills).
    ///   - leaseNamespace: where the controllers' Lease lives.
    ///   - leaseName: the Lease's name.
    ///   - clock: the simulation clock; events are stamped with its time.
    ///   - emit: receives the events, in the order each informer saw its changes.
    init(
        client: KubeClient, leaseNamespace: String, leaseName: String, clock: any WallClock, logger: Logger,
        emit: @escaping @Sendable (DemoEvent) -> Void
    ) {
        self.leaseName = leaseName
        let selector = ScheduledTask.taskLabel
        tasks = Informer(client: client.resource(ScheduledTask.self), clock: clock, logger: logger)
        jobs = Informer(client: client.resource(Job.self), labelSelector: selector, clock: clock, logger: logger)
        pods = Informer(
            client: client.resource(Pod.self), labelSelector: selector,
            indexers: [EventDerivation.jobNameLabel: ObjectCache<Pod>.labelIndex(EventDerivation.jobNameLabel)],
            clock: clock, logger: logger)
        leases = Informer(
            client: client.resource(Lease.self, namespace: leaseNamespace), fieldSelector: "metadata.name=\(leaseName)",
            clock: clock, logger: logger)
        connect(clock: clock, emit: emit)
    }

    // MARK: - Reading

    /// The tasks as last seen.
    var taskObjects: [ScheduledTask] { tasks.cache.objects }

    /// The current holder of the Lease ("" or `nil` when free).
    var leaseHolder: String? {
        leases.cache.objects.first { $0.metadata.name == leaseName }?.spec?.holderIdentity
    }

    // MARK: - Running

    /// Runs the informers until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.tasks.run() }
            group.addTask { await self.jobs.run() }
            group.addTask { await self.pods.run() }
            group.addTask { await self.leases.run() }
        }
    }

    /// Waits until every informer has listed once.
    func waitUntilSynced() async {
        await tasks.waitUntilSynced()
        await jobs.waitUntilSynced()
        await pods.waitUntilSynced()
        await leases.waitUntilSynced()
    }

    // MARK: - Handlers

    private func connect(clock: any WallClock, emit: @escaping @Sendable (DemoEvent) -> Void) {
        let send: @Sendable ([DemoEvent]) -> Void = { for event in $0 { emit(event) } }
        tasks.addHandler(
            .init(onUpdate: { old, new in
                send(EventDerivation.taskUpdated(old: old, new: new, now: clock.currentDate))
            }))
        let podCache = pods.cache
        jobs.addHandler(
            .init(
                onAdd: { send(EventDerivation.jobAdded($0, now: clock.currentDate)) },
                onUpdate: { [weak self] old, new in
                    guard let self else { return }
                    let pods = podCache.objects(in: EventDerivation.jobNameLabel, matching: new.metadata.name ?? "")
                    for event in EventDerivation.jobUpdated(old: old, new: new, pods: pods, now: clock.currentDate) {
                        send(self.failures.withLock { $0.jobFailed(event, job: new.metadata, pods: pods) })
                    }
                }))
        pods.addHandler(
            .init(
                onAdd: { send(EventDerivation.podUpdated(old: nil, new: $0, now: clock.currentDate)) },
                onUpdate: { [weak self] old, new in
                    send(EventDerivation.podUpdated(old: old, new: new, now: clock.currentDate))
                    send(self?.failures.withLock { $0.podChanged(new, now: clock.currentDate) } ?? [])
                },
                onDelete: { [weak self] pod in send(self?.failures.withLock { $0.podDeleted(pod) } ?? []) }))
        leases.addHandler(
            .init(
                onAdd: {
                    send(
                        EventDerivation.leaseChanged(
                            oldHolder: nil, newHolder: $0.spec?.holderIdentity, now: clock.currentDate))
                },
                onUpdate: { old, new in
                    send(
                        EventDerivation.leaseChanged(
                            oldHolder: old.spec?.holderIdentity, newHolder: new.spec?.holderIdentity,
                            now: clock.currentDate))
                }))
    }
}
