import Foundation
import KubeClient
import PunctualController

// MARK: - Job fixtures

extension Job {
    /// The Job the controller creates for (task, slot, attempt), as the API server returns it:
    /// built by ``JobBuilder``, with a uid and a creationTimestamp (the slot by default).
    public static func fixture(
        for task: ScheduledTask, slot: Date, attempt: Int = 1, trigger: String? = nil, created: Date? = nil
    ) -> Job {
        let taskName = task.metadata.name ?? ""
        let name =
            trigger.map { JobNaming.manualName(task: taskName, trigger: $0, attempt: attempt) }
            ?? JobNaming.name(task: taskName, slot: slot, attempt: attempt)
        return fixture(
            for: task, request: .init(name: name, slot: slot, attempt: attempt, trigger: trigger), created: created)
    }

    /// The Job of a ``JobBuilder/Request``, as the API server returns it.
    public static func fixture(for task: ScheduledTask, request: JobBuilder.Request, created: Date? = nil) -> Job {
        var raw = JobBuilder.job(for: task, request)
        raw.set(path: ["metadata", "uid"], to: .string("uid-\(request.name)"))
        raw.set(path: ["metadata", "creationTimestamp"], to: .string(KubeTime.format(created ?? request.slot)))
        guard let job = try? raw.decode(as: Job.self) else {
            preconditionFailure("JobBuilder produced a Job the model cannot decode: \(raw)")
        }
        return job
    }

    private func with(_ change: (inout Job) -> Void) -> Job {
        var copy = self
        change(&copy)
        return copy
    }

    private func condition(_ type: String, at date: Date, reason: String? = nil, message: String? = nil) -> Job {
        with {
            var status = $0.status ?? JobStatus()
            status.conditions =
                (status.conditions ?? [])
                + [Condition(type: type, status: "True", reason: reason, message: message, lastTransitionTime: date)]
            if type == "Complete" { status.completionTime = date }
            $0.status = status
        }
    }

    /// The Job controller started it (its activeDeadlineSeconds counts from here).
    public func started(at date: Date) -> Job {
        with {
            var status = $0.status ?? JobStatus()
            status.startTime = date
            status.active = 1
            $0.status = status
        }
    }

    public func succeeded(at date: Date) -> Job { condition("Complete", at: date) }

    public func failed(at date: Date, reason: String = "BackoffLimitExceeded", message: String? = nil) -> Job {
        condition("Failed", at: date, reason: reason, message: message ?? "Job has reached the specified backoff limit")
    }

    public func deadlineExceeded(at date: Date) -> Job {
        condition(
            "Failed", at: date, reason: "DeadlineExceeded", message: "Job was active longer than specified deadline")
    }

    /// Someone (or the garbage collector) is deleting it.
    public func deleting(since date: Date) -> Job { with { $0.metadata.deletionTimestamp = date } }

    /// Its pod, for the ``Pod`` fixture modifiers.
    public var pod: Pod { Pod.fixture(for: self) }
}

// MARK: - Pod fixtures

extension Pod {
    /// The pod the Job controller creates for `job`: owned by it, labelled like it, with no
    /// status yet.
    public static func fixture(for job: Job) -> Pod {
        let jobName = job.metadata.name ?? ""
        var labels = job.spec?.template.metadata?.labels ?? [:]
        labels["batch.kubernetes.io/job-name"] = jobName
        labels["job-name"] = jobName
        return Pod(
            metadata: ObjectMeta(
                name: "\(jobName)-abcde", namespace: job.metadata.namespace, uid: "uid-\(jobName)-pod",
                creationTimestamp: job.metadata.creationTimestamp, labels: labels,
                ownerReferences: [
                    OwnerReference(
                        apiVersion: "batch/v1", kind: "Job", name: jobName, uid: job.metadata.uid ?? "",
                        controller: true,
                        blockOwnerDeletion: true)
                ]),
            spec: job.spec?.template.spec,
            status: PodStatus(phase: "Pending"))
    }

    private func with(_ change: (inout Pod) -> Void) -> Pod {
        var copy = self
        change(&copy)
        return copy
    }

    /// A container waits, e.g. `ImagePullBackOff` with the kubelet's message.
    public func waiting(reason: String, message: String) -> Pod {
        with {
            $0.status = PodStatus(
                phase: "Pending",
                containerStatuses: [
                    ContainerStatus(
                        name: "main", state: ContainerState(waiting: .init(reason: reason, message: message)))
                ])
        }
    }

    /// The scheduler found no node.
    public func unschedulable(message: String) -> Pod {
        with {
            $0.status = PodStatus(
                phase: "Pending",
                conditions: [
                    Condition(type: "PodScheduled", status: "False", reason: "Unschedulable", message: message)
                ])
        }
    }

    public func running(since date: Date) -> Pod {
        with {
            $0.status = PodStatus(
                phase: "Running",
                containerStatuses: [
                    ContainerStatus(name: "main", ready: true, state: ContainerState(running: .init(startedAt: date)))
                ], startTime: date)
        }
    }

    public func terminated(exitCode: Int32, started: Date, finished: Date, message: String? = nil) -> Pod {
        with {
            $0.status = PodStatus(
                phase: exitCode == 0 ? "Succeeded" : "Failed",
                containerStatuses: [
                    ContainerStatus(
                        name: "main",
                        state: ContainerState(
                            terminated: .init(
                                exitCode: exitCode, reason: exitCode == 0 ? "Completed" : "Error", message: message,
                                startedAt: started, finishedAt: finished)))
                ], startTime: started)
        }
    }
}
