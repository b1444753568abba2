import Foundation
import KubeClient

/// Builds the batch/v1 Job of one run from the task's `jobTemplate`.
///
/// The template's metadata labels and annotations and its whole `spec` pass through as JSON, so
/// fields Punctual does not model survive. On top it sets what the contract needs: the task
/// label (on the Job and on the pod template, so Pods are selectable), the slot and attempt
/// annotations, a controller ownerReference to the task, the guarantee's Job settings, the
/// runtime limit and the tier's PriorityClass.
public enum JobBuilder {
    /// What to build.
    public struct Request: Sendable, Hashable {
        public var name: String
        public var slot: Date
        public var attempt: Int
        /// The `punctual.dev/trigger` value of a run started by hand.
        public var trigger: String?
        public var startupFailures: Int
        public var runFailures: Int

        public init(
            name: String, slot: Date, attempt: Int = 1, trigger: String? = nil, startupFailures: Int = 0,
            runFailures: Int = 0
        ) {
            self.name = name
            self.slot = slot
            self.attempt = attempt
            self.trigger = trigger
            self.startupFailures = startupFailures
            self.runFailures = runFailures
        }
    }

    /// The Job for `request`, ready to create in the task's namespace.
    public static func job(for task: ScheduledTask, _ request: Request) -> JSONValue {
        let spec = task.spec
        let taskName = task.metadata.name ?? ""
        var metadata: JSONValue = [:]
        metadata["name"] = .string(request.name)
        if let namespace = task.metadata.namespace { metadata["namespace"] = .string(namespace) }

        var labels = spec.jobTemplate[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[ScheduledTask.taskLabel] = .string(taskName)
        metadata["labels"] = .object(labels)

        var annotations = spec.jobTemplate[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        annotations[ScheduledTask.scheduledTimeAnnotation] = .string(KubeTime.format(request.slot))
        annotations[ScheduledTask.attemptAnnotation] = .string(String(request.attempt))
        if let trigger = request.trigger { annotations[ScheduledTask.triggerAnnotation] = .string(trigger) }
        if request.attempt > 1 {
            annotations[ScheduledTask.startupFailuresAnnotation] = .string(String(request.startupFailures))
            annotations[ScheduledTask.runFailuresAnnotation] = .string(String(request.runFailures))
        }
        metadata["annotations"] = .object(annotations)

        if let owner = task.controllerReference { metadata["ownerReferences"] = [owner] }

        var jobSpec = spec.jobTemplate["spec"] ?? [:]
        if jobSpec.objectValue == nil { jobSpec = [:] }
        jobSpec.set(path: ["template", "metadata", "labels", ScheduledTask.taskLabel], to: .string(taskName))
        if spec.effectiveGuarantee == .onceMost {
            // At most one pod execution: no pod retries, no container restarts, and no
            // replacement pod while a terminating one may still be running.
            jobSpec["backoffLimit"] = 0
            jobSpec.set(path: ["template", "spec", "restartPolicy"], to: "Never")
            jobSpec["podReplacementPolicy"] = "Failed"
        }
        if let limit = spec.activeDeadlineSeconds { jobSpec["activeDeadlineSeconds"] = .int(limit) }
        if !templateNamesPriorityClass(spec) {
            jobSpec.set(
                path: ["template", "spec", "priorityClassName"], to: .string(spec.effectiveTier.priorityClassName))
        }

        return [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": jobSpec,
        ]
    }

    /// Whether the pod template sets its own `priorityClassName`, which then wins over the tier.
    public static func templateNamesPriorityClass(_ spec: ScheduledTaskSpec) -> Bool {
        spec.jobTemplate[path: ["spec", "template", "spec", "priorityClassName"]]?.stringValue != nil
    }
}
