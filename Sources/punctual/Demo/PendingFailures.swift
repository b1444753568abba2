import Foundation
import KubeClient

/// Holds back a Job's `failed` line until its pod's exit code is known.
///
/// Jobs and Pods arrive on separate watch streams, so a Job can be seen Failed a moment before
/// the pod whose container failed. Rather than print the Job's generic condition ("reached the
/// specified backoff limit"), the line waits for the pod: it is completed with the exit code and
/// message when the pod is seen terminated, and printed as it was if the pod is deleted first.
struct PendingFailures: Sendable {
    /// The held lines, by `namespace/job`.
    private var waiting: [String: DemoEvent] = [:]

    /// A Job failed. Returns the line to print now, or nothing when it waits for the pod.
    ///
    /// - Parameters:
    ///   - event: the `failed` line built from the Job (with the condition as its reason).
    ///   - job: the Job's metadata.
    ///   - pods: the Job's pods as last seen.
    mutating func jobFailed(_ event: DemoEvent, job: ObjectMeta, pods: [Pod]) -> [DemoEvent] {
        guard event.kind == .failed, EventDerivation.exitReason(pods) == nil else { return [event] }
        waiting[Self.key(job.namespace, job.name)] = event
        return []
    }

    /// A pod changed: the held line of its Job, completed with the exit code, once it terminated.
    mutating func podChanged(_ pod: Pod, now: Date) -> [DemoEvent] {
        guard let job = pod.metadata.labels?[EventDerivation.jobNameLabel],
            let reason = EventDerivation.exitReason([pod]),
            let held = waiting.removeValue(forKey: Self.key(pod.metadata.namespace, job))
        else { return [] }
        return [DemoEvent(time: now, kind: .failed, subject: held.subject, detail: "\(job)  \(reason)")]
    }

    /// A pod was deleted before it was seen terminated: the held line of its Job, as it was.
    mutating func podDeleted(_ pod: Pod) -> [DemoEvent] {
        guard let job = pod.metadata.labels?[EventDerivation.jobNameLabel],
            let held = waiting.removeValue(forKey: Self.key(pod.metadata.namespace, job))
        else { return [] }
        return [held]
    }

    private static func key(_ namespace: String?, _ name: String?) -> String {
        "\(namespace ?? "")/\(name ?? "")"
    }
}
