import KubeClient

/// What the scheduler reads from a Node object: its allocatable resources, labels and taints.
public struct SchedulerNode: Sendable, Hashable {
    static let resource = GroupResource(group: "", resource: "nodes")

    public var name: String
    public var allocatable: ResourceAmounts
    public var labels: [String: String]
    public var taints: [NodeTaint]
    /// `spec.unschedulable` (a cordoned node).
    public var isCordoned: Bool
    /// The node's InternalIP, shown as the `hostIP` of its Pods.
    public var address: String
    /// Quantities that could not be read (they count as zero).
    public var problems: [String]

    public init(
        name: String, allocatable: ResourceAmounts, labels: [String: String] = [:], taints: [NodeTaint] = [],
        isCordoned: Bool = false, address: String = "10.0.1.1"
    ) {
        self.name = name
        self.allocatable = allocatable
        self.labels = labels
        self.taints = taints
        self.isCordoned = isCordoned
        self.address = address
        self.problems = []
    }

    /// Reads a stored Node. A node without `status.allocatable` falls back to `status.capacity`.
    public init(node: JSONValue) {
        var problems: [String] = []
        let allocatable =
            node[path: ["status", "allocatable"]] ?? node[path: ["status", "capacity"]]
        self.init(
            name: node.metadataName,
            allocatable: ResourceAmounts.parse(allocatable, problems: &problems),
            labels: node[path: ["metadata", "labels"]]?.objectValue?.compactMapValues(\.stringValue) ?? [:],
            taints: NodeTaint.taints(of: node),
            isCordoned: node[path: ["spec", "unschedulable"]]?.boolValue == true,
            address: (node[path: ["status", "addresses"]]?.arrayValue ?? [])
                .first { $0["type"] == "InternalIP" }?["address"]?.stringValue ?? "10.0.1.1")
        self.problems = problems
    }

    /// Why `pod` can never run here whatever is evicted (kube-scheduler's filter order: cordon,
    /// taints, node selector), or `nil`.
    func staticMismatch(for pod: SchedulerPod) -> String? {
        if isCordoned { return "node(s) were unschedulable" }
        if let taint = taints.first(where: { $0.blocksScheduling && !$0.isTolerated(by: pod.tolerations) }) {
            return "node(s) had untolerated taint \(taint.summary)"
        }
        if pod.nodeSelector.contains(where: { labels[$0.key] != $0.value }) {
            return "node(s) didn't match Pod's node affinity/selector"
        }
        return nil
    }
}
