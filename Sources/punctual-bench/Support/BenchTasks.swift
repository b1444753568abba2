import Foundation
import KubeClient
import KubeSim
import PunctualController

/// The ScheduledTasks benchmarks load, as the JSON a user would apply.
enum BenchTasks {
    /// 02:00 UTC on 2026-01-01: the measured slot of every scenario. Clocks start well before it,
    /// at ``clockStart``, so that set-up can run on a fast clock without reaching a slot.
    static let slot = Date(timeIntervalSince1970: 1_767_232_800)

    /// 00:00 UTC on 2026-01-01.
    static let clockStart = Date(timeIntervalSince1970: 1_767_225_600)

    /// `bench-00042`: fixed width, so the store's name order is the creation order.
    static func name(_ index: Int) -> String {
        "bench-" + String(repeating: "0", count: max(0, 5 - String(index).count)) + String(index)
    }

    /// A task with a one-container Job whose simulated pod runs `runSeconds`.
    ///
    /// - Parameters:
    ///   - schedule: cron text (UTC).
    ///   - tier: the priority tier, or `nil` for the default (normal) with no `priority` field.
    ///   - guarantee: `Unlimited` (CronJob behaviour) unless told otherwise.
    static func task(
        _ name: String, schedule: String, tier: ScheduledTaskSpec.Priority.Tier? = nil,
        guarantee: String = "Unlimited", runSeconds: Int = 5
    ) -> JSONValue {
        var spec: [String: JSONValue] = [
            "schedule": .string(schedule), "guarantee": .string(guarantee),
            "jobTemplate": [
                "spec": [
                    "template": [
                        "metadata": ["annotations": [PodBehavior.runSecondsKey: .string(String(runSeconds))]],
                        "spec": [
                            "restartPolicy": "Never",
                            "containers": [["name": "main", "image": "busybox:1.36", "command": ["true"]]],
                        ],
                    ]
                ]
            ],
        ]
        if let tier { spec["priority"] = ["tier": .string(tier.rawValue)] }
        return [
            "apiVersion": "punctual.dev/v1alpha1", "kind": "ScheduledTask",
            "metadata": ["name": .string(name), "namespace": .string(BenchCluster.namespace)],
            "spec": .object(spec),
        ]
    }
}
