import Foundation
import KubeClient

/// A `punctual.dev/v1alpha1` ScheduledTask: a cron schedule, a Job template, and the guarantees,
/// deadlines, retry budgets, priority, history and alerting that plain CronJob lacks.
///
/// Read through `KubeObject<ScheduledTask>` so that fields this version does not model survive a
/// read-modify-write; the controller itself writes only `status`, through the status subresource.
public struct ScheduledTask: KubeResource, Hashable {
    public static let resourceType = ResourceType(
        group: "punctual.dev", version: "v1alpha1", plural: "scheduledtasks", kind: "ScheduledTask",
        isNamespaced: true)

    public var apiVersion: String = "punctual.dev/v1alpha1"
    public var kind: String = "ScheduledTask"
    public var metadata: ObjectMeta
    public var spec: ScheduledTaskSpec
    public var status: ScheduledTaskStatus?

    public init(metadata: ObjectMeta, spec: ScheduledTaskSpec, status: ScheduledTaskStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

// MARK: - Labels and annotations (part of the contract: users select and script on them)

extension ScheduledTask {
    /// The label on every Job and Pod created for a task; its value is the task's name.
    public static let taskLabel = "punctual.dev/task"
    /// The annotation on a Job naming the slot it runs, as RFC 3339 UTC.
    public static let scheduledTimeAnnotation = "punctual.dev/scheduled-time"
    /// The annotation on a Job giving the attempt number (1 for the first).
    public static let attemptAnnotation = "punctual.dev/attempt"
    /// Setting this annotation on a task to a new value starts one extra run now. Jobs started by
    /// hand carry it too, with the value that started them.
    public static let triggerAnnotation = "punctual.dev/trigger"
    /// The annotation on a retry Job counting the slot's earlier start-up failures.
    public static let startupFailuresAnnotation = "punctual.dev/startup-failures"
    /// The annotation on a retry Job counting the slot's earlier run failures.
    public static let runFailuresAnnotation = "punctual.dev/run-failures"
    /// The annotation on a task recording the alerts sent or being sent for it (JSON, see
    /// ``AlertLedger``): what makes alerts exactly-once across a leader failover.
    public static let alertsAnnotation = "punctual.dev/alerts"
    /// The annotation on a task naming why its alert receivers cannot be resolved (a missing
    /// Secret or key), as `Reason: message`; absent when they can. Condition AlertingReady mirrors it.
    public static let alertingProblemAnnotation = "punctual.dev/alerting-problem"
}

// MARK: - Ownership

extension ScheduledTask {
    /// The controller ownerReference every Job and placeholder Pod of the task carries, so the
    /// garbage collector removes them with the task; `nil` before the task has a uid.
    var controllerReference: JSONValue? {
        guard let uid = metadata.uid else { return nil }
        return [
            "apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(metadata.name ?? ""),
            "uid": .string(uid), "controller": true, "blockOwnerDeletion": true,
        ]
    }
}
