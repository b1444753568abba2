import Foundation
import KubeClient

// MARK: - From a Job and its Pods

extension ObservedRun {
    /// Reads a run from a Job created by Punctual and the Pods it owns.
    ///
    /// - Returns: nil for a Job without a parseable `punctual.dev/scheduled-time` (not ours, or
    ///   edited by hand): the decision never acts on Jobs it cannot place on a slot.
    public init?(job: Job, pods: [Pod]) {
        let annotations = job.metadata.annotations ?? [:]
        guard let name = job.metadata.name,
            let slotText = annotations[ScheduledTask.scheduledTimeAnnotation],
            let slot = KubeTime.parse(slotText)
        else { return nil }
        let own = pods.filter { $0.belongs(to: job) }
        let attempt = annotations[ScheduledTask.attemptAnnotation].flatMap { Int($0) } ?? 1
        self.init(
            jobName: name, slot: slot, attempt: max(1, attempt), trigger: annotations[ScheduledTask.triggerAnnotation],
            phase: .pending, createdAt: job.metadata.creationTimestamp, jobStartTime: job.status?.startTime,
            previousStartupFailures: annotations[ScheduledTask.startupFailuresAnnotation].flatMap { Int($0) } ?? 0,
            previousRunFailures: annotations[ScheduledTask.runFailuresAnnotation].flatMap { Int($0) } ?? 0,
            isBeingDeleted: job.metadata.deletionTimestamp != nil)
        startedAt = own.compactMap(\.runningSince).min()
        readOutcome(of: job, pods: own)
    }

    private mutating func readOutcome(of job: Job, pods: [Pod]) {
        let conditions = job.status?.conditions ?? []
        if let complete = conditions.first(ofType: "Complete"), complete.isTrue {
            phase = .succeeded
            finishedAt = job.status?.completionTime ?? complete.lastTransitionTime
            return
        }
        if let failed = conditions.first(ofType: "Failed"), failed.isTrue {
            phase = failed.reason == "DeadlineExceeded" ? .deadlineExceeded : .failed
            finishedAt = failed.lastTransitionTime
            reason = failed.reason
            message = failed.message
            if let termination = pods.compactMap(\.failedTermination).first {
                exitCode = termination.exitCode
                message = Self.describe(termination, jobMessage: failed.message)
            } else if let waiting = pods.compactMap(\.waitingProblem).first {
                message = "\(waiting.reason): \(waiting.message)"
            }
            return
        }
        if startedAt != nil {
            phase = .running
            return
        }
        phase = .pending
        if let problem = pods.compactMap(\.waitingProblem).first {
            reason = problem.reason
            message = problem.message
        } else if pods.isEmpty {
            reason = "PodNotCreated"
        }
    }

    private static func describe(_ termination: ContainerState.Terminated, jobMessage: String?) -> String {
        var text = "exit code \(termination.exitCode)"
        if let reason = termination.reason { text += " (\(reason))" }
        if let message = termination.message?.trimmingCharacters(in: .whitespacesAndNewlines), !message.isEmpty {
            text += ": \(message)"
        } else if let jobMessage, !jobMessage.isEmpty {
            text += ": \(jobMessage)"
        }
        return text
    }
}

// MARK: - Pod readings

extension Pod {
    /// Whether the Job controller created this pod for `job` (owner reference or job-name label).
    func belongs(to job: Job) -> Bool {
        if let uid = job.metadata.uid, metadata.ownerReferences?.contains(where: { $0.uid == uid }) == true {
            return true
        }
        let labels = metadata.labels ?? [:]
        return job.metadata.name != nil
            && (labels["batch.kubernetes.io/job-name"] ?? labels["job-name"]) == job.metadata.name
    }

    private var allContainerStatuses: [ContainerStatus] {
        (status?.initContainerStatuses ?? []) + (status?.containerStatuses ?? [])
    }

    /// When a container of the pod first ran (running now, or terminated after running).
    var runningSince: Date? {
        let starts = allContainerStatuses.compactMap { container -> Date? in
            container.state?.running?.startedAt ?? container.state?.terminated?.startedAt
                ?? container.lastState?.terminated?.startedAt
        }
        if let first = starts.min() { return first }
        // Some runtimes report the phase before container timestamps.
        if status?.phase == "Running" || status?.phase == "Succeeded" { return status?.startTime }
        return nil
    }

    /// A non-zero container termination, as the run's failure cause.
    var failedTermination: ContainerState.Terminated? {
        allContainerStatuses.compactMap { $0.state?.terminated ?? $0.lastState?.terminated }
            .first { $0.exitCode != 0 }
    }

    /// Why the pod is not running yet: a waiting container (`ImagePullBackOff`...) or the
    /// scheduler's verdict (`Unschedulable` with its message).
    var waitingProblem: (reason: String, message: String)? {
        for container in allContainerStatuses {
            if let waiting = container.state?.waiting, let reason = waiting.reason, reason != "ContainerCreating",
                reason != "PodInitializing"
            {
                return (reason, waiting.message ?? "")
            }
        }
        if let scheduled = status?.conditions?.first(ofType: "PodScheduled"), scheduled.status == "False" {
            return (scheduled.reason ?? "Unschedulable", scheduled.message ?? "")
        }
        return nil
    }
}
