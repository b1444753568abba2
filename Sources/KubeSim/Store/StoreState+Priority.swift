import KubeClient

// MARK: - Priority admission, as the API server's `Priority` plug-in does on Pod creation

extension StoreState {
    static let priorityClasses = GroupResource(group: "scheduling.k8s.io", resource: "priorityclasses")

    /// The classes every real cluster has, created by the API server itself.
    static let systemPriorityClasses: [String: Int64] = [
        "system-cluster-critical": 2_000_000_000, "system-node-critical": 2_000_001_000,
    ]

    /// Resolves a new Pod's `priorityClassName` to `spec.priority` and `spec.preemptionPolicy`.
    ///
    /// Without a class name the `globalDefault` class applies (its name is filled in), or
    /// priority 0. A Pod may not state a priority or preemption policy of its own that differs
    /// from its class's.
    ///
    /// - Throws: 403 Forbidden for an unknown class or a conflicting value, worded as the API server.
    func resolvingPriority(of pod: JSONValue) throws(Status) -> JSONValue {
        guard var spec = pod["spec"]?.objectValue else { return pod }
        var className = spec["priorityClassName"]?.stringValue ?? ""
        var value: Int64 = 0
        var policy = "PreemptLowerPriority"
        let classes = buckets[Self.priorityClasses]?.all(in: nil) ?? []
        if className.isEmpty {
            let defaults = classes.filter { $0["globalDefault"]?.boolValue == true }
            // Several defaults cannot be admitted on a real cluster; take the lowest, deterministically.
            if let global = defaults.min(by: { ($0["value"]?.intValue ?? 0) < ($1["value"]?.intValue ?? 0) }) {
                className = global.metadataName
                value = global["value"]?.intValue ?? 0
                policy = global["preemptionPolicy"]?.stringValue ?? policy
            }
        } else if let found = classes.first(where: { $0.metadataName == className }) {
            value = found["value"]?.intValue ?? 0
            policy = found["preemptionPolicy"]?.stringValue ?? policy
        } else if let system = Self.systemPriorityClasses[className] {
            value = system
        } else {
            throw forbiddenPod(pod, "no PriorityClass with name \(className) was found")
        }
        if let given = spec["priority"]?.intValue, given != value {
            throw forbiddenPod(
                pod,
                "the integer value of priority (\(given)) must not be provided in pod spec; priority admission "
                    + "controller computed \(value) from the given PriorityClass name")
        }
        if let given = spec["preemptionPolicy"]?.stringValue, given != policy {
            throw forbiddenPod(
                pod,
                "the string value of PreemptionPolicy (\(given)) must not be provided in pod spec; priority "
                    + "admission controller computed \(policy) from the given PriorityClass name")
        }
        if !className.isEmpty { spec["priorityClassName"] = .string(className) }
        spec["priority"] = .int(value)
        spec["preemptionPolicy"] = .string(policy)
        var resolved = pod
        resolved["spec"] = .object(spec)
        return resolved
    }

    private func forbiddenPod(_ pod: JSONValue, _ detail: String) -> Status {
        let name = pod.metadataName
        return .failure(
            code: 403, reason: "Forbidden", message: "pods \"\(name)\" is forbidden: \(detail)",
            details: Status.Details(name: name, kind: "pods"))
    }
}
