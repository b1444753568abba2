import Foundation
import KubeClient

// MARK: - FailedCreate Events

/// The Job controller's account of Pods it could not create, as `kubectl describe job` shows it:
/// a Warning Event `FailedCreate` on the Job saying `Error creating: <why>`. Later refusals of
/// the same Job (each names another generated Pod) are folded into that Event, whose `count`
/// grows and whose message is the latest, as client-go's event correlator folds similar Events;
/// it is written at most every ``RuntimeLoop/failedCreateRewriteInterval``, so a Job retried
/// every second does not rewrite its Event every second.
extension RuntimeLoop {
    /// One Job's refusals and the Event that records them.
    struct FailedCreateRecord {
        var jobUID: String
        var message: String
        var eventName: String
        /// Refusals so far, including those not written yet.
        var count: Int
        var writtenAt: Date
    }

    /// The shortest time between two writes of the same FailedCreate Event.
    static let failedCreateRewriteInterval: TimeInterval = 10

    static let events = GroupResource(group: "", resource: "events")

    /// Records that a Pod of `job` was refused with `error`. Failing to write the Event is only
    /// logged: the Event describes the failure, it must not add one.
    mutating func recordFailedCreate(of job: JSONValue, error: Status, now: Date) {
        let key = JobRuntime.WorkKey.job(namespace: job.metadataNamespace, name: job.metadataName)
        let message = "Error creating: \(error.message ?? "the pod was refused (\(error.code ?? 0))")"
        if var record = failedCreateEvents[key], record.jobUID == job.metadataUID {
            record.count += 1
            record.message = message
            if now.timeIntervalSince(record.writtenAt) >= Self.failedCreateRewriteInterval {
                let count = record.count
                let written = try? store.modify(Self.events, namespace: key.namespace, name: record.eventName) {
                    event in
                    event["count"] = .int(Int64(count))
                    event["message"] = .string(message)
                    event["lastTimestamp"] = .string(KubeTime.format(now))
                }
                if written != nil { record.writtenAt = now }
            }
            failedCreateEvents[key] = record
            return
        }
        let eventName = "\(job.metadataName).\(String(UInt64(now.timeIntervalSince1970 * 1e9), radix: 16))"
        let event: JSONValue = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(eventName), "namespace": .string(key.namespace)],
            "involvedObject": [
                "apiVersion": "batch/v1", "kind": "Job", "name": .string(job.metadataName),
                "namespace": .string(key.namespace), "uid": .string(job.metadataUID),
            ],
            "reason": "FailedCreate", "type": "Warning", "message": .string(message),
            "source": ["component": "job-controller"], "reportingComponent": "job-controller",
            "count": 1, "firstTimestamp": .string(KubeTime.format(now)), "lastTimestamp": .string(KubeTime.format(now)),
        ]
        do {
            try store.create(Self.events, namespace: key.namespace, object: event)
            failedCreateEvents[key] = FailedCreateRecord(
                jobUID: job.metadataUID, message: message, eventName: eventName, count: 1, writtenAt: now)
        } catch {
            logger.debug(
                "could not record a FailedCreate event",
                metadata: ["job": "\(key.namespace)/\(job.metadataName)", "error": "\(error.message ?? "")"])
        }
    }

    /// Forgets the refusals of a Job that is gone or whose Pods are created again.
    mutating func forgetFailedCreate(namespace: String, name: String) {
        failedCreateEvents[.job(namespace: namespace, name: name)] = nil
    }
}

extension JobRuntime.WorkKey {
    /// The namespace of the Job or Pod this key names.
    var namespace: String {
        switch self {
        case .job(let namespace, _), .pod(let namespace, _): namespace
        }
    }
}
