import Foundation
import KubeClient
import PunctualController

// MARK: - ScheduledTask fixtures

extension ScheduledTask {
    /// A valid task named `report` in namespace `default`, created at ``Instants/creation``, with
    /// a one-container Job template and every optional field at its default.
    public static func fixture(
        schedule: String = "0 * * * *", name: String = "report", created: Date = Instants.creation
    ) -> ScheduledTask {
        ScheduledTask(
            metadata: ObjectMeta(
                name: name, namespace: "default", uid: "uid-\(name)", generation: 1, creationTimestamp: created),
            spec: ScheduledTaskSpec(
                schedule: schedule,
                jobTemplate: [
                    "metadata": ["labels": ["team": "billing"], "annotations": ["owner": "ops"]],
                    "spec": [
                        "ttlSecondsAfterFinished": 86_400,
                        "template": [
                            "spec": [
                                "containers": [["name": "main", "image": "busybox:1.36", "args": ["true"]]],
                                "restartPolicy": "OnFailure",
                            ]
                        ],
                    ],
                ]))
    }

    /// A copy with `change` applied, for one-off edits in a table.
    public func with(_ change: (inout ScheduledTask) -> Void) -> ScheduledTask {
        var copy = self
        change(&copy)
        return copy
    }

    public func suspended(_ isSuspended: Bool = true) -> ScheduledTask { with { $0.spec.suspend = isSuspended } }
    public func guarantee(_ guarantee: ScheduledTaskSpec.Guarantee) -> ScheduledTask {
        with { $0.spec.guarantee = guarantee }
    }
    public func concurrency(_ policy: ScheduledTaskSpec.ConcurrencyPolicy, max: Int? = nil) -> ScheduledTask {
        with {
            $0.spec.concurrencyPolicy = policy
            $0.spec.maxConcurrent = max
        }
    }
    public func startingDeadline(_ seconds: Int64) -> ScheduledTask {
        with { $0.spec.startingDeadlineSeconds = seconds }
    }
    public func catchUpWindow(_ seconds: Int64) -> ScheduledTask { with { $0.spec.catchUpWindowSeconds = seconds } }
    public func activeDeadline(_ seconds: Int64) -> ScheduledTask { with { $0.spec.activeDeadlineSeconds = seconds } }
    public func jitter(_ seconds: Int) -> ScheduledTask { with { $0.spec.jitterSeconds = seconds } }
    public func timeZone(_ zone: String) -> ScheduledTask { with { $0.spec.timeZone = zone } }
    public func schedule(_ expression: String) -> ScheduledTask { with { $0.spec.schedule = expression } }
    /// Sets `spec.priority.tier` (keeping `preAllocate`).
    public func tier(_ tier: ScheduledTaskSpec.Priority.Tier) -> ScheduledTask {
        with {
            var priority = $0.spec.priority ?? .init()
            priority.tier = tier
            $0.spec.priority = priority
        }
    }
    public func retry(startup: Int? = nil, failure: Int? = nil, backoff: Int? = nil) -> ScheduledTask {
        with { $0.spec.retry = .init(maxStartupRetries: startup, maxFailureRetries: failure, backoffSeconds: backoff) }
    }
    public func history(successful: Int? = nil, failed: Int? = nil, runs: Int? = nil) -> ScheduledTask {
        with { $0.spec.history = .init(successfulJobsLimit: successful, failedJobsLimit: failed, runsLimit: runs) }
    }
    public func alerting(on kinds: [ScheduledTaskSpec.Alerting.AlertKind]? = nil, longRunning: Int64? = nil)
        -> ScheduledTask
    {
        with { $0.spec.alerting = .init(on: kinds, longRunningSeconds: longRunning) }
    }
    /// Sets `punctual.dev/trigger` (a manual run request).
    public func triggered(_ value: String) -> ScheduledTask {
        with {
            var annotations = $0.metadata.annotations ?? [:]
            annotations[ScheduledTask.triggerAnnotation] = value
            $0.metadata.annotations = annotations
        }
    }
    /// Bumps `metadata.generation`, as the API server does on a spec edit.
    public func generation(_ generation: Int64) -> ScheduledTask { with { $0.metadata.generation = generation } }
    /// Sets the pod template's own priorityClassName.
    public func templatePriorityClass(_ name: String) -> ScheduledTask {
        with { $0.spec.jobTemplate.set(path: ["spec", "template", "spec", "priorityClassName"], to: .string(name)) }
    }
    /// Replaces the status.
    public func status(_ status: ScheduledTaskStatus?) -> ScheduledTask { with { $0.status = status } }
    /// Edits the status (created empty when absent).
    public func editingStatus(_ change: (inout ScheduledTaskStatus) -> Void) -> ScheduledTask {
        with {
            var status = $0.status ?? ScheduledTaskStatus()
            change(&status)
            $0.status = status
        }
    }
    /// A status that already scheduled `slot` (its lastScheduleTime) and acted on the current
    /// schedule since creation.
    public func scheduled(through slot: Date) -> ScheduledTask {
        let expression = spec.schedule
        let zone = spec.effectiveTimeZone
        let since = metadata.creationTimestamp ?? slot
        return editingStatus {
            $0.lastScheduleTime = slot
            $0.schedule = .init(expression: expression, timeZone: zone, since: since)
        }
    }
    /// A status with an active run for `slot` (as after a successful create and status write).
    public func withActiveRun(slot: Date, attempt: Int = 1, createdAt: Date? = nil) -> ScheduledTask {
        let name = JobNaming.name(task: metadata.name ?? "", slot: slot, attempt: attempt)
        return scheduled(through: slot).editingStatus { status in
            status.active =
                (status.active ?? []) + [
                    .init(name: name, scheduledTime: slot, attempt: attempt, createdAt: createdAt ?? slot)
                ]
            var runs = status.runs ?? []
            runs.append(.init(scheduledTime: slot, attempt: attempt, job: name, phase: .pending))
            status.runs = runs
        }
    }

    /// A status with attempt `attempt` of `slot` waiting for its backoff to end at `notBefore`.
    public func withPendingRetry(
        slot: Date, attempt: Int = 2, notBefore: Date, startupFailures: Int = 0, runFailures: Int = 0
    ) -> ScheduledTask {
        let name = JobNaming.name(task: metadata.name ?? "", slot: slot, attempt: attempt)
        return editingStatus { status in
            status.retries =
                (status.retries ?? []) + [
                    .init(
                        scheduledTime: slot, attempt: attempt, job: name, notBefore: notBefore,
                        startupFailures: startupFailures, runFailures: runFailures)
                ]
        }
    }
}
