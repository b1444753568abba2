import Foundation
import KubeClient

/// Builds the placeholder Pods that reserve a run's capacity before its slot (pre-allocation).
///
/// A placeholder runs a pause image at PriorityClass `punctual-placeholder` (negative, never
/// preempting), requests what one pod of the run requests, and copies the scheduling constraints
/// of the Job's pod template (nodeSelector, affinity, tolerations, topologySpreadConstraints), so
/// it lands where the run's pod could — and a cluster autoscaler adds a node when none can hold
/// it. The run's pods preempt it; the controller deletes it at the slot anyway.
///
/// Names are deterministic (`<job name>-hold-<i>`, ≤ 63 characters), so a second create answers
/// 409, which means "already done", exactly like Job names.
public enum PlaceholderBuilder {
    /// The PriorityClass of every placeholder.
    public static let priorityClassName = "punctual-placeholder"
    /// The label naming the slot a placeholder reserves, as seconds since the epoch.
    public static let slotLabel = "punctual.dev/placeholder-for"
    /// The annotation hashing the pod spec a placeholder was built from: a placeholder whose
    /// template changed is replaced.
    public static let specHashAnnotation = "punctual.dev/placeholder-spec"
    /// The image used when the controller is given none (`--placeholder-image`).
    public static let defaultImage = "registry.k8s.io/pause:3.10"
    /// Pod-spec fields copied from the Job's pod template: where the run's pod may be placed.
    static let schedulingFields = ["nodeSelector", "affinity", "tolerations", "topologySpreadConstraints"]

    // MARK: - Naming

    /// The name of placeholder `index` of the run `jobName`: `<job name>-hold-<index>`, with the
    /// Job name shortened (and hashed) when the whole would exceed 63 characters.
    public static func name(jobName: String, index: Int) -> String {
        JobNaming.compose(task: jobName, suffix: "-hold-\(index)")
    }

    /// The label value of `slot` (label values cannot hold an RFC 3339 time).
    public static func slotLabelValue(_ slot: Date) -> String {
        String(Int64(slot.timeIntervalSince1970.rounded(.down)))
    }

    /// How many pods one run starts at once: the template's `parallelism` (default 1), at most
    /// its `completions` when set.
    public static func podCount(_ spec: ScheduledTaskSpec) -> Int {
        let parallelism = spec.jobTemplate[path: ["spec", "parallelism"]]?.intValue ?? 1
        let completions = spec.jobTemplate[path: ["spec", "completions"]]?.intValue
        return Int(max(0, min(parallelism, completions ?? parallelism)))
    }

    // MARK: - Requests

    /// What one pod of the run requests, computed as the scheduler does: the sum over containers,
    /// and at least the largest init container (restartable init containers, i.e. sidecars, run
    /// alongside and add up). A container's missing request defaults to its limit.
    ///
    /// - Returns: the requests, and the names of entries that are not valid quantities (skipped).
    public static func podRequests(_ spec: ScheduledTaskSpec) -> (requests: [String: Quantity], invalid: [String]) {
        let podSpec = spec.jobTemplate[path: ["spec", "template", "spec"]]
        var invalid: [String] = []
        func requests(of container: JSONValue) -> [String: Decimal] {
            let resources = container["resources"]
            var list: [String: Quantity] = [:]
            for key in ["limits", "requests"] {
                for (name, value) in resources?[key]?.objectValue ?? [:] {
                    if let text = value.stringValue {
                        list[name] = Quantity(text)
                    } else if let number = value.intValue {
                        list[name] = Quantity(String(number))
                    } else if let number = value.doubleValue {
                        list[name] = Quantity(String(number))
                    }
                }
            }
            let (values, bad) = ResourceList.values(of: list)
            let name = container["name"]?.stringValue ?? "?"
            invalid += bad.map { "\(name).\($0)" }
            return values
        }
        var total: [String: Decimal] = [:]
        for container in podSpec?["containers"]?.arrayValue ?? [] {
            total = ResourceList.sum(total, requests(of: container))
        }
        var sidecars: [String: Decimal] = [:]
        var initPeak: [String: Decimal] = [:]
        for container in podSpec?["initContainers"]?.arrayValue ?? [] {
            let own = requests(of: container)
            if container["restartPolicy"]?.stringValue == "Always" {
                total = ResourceList.sum(total, own)
                sidecars = ResourceList.sum(sidecars, own)
                initPeak = ResourceList.maximum(initPeak, sidecars)
            } else {
                initPeak = ResourceList.maximum(initPeak, ResourceList.sum(own, sidecars))
            }
        }
        return (ResourceList.quantities(ResourceList.maximum(total, initPeak)), invalid.sorted())
    }

    // MARK: - The Pod

    /// A hash of everything a placeholder is built from, so a template edit is noticed.
    public static func specHash(_ spec: ScheduledTaskSpec, image: String) -> String {
        let podSpec = spec.jobTemplate[path: ["spec", "template", "spec"]] ?? [:]
        var parts = [image, "\(podRequests(spec).requests.sorted { $0.key < $1.key })"]
        for field in schedulingFields { parts.append(podSpec[field].map { "\($0)" } ?? "-") }
        return StableHash.hex(parts.joined(separator: "|"), length: 16)
    }

    /// Placeholder `index` for the run of `slot` (Job `jobName`) of `task`, ready to POST.
    public static func pod(
        for task: ScheduledTask, slot: Date, jobName: String, index: Int, image: String
    ) -> JSONValue {
        let taskName = task.metadata.name ?? ""
        var metadata: JSONValue = [
            "name": .string(name(jobName: jobName, index: index)),
            "labels": [
                ScheduledTask.taskLabel: .string(taskName), slotLabel: .string(slotLabelValue(slot)),
            ],
            "annotations": [
                ScheduledTask.scheduledTimeAnnotation: .string(KubeTime.format(slot)),
                specHashAnnotation: .string(specHash(task.spec, image: image)),
            ],
        ]
        if let namespace = task.metadata.namespace { metadata["namespace"] = .string(namespace) }
        if let owner = task.controllerReference { metadata["ownerReferences"] = [owner] }
        var requests: [String: JSONValue] = [:]
        for (resource, quantity) in podRequests(task.spec).requests { requests[resource] = .string(quantity.value) }
        var podSpec: JSONValue = [
            "containers": [
                [
                    "name": "hold", "image": .string(image),
                    "resources": requests.isEmpty ? [:] : ["requests": .object(requests)],
                ]
            ],
            "priorityClassName": .string(priorityClassName),
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 0,
            "automountServiceAccountToken": false,
            "enableServiceLinks": false,
        ]
        let template = task.spec.jobTemplate[path: ["spec", "template", "spec"]]
        for field in schedulingFields {
            if let value = template?[field], value != .null { podSpec[field] = value }
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": podSpec]
    }
}
