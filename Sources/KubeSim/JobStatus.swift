import Foundation
import KubeClient

/// A batch/v1 JobStatus being edited by the simulated Job controller; fields it does not manage
/// are kept as they were.
struct JobStatus {
    /// One condition as the controller reads it back.
    struct Condition {
        var isTrue: Bool
        var reason: String
        var message: String
        var time: Date
    }

    private var raw: [String: JSONValue]
    var startTime: Date?
    var completionTime: Date?
    var active = 0
    var ready = 0
    var terminating = 0
    var succeeded = 0
    var failed = 0
    /// Conditions in the order they were added, as the Job controller appends them.
    private var conditions: [JSONValue]

    init(_ json: JSONValue) {
        raw = json.objectValue ?? [:]
        startTime = raw["startTime"]?.stringValue.flatMap(KubeTime.parse)
        completionTime = raw["completionTime"]?.stringValue.flatMap(KubeTime.parse)
        active = Int(raw["active"]?.intValue ?? 0)
        ready = Int(raw["ready"]?.intValue ?? 0)
        terminating = Int(raw["terminating"]?.intValue ?? 0)
        succeeded = Int(raw["succeeded"]?.intValue ?? 0)
        failed = Int(raw["failed"]?.intValue ?? 0)
        conditions = raw["conditions"]?.arrayValue ?? []
    }

    /// Whether the Job has its terminal condition, `Complete` or `Failed`.
    var isFinished: Bool {
        condition("Complete")?.isTrue == true || condition("Failed")?.isTrue == true
    }

    func condition(_ type: String) -> Condition? {
        guard let entry = conditions.first(where: { $0["type"]?.stringValue == type }) else { return nil }
        return Condition(
            isTrue: entry["status"]?.stringValue == "True",
            reason: entry["reason"]?.stringValue ?? "",
            message: entry["message"]?.stringValue ?? "",
            time: entry["lastTransitionTime"]?.stringValue.flatMap(KubeTime.parse) ?? Date(timeIntervalSince1970: 0))
    }

    /// Adds a condition, or updates it in place (its transition time changes only with its status).
    mutating func setCondition(_ type: String, isTrue: Bool = true, reason: String, message: String, at time: Date) {
        let stamp = JSONValue.string(KubeTime.format(time))
        let status: JSONValue = isTrue ? "True" : "False"
        if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
            var entry = conditions[index]
            if entry["status"] != status { entry["lastTransitionTime"] = stamp }
            entry["status"] = status
            entry["reason"] = .string(reason)
            entry["message"] = .string(message)
            entry["lastProbeTime"] = stamp
            conditions[index] = entry
        } else {
            conditions.append([
                "type": .string(type), "status": status, "reason": .string(reason), "message": .string(message),
                "lastProbeTime": stamp, "lastTransitionTime": stamp,
            ])
        }
    }

    /// The status as JSON, with the real server's omissions: zero counts of `active`, `succeeded`
    /// and `failed` are left out, `ready` and `terminating` are always present.
    var json: JSONValue {
        var members = raw
        members["startTime"] = startTime.map { .string(KubeTime.format($0)) }
        members["completionTime"] = completionTime.map { .string(KubeTime.format($0)) }
        members["active"] = active > 0 ? .int(Int64(active)) : nil
        members["succeeded"] = succeeded > 0 ? .int(Int64(succeeded)) : nil
        members["failed"] = failed > 0 ? .int(Int64(failed)) : nil
        members["ready"] = .int(Int64(ready))
        members["terminating"] = .int(Int64(terminating))
        members["uncountedTerminatedPods"] = members["uncountedTerminatedPods"] ?? [:]
        members["conditions"] = conditions.isEmpty ? nil : .array(conditions)
        return .object(members)
    }
}
