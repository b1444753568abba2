import Foundation
import KubeClient
import KubeSim
import PunctualController

/// The ScheduledTasks of a soak: every guarantee under every concurrency policy, with seeded
/// variations of schedule, run time, failures, deadlines, jitter, tier and alert receivers.
///
/// The mix is chosen so that each invariant has something to bite on and none is excused by
/// design: OnceOnly tasks always succeed eventually (their pods exit 0, their catch-up window
/// outlasts any outage), while OnceMost and Unlimited tasks also fail, miss their starting
/// deadline and exceed their active deadline.
public enum SoakTaskMix {
    /// The namespace every task lives in.
    public static let namespace = "default"
    /// The receiver names alerts are counted for.
    public static let receiverNames = ["ops", "team"]
    /// The Secret holding each receiver's webhook URL under the receiver's name.
    public static let receiversSecret = "soak-alerts"
    /// The alert kinds every task asks for.
    public static let alertKinds: [ScheduledTaskSpec.Alerting.AlertKind] = [.failed, .deadlineExceeded, .missed]
    /// Guarantee × policy combinations; task `i` gets combination `i % variants`.
    public static let variants =
        ScheduledTaskSpec.Guarantee.allCases.count * ScheduledTaskSpec.ConcurrencyPolicy.allCases.count

    /// The guarantee and policy of task `index`.
    public static func kind(
        of index: Int
    ) -> (guarantee: ScheduledTaskSpec.Guarantee, policy: ScheduledTaskSpec.ConcurrencyPolicy) {
        let guarantees = ScheduledTaskSpec.Guarantee.allCases
        let policies = ScheduledTaskSpec.ConcurrencyPolicy.allCases
        let variant = index % variants
        return (guarantees[variant % guarantees.count], policies[variant / guarantees.count])
    }

    /// The name of task `index`, e.g. `onceonly-forbid-007`.
    public static func name(of index: Int) -> String {
        let (guarantee, policy) = kind(of: index)
        return "\(guarantee.rawValue.lowercased())-\(policy.rawValue.lowercased())-\(String(format: "%03d", index))"
    }

    /// The Secret the tasks' receivers reference: each receiver's URL is one of
    /// ``CountingAlertTransport``'s, so the dispatchers resolve every receiver.
    public static func receiversSecretManifest() -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": .string(receiversSecret), "namespace": .string(namespace)],
            "data": .object(
                Dictionary(
                    uniqueKeysWithValues: receiverNames.map {
                        ($0, JSONValue.string(Data(CountingAlertTransport.url(of: $0).utf8).base64EncodedString()))
                    })),
        ]
    }

    /// The manifest of task `index`, with variations drawn from `random`.
    public static func task(_ index: Int, random: inout SeededGenerator) -> JSONValue {
        let (guarantee, policy) = kind(of: index)
        let schedule = ["* * * * *", "* * * * *", "*/2 * * * *"].randomElement(using: &random) ?? "* * * * *"
        var annotations: [String: JSONValue] = [:]
        var spec: [String: JSONValue] = [
            "schedule": .string(schedule), "guarantee": .string(guarantee.rawValue),
            "concurrencyPolicy": .string(policy.rawValue),
            "history": ["runsLimit": 100],
            "priority": [
                "tier": .string(
                    (ScheduledTaskSpec.Priority.Tier.allCases.randomElement(using: &random) ?? .normal).rawValue)
            ],
        ]
        if guarantee != .onceMost {
            // OnceMost never retries, and the CRD refuses retry budgets on it.
            spec["retry"] = ["maxStartupRetries": 3, "maxFailureRetries": 3, "backoffSeconds": 10]
        }
        if Bool.random(using: &random) { spec["jitterSeconds"] = 30 }
        if policy == .queue || (policy == .allow && Bool.random(using: &random)) { spec["maxConcurrent"] = 1 }
        switch guarantee {
        case .onceOnly:
            // Always succeeds in the end: exactly one success per slot is then required.
            annotations[PodBehavior.runSecondsKey] = .string(String(Int.random(in: 3...25, using: &random)))
            spec["catchUpWindowSeconds"] = 3600
        case .onceMost, .unlimited:
            let longRun = Int.random(in: 0..<5, using: &random) == 0
            annotations[PodBehavior.runSecondsKey] =
                .string(String(longRun ? 90 : Int.random(in: 3...40, using: &random)))
            if longRun { spec["activeDeadlineSeconds"] = 45 }
            if Int.random(in: 0..<4, using: &random) == 0 { annotations[PodBehavior.exitCodeKey] = "1" }
            if guarantee == .onceMost || Bool.random(using: &random) { spec["startingDeadlineSeconds"] = 30 }
        }
        let receiverCount = Int.random(in: 1...receiverNames.count, using: &random)
        spec["alerting"] = [
            "on": .array(alertKinds.map { .string($0.rawValue) }),
            "receivers": .array(
                receiverNames.prefix(receiverCount).map { name -> JSONValue in
                    [
                        "name": .string(name),
                        "webhook": ["urlSecretRef": ["name": .string(receiversSecret), "key": .string(name)]],
                    ]
                }),
        ]
        spec["jobTemplate"] = [
            "spec": [
                "backoffLimit": 1,
                "template": [
                    "metadata": ["annotations": .object(annotations)],
                    "spec": [
                        "restartPolicy": "Never",
                        "containers": [["name": "main", "image": "busybox:1.36"]],
                    ],
                ],
            ]
        ]
        return [
            "apiVersion": "punctual.dev/v1alpha1", "kind": "ScheduledTask",
            "metadata": ["name": .string(name(of: index)), "namespace": .string(namespace)],
            "spec": .object(spec),
        ]
    }
}
