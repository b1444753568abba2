import KubeClient

/// The resources the scheduler counts: cpu in millicores, memory in bytes, and Pods.
public struct ResourceAmounts: Sendable, Hashable {
    public var milliCPU: Int64
    public var memory: Int64
    public var pods: Int64

    public init(milliCPU: Int64 = 0, memory: Int64 = 0, pods: Int64 = 0) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.pods = pods
    }

    static func + (lhs: ResourceAmounts, rhs: ResourceAmounts) -> ResourceAmounts {
        ResourceAmounts(
            milliCPU: lhs.milliCPU &+ rhs.milliCPU, memory: lhs.memory &+ rhs.memory, pods: lhs.pods &+ rhs.pods)
    }

    static func - (lhs: ResourceAmounts, rhs: ResourceAmounts) -> ResourceAmounts {
        ResourceAmounts(
            milliCPU: lhs.milliCPU &- rhs.milliCPU, memory: lhs.memory &- rhs.memory, pods: lhs.pods &- rhs.pods)
    }

    /// What `request` lacks in `self` (the free room), as kube-scheduler words it:
    /// `Insufficient cpu`, `Insufficient memory`, `Too many pods`.
    func shortfalls(for request: ResourceAmounts) -> [String] {
        var reasons: [String] = []
        if request.pods > pods { reasons.append("Too many pods") }
        if request.milliCPU > milliCPU { reasons.append("Insufficient cpu") }
        if request.memory > memory { reasons.append("Insufficient memory") }
        return reasons
    }

    /// Reads a `{cpu, memory, pods}` map (a node's allocatable, a container's requests).
    /// Unreadable quantities count as zero and are reported in `problems`.
    static func parse(_ map: JSONValue?, problems: inout [String]) -> ResourceAmounts {
        var amounts = ResourceAmounts()
        func quantity(_ key: String) -> ResourceQuantity? {
            guard let raw = map?[key] else { return nil }
            let text = raw.stringValue ?? raw.intValue.map(String.init) ?? raw.doubleValue.map { "\($0)" } ?? ""
            do {
                return try ResourceQuantity(parsing: text)
            } catch {
                problems.append("\(key): \(error)")
                return nil
            }
        }
        amounts.milliCPU = quantity("cpu")?.milliValue ?? 0
        amounts.memory = quantity("memory")?.value ?? 0
        amounts.pods = quantity("pods")?.value ?? 0
        return amounts
    }
}
