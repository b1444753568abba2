import KubeClient

/// A node taint (`spec.taints[]`): Pods that do not tolerate a `NoSchedule` or `NoExecute` taint
/// are not scheduled onto the node (`PreferNoSchedule` is only a preference and never blocks).
public struct NodeTaint: Sendable, Hashable {
    public var key: String
    public var value: String
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    public var effect: String

    public init(key: String, value: String = "", effect: String = "NoSchedule") {
        self.key = key
        self.value = value
        self.effect = effect
    }

    /// Reads `spec.taints[]` entries; entries without a key are skipped.
    static func taints(of node: JSONValue) -> [NodeTaint] {
        (node[path: ["spec", "taints"]]?.arrayValue ?? []).compactMap { entry in
            guard let key = entry["key"]?.stringValue else { return nil }
            return NodeTaint(
                key: key, value: entry["value"]?.stringValue ?? "", effect: entry["effect"]?.stringValue ?? "")
        }
    }

    var object: JSONValue {
        var members: [String: JSONValue] = ["key": .string(key), "effect": .string(effect)]
        if !value.isEmpty { members["value"] = .string(value) }
        return .object(members)
    }

    /// Whether the taint keeps Pods that do not tolerate it off the node.
    var blocksScheduling: Bool { effect == "NoSchedule" || effect == "NoExecute" }

    /// Whether one of `tolerations` (`spec.tolerations[]` of a Pod) tolerates this taint, with
    /// the rules of `v1.Toleration.ToleratesTaint`: an empty effect matches every effect, an empty
    /// key with `Exists` matches every key, `Exists` ignores the value, `Equal` (the default)
    /// compares it.
    func isTolerated(by tolerations: [JSONValue]) -> Bool {
        tolerations.contains { toleration in
            let effect = toleration["effect"]?.stringValue ?? ""
            guard effect.isEmpty || effect == self.effect else { return false }
            let key = toleration["key"]?.stringValue ?? ""
            let isExists = toleration["operator"]?.stringValue == "Exists"
            guard key == self.key || (key.isEmpty && isExists) else { return false }
            return isExists || (toleration["value"]?.stringValue ?? "") == value
        }
    }

    /// `{key: value}` or `{key}` as the scheduler prints untolerated taints.
    var summary: String { value.isEmpty ? "{\(key)}" : "{\(key): \(value)}" }
}
