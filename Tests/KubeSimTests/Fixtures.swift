import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport

/// Objects and paths shared by the KubeSim tests.
enum Fixtures {
    /// 2026-01-01T00:00:00Z: the start of every test clock.
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600)

    static func clock() -> ManualClock { ManualClock(start: epoch) }

    static let configMaps = "/api/v1/namespaces/default/configmaps"
    static let jobs = "/apis/batch/v1/namespaces/default/jobs"
    static let pods = "/api/v1/namespaces/default/pods"
    static let crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    static let widgets = "/apis/example.dev/v1/namespaces/default/widgets"

    static func configMap(_ name: String, labels: [String: String] = [:], data: [String: String] = ["k": "v"])
        -> JSONValue
    {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "labels": .object(labels.mapValues { .string($0) })],
            "data": .object(data.mapValues { .string($0) }),
        ]
    }

    static func job(_ name: String, owner: JSONValue? = nil) -> JSONValue {
        var job: JSONValue = [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name)],
            "spec": [
                "backoffLimit": 0,
                "template": [
                    "spec": [
                        "restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]],
                    ]
                ],
            ],
        ]
        if let owner { job["metadata"]?["ownerReferences"] = [reference(to: owner)] }
        return job
    }

    static func pod(_ name: String, owner: JSONValue? = nil) -> JSONValue {
        var pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
            "spec": ["containers": [["name": "main", "image": "busybox"]]],
        ]
        if let owner { pod["metadata"]?["ownerReferences"] = [reference(to: owner)] }
        return pod
    }

    static func reference(to owner: JSONValue) -> JSONValue {
        [
            "apiVersion": owner["apiVersion"] ?? "v1", "kind": owner["kind"] ?? "ConfigMap",
            "name": .string(owner.name), "uid": .string(owner.uid), "controller": true,
            "blockOwnerDeletion": true,
        ]
    }

    /// A namespaced CRD `widgets.example.dev` with a status subresource, short name and columns.
    static func widgetDefinition(scope: String = "Namespaced") -> JSONValue {
        [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "widgets.example.dev"],
            "spec": [
                "group": "example.dev", "scope": .string(scope),
                "names": [
                    "plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList",
                    "shortNames": ["wdg"], "categories": ["all"],
                ],
                "versions": [
                    [
                        "name": "v1", "served": true, "storage": true,
                        "schema": [
                            "openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
                        ],
                        "subresources": ["status": [:]],
                        "additionalPrinterColumns": [
                            ["name": "Size", "type": "integer", "jsonPath": ".spec.size"],
                            ["name": "Phase", "type": "string", "jsonPath": ".status.phase"],
                            [
                                "name": "Ready", "type": "string",
                                "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status",
                            ],
                            ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
                        ],
                    ]
                ],
            ],
        ]
    }

    static func widget(_ name: String, size: Int64 = 1) -> JSONValue {
        [
            "apiVersion": "example.dev/v1", "kind": "Widget", "metadata": ["name": .string(name)],
            "spec": ["size": .int(size)],
        ]
    }
}

extension JSONValue {
    var name: String { self[path: ["metadata", "name"]]?.stringValue ?? "" }
    var uid: String { self[path: ["metadata", "uid"]]?.stringValue ?? "" }
    var resourceVersion: Int64 { Int64(self[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? -1 }
    var generation: Int64? { self[path: ["metadata", "generation"]]?.intValue }
    var itemNames: [String] { (self["items"]?.arrayValue ?? []).map(\.name) }
}
