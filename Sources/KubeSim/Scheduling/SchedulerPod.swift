import Foundation
import KubeClient

/// What the scheduler reads from a Pod: identity, priority, requests and placement constraints.
public struct SchedulerPod: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var uid: String
    /// `spec.priority` (set by priority admission; 0 when absent).
    public var priority: Int32
    /// `spec.preemptionPolicy`: `Never` forbids preempting others.
    public var preemptsOthers: Bool
    /// The summed container requests (the larger of that and any init container's), plus one pod.
    public var requests: ResourceAmounts
    public var nodeSelector: [String: String]
    /// `spec.tolerations[]` as stored.
    public var tolerations: [JSONValue]
    /// `spec.nodeName`; `nil` while pending.
    public var nodeName: String?
    /// `status.nominatedNodeName`: the node a preemption made room on.
    public var nominatedNodeName: String?
    /// The order the scheduler queue saw the Pod in (ties of priority go first-come, first-served).
    public var arrival: UInt64
    /// A deleted Pod still terminating: it holds its room but is no preemption candidate.
    public var isTerminating: Bool
    /// Requests that could not be read (they count as zero).
    public var problems: [String]

    public init(
        namespace: String = "default", name: String, uid: String = "", priority: Int32 = 0,
        preemptsOthers: Bool = true, requests: ResourceAmounts, nodeSelector: [String: String] = [:],
        tolerations: [JSONValue] = [], nodeName: String? = nil, nominatedNodeName: String? = nil,
        arrival: UInt64 = 0, isTerminating: Bool = false
    ) {
        self.namespace = namespace
        self.name = name
        self.uid = uid.isEmpty ? "\(namespace)/\(name)" : uid
        self.priority = priority
        self.preemptsOthers = preemptsOthers
        self.requests = ResourceAmounts(milliCPU: requests.milliCPU, memory: requests.memory, pods: 1)
        self.nodeSelector = nodeSelector
        self.tolerations = tolerations
        self.nodeName = nodeName
        self.nominatedNodeName = nominatedNodeName
        self.arrival = arrival
        self.isTerminating = isTerminating
        self.problems = []
    }

    /// Reads a stored Pod.
    /// - Parameter arrival: the Pod's place in the scheduling queue.
    public init(pod: JSONValue, arrival: UInt64) {
        let spec = pod["spec"] ?? [:]
        var problems: [String] = []
        self.init(
            namespace: pod.metadataNamespace, name: pod.metadataName, uid: pod.metadataUID,
            priority: Int32(clamping: spec["priority"]?.intValue ?? 0),
            preemptsOthers: spec["preemptionPolicy"]?.stringValue != "Never",
            requests: Self.requests(of: spec, problems: &problems),
            nodeSelector: spec["nodeSelector"]?.objectValue?.compactMapValues(\.stringValue) ?? [:],
            tolerations: spec["tolerations"]?.arrayValue ?? [],
            nodeName: spec["nodeName"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            nominatedNodeName: pod[path: ["status", "nominatedNodeName"]]?.stringValue.flatMap {
                $0.isEmpty ? nil : $0
            },
            arrival: arrival, isTerminating: pod.isBeingDeleted)
        self.problems = problems
    }

    /// The effective request of a pod spec, as kube-scheduler computes it: the sum over containers
    /// (each container's `requests`, or its `limits` where a request is absent, as the API defaults
    /// them), at least the largest init container's, plus `overhead`.
    static func requests(of spec: JSONValue, problems: inout [String]) -> ResourceAmounts {
        func request(of container: JSONValue) -> ResourceAmounts {
            let resources = container["resources"]
            var merged = resources?["limits"]?.objectValue ?? [:]
            for (key, value) in resources?["requests"]?.objectValue ?? [:] { merged[key] = value }
            return ResourceAmounts.parse(.object(merged), problems: &problems)
        }
        var total = (spec["containers"]?.arrayValue ?? []).map(request).reduce(ResourceAmounts(), +)
        for initContainer in spec["initContainers"]?.arrayValue ?? [] {
            let single = request(of: initContainer)
            total.milliCPU = max(total.milliCPU, single.milliCPU)
            total.memory = max(total.memory, single.memory)
        }
        total = total + ResourceAmounts.parse(spec["overhead"], problems: &problems)
        total.pods = 0
        return total
    }

    /// The queue order: higher priority first, then first come.
    static func isScheduledBefore(_ lhs: SchedulerPod, _ rhs: SchedulerPod) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        return (lhs.arrival, lhs.namespace, lhs.name) < (rhs.arrival, rhs.namespace, rhs.name)
    }
}
