import Foundation
import KubeClient
import PunctualController

/// Turns changes of watched objects into stream lines: what `kubectl get jobs,pods,stask,lease -w`
/// would have shown, condensed. Pure functions of (old object, new object, now), so each rule is
/// tested without a cluster.
enum EventDerivation {
    /// The label the Job controller puts on a Job's pods.
    static let jobNameLabel = "batch.kubernetes.io/job-name"

    // MARK: - Jobs

    /// A new Job: the first attempt of a slot is `created`, a later attempt `retried`.
    static func jobAdded(_ job: Job, now: Date) -> [DemoEvent] {
        guard let subject = taskSubject(job.metadata) else { return [] }
        let annotations = job.metadata.annotations ?? [:]
        let name = job.metadata.name ?? ""
        let attempt = annotations[ScheduledTask.attemptAnnotation].flatMap { Int($0) } ?? 1
        let slot = annotations[ScheduledTask.scheduledTimeAnnotation].flatMap(KubeTime.parse)
        let slotText = slot.map { "slot \(DemoEvent.clockTime($0))" } ?? "manual run"
        if attempt > 1 {
            return [
                DemoEvent(
                    time: now, kind: .retried, subject: subject, detail: "\(name)  attempt \(attempt), \(slotText)")
            ]
        }
        return [DemoEvent(time: now, kind: .created, subject: subject, detail: "\(name)  \(slotText)")]
    }

    /// A Job that just finished: `succeeded` with its duration, `deadline` when it was killed at
    /// its active deadline, otherwise `failed` with its pod's exit code and message when known.
    ///
    /// - Parameter pods: the Job's pods, for the exit code (they may lag behind the Job).
    static func jobUpdated(old: Job, new: Job, pods: [Pod], now: Date) -> [DemoEvent] {
        guard let subject = taskSubject(new.metadata) else { return [] }
        let name = new.metadata.name ?? ""
        if new.isComplete && !old.isComplete {
            var detail = name
            if let start = new.status?.startTime, let end = new.status?.completionTime {
                detail += " in " + KubeTime.humanDuration(end.timeIntervalSince(start))
            }
            return [DemoEvent(time: now, kind: .succeeded, subject: subject, detail: detail)]
        }
        guard new.isFailed && !old.isFailed else { return [] }
        let condition = new.status?.conditions?.first(ofType: "Failed")
        if condition?.reason == "DeadlineExceeded" {
            return [
                DemoEvent(time: now, kind: .deadline, subject: subject, detail: "\(name)  \(condition?.message ?? "")")
            ]
        }
        let why = exitReason(pods) ?? [condition?.reason, condition?.message].compactMap { $0 }.joined(separator: ": ")
        return [DemoEvent(time: now, kind: .failed, subject: subject, detail: "\(name)  \(why)")]
    }

    /// `exit code 1: message` of the first pod whose container failed.
    static func exitReason(_ pods: [Pod]) -> String? {
        for pod in pods {
            for status in pod.status?.containerStatuses ?? [] {
                guard let terminated = status.state?.terminated, terminated.exitCode != 0 else { continue }
                let message = terminated.message.map { ": \($0)" } ?? ""
                return "exit code \(terminated.exitCode)\(message)"
            }
        }
        return nil
    }

    // MARK: - Pods

    /// A Job's pod that just started running: `started`.
    static func podUpdated(old: Pod?, new: Pod, now: Date) -> [DemoEvent] {
        guard let subject = taskSubject(new.metadata), let job = new.metadata.labels?[jobNameLabel],
            new.status?.phase == "Running", old?.status?.phase != "Running"
        else { return [] }
        return [
            DemoEvent(time: now, kind: .started, subject: subject, detail: "\(job)  pod \(new.metadata.name ?? "")")
        ]
    }

    // MARK: - Tasks

    /// Runs that newly appear in a task's history as Missed or Skipped (they have no Job to watch).
    static func taskUpdated(old: ScheduledTask?, new: ScheduledTask, now: Date) -> [DemoEvent] {
        guard let old else { return [] }
        let subject = self.subject(namespace: new.metadata.namespace, name: new.metadata.name ?? "")
        let before = Set((old.status?.runs ?? []).map { RunKey($0) })
        return (new.status?.runs ?? []).compactMap { run -> DemoEvent? in
            let kind: DemoEvent.Kind
            switch run.phase {
            case .missed: kind = .missed
            case .skipped: kind = .skipped
            default: return nil
            }
            guard !before.contains(RunKey(run)) else { return nil }
            let why = run.message ?? run.reason ?? ""
            return DemoEvent(
                time: now, kind: kind, subject: subject,
                detail: "slot \(DemoEvent.clockTime(run.scheduledTime))" + (why.isEmpty ? "" : "  \(why)"))
        }
    }

    /// A history entry's identity and phase.
    private struct RunKey: Hashable {
        let slot: Date
        let attempt: Int
        let phase: ScheduledTaskStatus.Run.Phase

        init(_ run: ScheduledTaskStatus.Run) {
            slot = run.scheduledTime
            attempt = run.attempt
            phase = run.phase
        }
    }

    // MARK: - Lease

    /// A change of the Lease holder: `leader` when a free Lease is taken, `failover` when another
    /// replica takes it over (a release leaves the holder empty and is not shown).
    static func leaseChanged(oldHolder: String?, newHolder: String?, now: Date) -> [DemoEvent] {
        guard let newHolder, !newHolder.isEmpty, newHolder != oldHolder else { return [] }
        guard let oldHolder, !oldHolder.isEmpty else {
            return [DemoEvent(time: now, kind: .leader, subject: newHolder, detail: "acquired the Lease, now leading")]
        }
        return [
            DemoEvent(
                time: now, kind: .failover, subject: newHolder,
                detail: "took the Lease over from \(oldHolder) after it expired", previousHolder: oldHolder)
        ]
    }

    // MARK: - Alerts

    /// An alert handed to the controller's alert sink.
    static func alerted(_ alert: PlannedAlert, task: ScheduledTask, now: Date) -> DemoEvent {
        let job = alert.job.map { "\($0)  " } ?? ""
        return DemoEvent(
            time: now, kind: .alerted,
            subject: subject(namespace: task.metadata.namespace, name: task.metadata.name ?? ""),
            detail: "\(alert.kind.rawValue)  \(job)\(alert.message)")
    }

    // MARK: - Subjects

    /// The task a Job or Pod belongs to, from its `punctual.dev/task` label.
    static func taskSubject(_ meta: ObjectMeta) -> String? {
        guard let task = meta.labels?[ScheduledTask.taskLabel], !task.isEmpty else { return nil }
        return subject(namespace: meta.namespace, name: task)
    }

    /// `name` in the default namespace, else `namespace/name`.
    static func subject(namespace: String?, name: String) -> String {
        guard let namespace, !namespace.isEmpty, namespace != "default" else { return name }
        return "\(namespace)/\(name)"
    }
}
