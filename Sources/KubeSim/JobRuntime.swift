import Foundation
import KubeClient
import Logging
import ServiceLifecycle

/// The simulated cluster runtime: a Job controller, a scheduler and a kubelet in one loop, so that
/// Jobs stored in a ``SimStore`` run as on a real cluster.
///
/// For each Job it creates Pods from the template (`generateName: <job>-`, a controller
/// ownerReference, the template's labels and annotations plus `batch.kubernetes.io/job-name` and
/// `controller-uid`, the `batch.kubernetes.io/job-tracking` finalizer), drives them Pending →
/// Running → Succeeded/Failed, and keeps the Job's status like the Job controller (see
/// ``JobSync`` for the rules: counts, conditions, backoffLimit, activeDeadlineSeconds, suspend,
/// parallelism/completions, podReplacementPolicy). Pods that no Job owns (placeholders, hand-made
/// Pods) are driven too, and run until deleted unless annotated otherwise.
///
/// Pod behaviour comes from annotations on the Pod template (see ``PodBehavior``):
/// `sim.punctual.dev/pending-seconds`, `sim.punctual.dev/unschedulable`,
/// `sim.punctual.dev/image-pull-error`, `sim.punctual.dev/run-seconds` (default 1 for Job pods),
/// `sim.punctual.dev/exit-code`, `sim.punctual.dev/exit-message` and
/// `sim.punctual.dev/termination-seconds` (how long a deleted Pod stays terminating).
///
/// All timing is on the injected ``WallClock``: with a ``ManualClock`` nothing moves until the
/// test advances time, and every transition is stamped with the instant it was due. The runtime
/// observes the store through a subscription (re-established with a full resync if the store
/// closes it), so it reacts to every write, from HTTP clients or in-process.
///
/// Nodes: without any Node object in the store, Pods run at once on one fake node (`sim-node-1`)
/// with unlimited capacity. With nodes (``Configuration/nodes``, or Node objects written by a
/// client), Pods without `spec.nodeName` wait for the runtime's ``Scheduler``: first fit on
/// allocatable cpu, memory and pod count, `nodeSelector` and taints, in priority order, with
/// preemption of lower-priority Pods.
///
/// Approximations: no Events; containers of one Pod share one fate; a crash-looping container
/// restarts after the kubelet's back-off; the scheduler ignores affinity, topology spread and
/// host ports.
public final class JobRuntime: Service, Sendable {
    /// Tunables; the defaults are the real controller's.
    public struct Configuration: Sendable {
        /// The back-off before a failed Pod (restartPolicy Never) is replaced.
        public var podFailureBackoff: JobSync.Backoff
        /// How soon a write that failed (a conflict with another writer) is retried.
        public var retryDelay: Swift.Duration
        /// Nodes stored when the runtime is created; empty keeps Pods unconstrained.
        public var nodes: [SimNode]

        public init(
            podFailureBackoff: JobSync.Backoff = JobSync.Backoff(), retryDelay: Swift.Duration = .seconds(1),
            nodes: [SimNode] = []
        ) {
            self.podFailureBackoff = podFailureBackoff
            self.retryDelay = retryDelay
            self.nodes = nodes
        }
    }

    static let jobs = GroupResource(group: "batch", resource: "jobs")
    static let pods = GroupResource(group: "", resource: "pods")

    let store: SimStore
    let clock: any WallClock
    let configuration: Configuration
    let logger: Logger

    /// - Parameters:
    ///   - store: the store whose Jobs and Pods are run.
    ///   - clock: the clock every transition is timed on; share it with the store and the controller.
    ///   - configuration: back-off and retry tunables, and the nodes to store (at once, so they
    ///     exist before ``run()`` starts).
    ///   - logger: where failed writes and unreadable annotations are reported.
    public init(
        store: SimStore, clock: any WallClock, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "punctual.sim.runtime")
    ) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        do {
            try SimNode.register(configuration.nodes, in: store)
        } catch {
            logger.error("cannot store the simulated nodes", metadata: ["error": "\(error.message ?? "")"])
        }
    }

    /// What the loop is woken for.
    enum Trigger: Sendable {
        case changed(StoreEvent)
        case resync
        case wake(WorkKey)
    }

    /// The unit of work: a Job with its Pods, or a Pod no Job owns.
    enum WorkKey: Hashable, Sendable {
        case job(namespace: String, name: String)
        case pod(namespace: String, name: String)
    }

    /// Runs the runtime until the calling task is cancelled or, inside a `ServiceGroup`, until
    /// graceful shutdown begins.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await self.runLoop()
        }
    }

    private func runLoop() async {
        let (triggers, continuation) = AsyncStream<Trigger>.makeStream()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.observe(into: continuation) }
            var loop = RuntimeLoop(runtime: self)
            for await trigger in triggers {
                loop.note(trigger)
                // Drain what is already queued before working, so a burst of events costs one pass.
                let wakes = loop.work()
                for (key, deadline) in wakes {
                    group.addTask {
                        do {
                            try await self.clock.sleep(until: WallInstant(deadline), tolerance: nil)
                            continuation.yield(.wake(key))
                        } catch {
                            // Cancelled: the runtime is stopping.
                        }
                    }
                }
            }
            continuation.finish()
            group.cancelAll()
        }
    }

    /// Forwards store changes; resubscribes (with a full resync) whenever the store ends the stream.
    private func observe(into continuation: AsyncStream<Trigger>.Continuation) async {
        while !Task.isCancelled {
            let subscription: StoreSubscription
            do {
                subscription = try store.subscribe(
                    resources: [Self.jobs, Self.pods, SchedulerNode.resource], from: .now)
            } catch {
                logger.warning("cannot observe the store", metadata: ["error": "\(error)"])
                try? await clock.sleep(for: configuration.retryDelay)
                continue
            }
            continuation.yield(.resync)
            for await event in subscription.events {
                continuation.yield(.changed(event))
            }
            subscription.cancel()
        }
    }
}
