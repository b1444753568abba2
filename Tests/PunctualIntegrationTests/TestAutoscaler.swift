import Foundation
import KubeClient
import KubeSim

/// A cluster autoscaler reduced to its scale-up rule, for KubeSim: when a Pod at or above the
/// expendable cutoff (priority -10, cluster-autoscaler's default) has been unschedulable for
/// `provisioning` (a cloud's node start-up time), one node of the given shape joins the cluster.
///
/// It is stepped by the test at each virtual-time step, so it stays deterministic.
struct TestAutoscaler {
    /// cluster-autoscaler's `--expendable-pods-priority-cutoff`: lower Pods never trigger scale-up.
    static let expendableCutoff: Int64 = -10

    let provisioning: TimeInterval
    let shape: SimNode
    /// When each still-unschedulable Pod (by uid) was first seen so.
    private var unschedulableSince: [String: Date] = [:]
    /// Names of the nodes added, in order.
    private(set) var added: [String] = []
    private var lastAdded: Date?

    init(provisioning: TimeInterval, shape: SimNode) {
        self.provisioning = provisioning
        self.shape = shape
    }

    /// Looks at the Pods at `now`; adds a node when one has waited for `provisioning`.
    mutating func step(store: SimStore, now: Date) throws {
        let pods = try store.list(GroupResource(group: "", resource: "pods")).items
        var waiting: [String: Date] = [:]
        for pod in pods {
            guard pod[path: ["spec", "nodeName"]]?.stringValue?.isEmpty ?? true,
                pod[path: ["metadata", "deletionTimestamp"]] == nil,
                (pod[path: ["spec", "priority"]]?.intValue ?? 0) >= Self.expendableCutoff,
                let conditions = pod[path: ["status", "conditions"]]?.arrayValue,
                conditions.contains(where: { $0["type"] == "PodScheduled" && $0["status"] == "False" })
            else { continue }
            let uid = pod[path: ["metadata", "uid"]]?.stringValue ?? ""
            waiting[uid] = unschedulableSince[uid] ?? now
        }
        unschedulableSince = waiting
        // One node per provisioning period at most, for demand older than the previous node.
        guard let oldest = waiting.values.min(), now.timeIntervalSince(oldest) >= provisioning,
            lastAdded.map({ oldest > $0 || now.timeIntervalSince($0) >= provisioning }) ?? true
        else { return }
        var node = shape
        node.name = "\(shape.name)-\(added.count + 1)"
        try SimNode.register([node], in: store)
        added.append(node.name)
        lastAdded = now
    }
}
