import Foundation
import KubeClient

/// A simulated node: a real `v1` Node object that ``JobRuntime`` stores when it starts, so that its
/// scheduler places Pods against the node's allocatable cpu, memory and pod count, its labels and
/// its taints, and so that `kubectl get nodes` shows it.
///
/// Nodes created by a client (`kubectl apply` of a Node) are scheduled onto just the same: the
/// scheduler reads Node objects from the store, not this configuration.
public struct SimNode: Sendable, Hashable {
    public var name: String
    /// Allocatable (and capacity) cpu, a quantity such as `4` or `3500m`.
    public var cpu: String
    /// Allocatable (and capacity) memory, a quantity such as `8Gi`.
    public var memory: String
    /// How many Pods fit at most (the kubelet's `maxPods`, 110 by default).
    public var pods: Int
    /// Labels besides the ones every node has (`kubernetes.io/hostname`, `kubernetes.io/os`,
    /// `kubernetes.io/arch`).
    public var labels: [String: String]
    public var taints: [NodeTaint]

    public init(
        name: String, cpu: String = "4", memory: String = "8Gi", pods: Int = 110, labels: [String: String] = [:],
        taints: [NodeTaint] = []
    ) {
        self.name = name
        self.cpu = cpu
        self.memory = memory
        self.pods = pods
        self.labels = labels
        self.taints = taints
    }

    /// `count` identical nodes named `sim-node-1`, `sim-node-2`, …
    public static func uniform(count: Int, cpu: String = "4", memory: String = "8Gi", pods: Int = 110) -> [SimNode] {
        (0..<max(0, count)).map { SimNode(name: "sim-node-\($0 + 1)", cpu: cpu, memory: memory, pods: pods) }
    }

    /// Checks that cpu and memory are quantities and pods is positive.
    /// - Throws: ``ResourceQuantity/ParseError`` for a bad quantity, naming the node and the field.
    public func validate() throws(ResourceQuantity.ParseError) {
        for (field, text) in [("cpu", cpu), ("memory", memory)] {
            do {
                _ = try ResourceQuantity(parsing: text)
            } catch {
                throw ResourceQuantity.ParseError(text: text, reason: "node \(name) \(field): \(error.reason)")
            }
        }
        guard pods > 0 else {
            throw ResourceQuantity.ParseError(text: String(pods), reason: "node \(name) pods must be > 0")
        }
    }

    /// The Node object, with the status a kubelet reports: capacity and allocatable, a Ready
    /// condition, an internal address.
    /// - Parameter index: the node's position, for its address (`10.0.1.<index + 1>`).
    public func object(index: Int = 0) -> JSONValue {
        var allLabels: [String: JSONValue] = [
            "kubernetes.io/hostname": .string(name), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
        ]
        for (key, value) in labels { allLabels[key] = .string(value) }
        let resources: JSONValue = [
            "cpu": .string(cpu), "memory": .string(memory), "pods": .string(String(pods)),
        ]
        var spec: [String: JSONValue] = [:]
        if !taints.isEmpty { spec["taints"] = .array(taints.map(\.object)) }
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": .object(allLabels)],
            "spec": .object(spec),
            "status": [
                "capacity": resources, "allocatable": resources,
                "conditions": [
                    [
                        "type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                    ]
                ],
                "addresses": [
                    ["type": "InternalIP", "address": .string("10.0.1.\(index % 250 + 1)")],
                    ["type": "Hostname", "address": .string(name)],
                ],
                "nodeInfo": [
                    "kubeletVersion": "v1.33.0-sim", "operatingSystem": "linux", "architecture": "amd64",
                    "containerRuntimeVersion": "containerd://2.0.0",
                ],
            ],
        ]
    }

    /// Stores `nodes` (an existing node of the same name is left alone).
    /// - Throws: the store's ``Status`` for anything but AlreadyExists.
    public static func register(_ nodes: [SimNode], in store: SimStore) throws(Status) {
        for (index, node) in nodes.enumerated() {
            do {
                try store.create(SchedulerNode.resource, namespace: "", object: node.object(index: index))
            } catch  where error.code == 409 {
                continue
            }
        }
    }
}
