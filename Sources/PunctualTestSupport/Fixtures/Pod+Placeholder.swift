import Foundation
import KubeClient
import PunctualController

// MARK: - Pre-allocation fixtures

extension ScheduledTask {
    /// Sets `spec.priority.preAllocate.leadSeconds` (keeping the tier).
    public func preAllocate(lead seconds: Int) -> ScheduledTask {
        with {
            var priority = $0.spec.priority ?? .init()
            priority.preAllocate = .init(leadSeconds: seconds)
            $0.spec.priority = priority
        }
    }

    /// Sets a value in the Job template's pod spec, e.g. `nodeSelector` or `containers`.
    public func podSpec(_ field: String, _ value: JSONValue) -> ScheduledTask {
        with { $0.spec.jobTemplate.set(path: ["spec", "template", "spec", field], to: value) }
    }

    /// Sets a value in the Job template's spec, e.g. `parallelism`.
    public func jobSpec(_ field: String, _ value: JSONValue) -> ScheduledTask {
        with { $0.spec.jobTemplate.set(path: ["spec", field], to: value) }
    }
}

extension Pod {
    /// Placeholder `index` for `slot` of `task`, as the API server returns it: built by
    /// ``PlaceholderBuilder``, with a uid and `created` as creationTimestamp; Pending, not yet
    /// looked at by the scheduler.
    public static func placeholder(
        for task: ScheduledTask, slot: Date, index: Int = 0, created: Date? = nil,
        image: String = PlaceholderBuilder.defaultImage
    ) -> Pod {
        let jobName = JobNaming.name(task: task.metadata.name ?? "", slot: slot)
        var raw = PlaceholderBuilder.pod(for: task, slot: slot, jobName: jobName, index: index, image: image)
        let name = PlaceholderBuilder.name(jobName: jobName, index: index)
        raw.set(path: ["metadata", "uid"], to: .string("uid-\(name)"))
        raw.set(path: ["metadata", "creationTimestamp"], to: .string(KubeTime.format(created ?? slot)))
        raw.set(path: ["status"], to: ["phase": "Pending"])
        guard let pod = try? raw.decode(as: Pod.self) else {
            preconditionFailure("PlaceholderBuilder produced a Pod the model cannot decode: \(raw)")
        }
        return pod
    }

    /// Bound to `node` and running (a placed placeholder).
    public func placed(on node: String = "node-1", since date: Date) -> Pod {
        var copy = running(since: date)
        copy.spec?.nodeName = node
        copy.status?.conditions = [Condition(type: "PodScheduled", status: "True")]
        return copy
    }

    /// Being deleted since `date`.
    public func deleting(since date: Date) -> Pod {
        var copy = self
        copy.metadata.deletionTimestamp = date
        return copy
    }
}
