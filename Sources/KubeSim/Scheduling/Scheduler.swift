import KubeClient

/// A first-fit scheduler with priority preemption, the core of kube-scheduler reduced to what
/// batch workloads exercise.
///
/// ``schedule(_:)`` takes the pending Pods in queue order (higher `spec.priority` first, then
/// first come) and binds each to the first node, in the given order, that it tolerates, whose
/// labels match its `nodeSelector`, and whose allocatable resources minus the requests of the Pods
/// already there fit its requests. A Pod that fits nowhere and may preempt (`preemptionPolicy` is
/// not `Never`) evicts Pods of strictly lower priority from one node: on each feasible node the
/// lowest-priority (then newest) Pods are taken until the preemptor fits, then every victim that
/// is not needed after all is spared, highest priority first; the node whose most important
/// victim has the lowest priority wins (then fewer victims, then node order). The preemptor is
/// nominated to that node and its room is held for it; it is bound by a later pass, once the
/// victims have terminated (until then it is not eligible to preempt again). Otherwise the Pod
/// stays pending with kube-scheduler's message (`0/3 nodes are available: 3 Insufficient cpu.`).
///
/// It is a value with no clock and no randomness: the same input gives the same decisions.
public struct Scheduler: Sendable {
    /// What happens to one pending Pod.
    public enum Decision: Sendable, Hashable {
        /// Bind the Pod to `node`.
        case bind(SchedulerPod, node: String)
        /// Delete `victims` and nominate the Pod to `node` (`status.nominatedNodeName`); it stays
        /// pending with `message` until they are gone.
        case nominate(SchedulerPod, node: String, victims: [SchedulerPod], message: String)
        /// The Pod stays pending; `message` is its PodScheduled condition's message.
        case unschedulable(SchedulerPod, message: String)
    }

    public private(set) var nodes: [SchedulerNode]
    /// The Pods occupying each node (bound and not finished).
    private var placed: [String: [SchedulerPod]]

    /// - Parameters:
    ///   - nodes: the nodes in the order they are tried.
    ///   - running: the Pods bound to a node that have not finished (terminating ones included).
    public init(nodes: [SchedulerNode], running: [SchedulerPod]) {
        self.nodes = nodes
        placed = Dictionary(grouping: running.filter { $0.nodeName != nil }) { $0.nodeName ?? "" }
    }

    /// Schedules `pending` in queue order; each decision is applied before the next Pod is tried.
    public mutating func schedule(_ pending: [SchedulerPod]) -> [Decision] {
        pending.sorted(by: SchedulerPod.isScheduledBefore).map { scheduleOne($0) }
    }

    /// The free room on a node.
    public func free(on node: SchedulerNode) -> ResourceAmounts {
        (placed[node.name] ?? []).reduce(node.allocatable) { $0 - $1.requests }
    }

    // MARK: - One Pod

    private mutating func scheduleOne(_ pod: SchedulerPod) -> Decision {
        var reasons: [String: Int] = [:]
        for node in nodes {
            if let mismatch = node.staticMismatch(for: pod) {
                reasons[mismatch, default: 0] += 1
                continue
            }
            let shortfalls = free(on: node).shortfalls(for: pod.requests)
            if shortfalls.isEmpty {
                place(pod, on: node.name, evicting: [])
                return .bind(pod, node: node.name)
            }
            for shortfall in shortfalls { reasons[shortfall, default: 0] += 1 }
        }
        let message = Self.summary(nodeCount: nodes.count, reasons: reasons)
        guard pod.preemptsOthers else {
            return .unschedulable(pod, message: message + " preemption: not eligible due to preemptionPolicy=Never.")
        }
        if let nominated = pod.nominatedNodeName,
            (placed[nominated] ?? []).contains(where: { $0.isTerminating && $0.priority < pod.priority })
        {
            // Its victims are still terminating: hold the room, do not evict more.
            place(pod, on: nominated, evicting: [])
            return .unschedulable(
                pod, message: message + " preemption: not eligible due to a terminating pod on the nominated node.")
        }
        var preemptionReasons: [String: Int] = [:]
        var best: (node: String, victims: [SchedulerPod], rank: (Int32, Int, Int))?
        for (index, node) in nodes.enumerated() {
            guard node.staticMismatch(for: pod) == nil else {
                preemptionReasons["Preemption is not helpful for scheduling", default: 0] += 1
                continue
            }
            guard let victims = victims(on: node, for: pod) else {
                preemptionReasons["No preemption victims found for incoming pod", default: 0] += 1
                continue
            }
            let rank = (victims.map(\.priority).max() ?? .min, victims.count, index)
            if best.map({ rank < $0.rank }) ?? true { best = (node.name, victims, rank) }
        }
        if let best {
            place(pod, on: best.node, evicting: best.victims)
            return .nominate(pod, node: best.node, victims: best.victims, message: message)
        }
        return .unschedulable(
            pod, message: message + " preemption: " + Self.summary(nodeCount: nodes.count, reasons: preemptionReasons))
    }

    /// Counts `pod` on `node` for the rest of the pass (bound, or nominated and holding the room).
    private mutating func place(_ pod: SchedulerPod, on node: String, evicting victims: [SchedulerPod]) {
        let evicted = Set(victims.map(\.uid))
        placed[node, default: []].removeAll { evicted.contains($0.uid) }
        var bound = pod
        bound.nodeName = node
        placed[node, default: []].append(bound)
    }

    // MARK: - Preemption

    /// The fewest, least important Pods whose eviction lets `pod` fit on `node`, or `nil` when
    /// evicting every Pod of lower priority is not enough.
    private func victims(on node: SchedulerNode, for pod: SchedulerPod) -> [SchedulerPod]? {
        let candidates = (placed[node.name] ?? [])
            .filter { $0.priority < pod.priority && !$0.isTerminating }
            .sorted { ($0.priority, $1.arrival, $1.name) < ($1.priority, $0.arrival, $0.name) }
        let free = self.free(on: node)
        func fits(evicting victims: [SchedulerPod]) -> Bool {
            victims.reduce(free) { $0 + $1.requests }.shortfalls(for: pod.requests).isEmpty
        }
        guard !candidates.isEmpty, fits(evicting: candidates) else { return nil }
        // Spare whoever is not needed, most important first (kube-scheduler's reprieve).
        var victims = candidates
        for candidate in candidates.reversed() {
            let without = victims.filter { $0.uid != candidate.uid }
            if fits(evicting: without) { victims = without }
        }
        return victims
    }

    // MARK: - Messages

    /// `0/3 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.`: the reasons counted
    /// over nodes, each as `<count> <reason>`, sorted as text (as kube-scheduler's FitError does).
    static func summary(nodeCount: Int, reasons: [String: Int]) -> String {
        let parts = reasons.map { "\($0.value) \($0.key)" }.sorted()
        return "0/\(nodeCount) nodes are available: " + parts.joined(separator: ", ") + "."
    }
}
