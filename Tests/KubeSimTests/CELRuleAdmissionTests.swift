import Foundation
import KubeClient
import Testing
import Yams

@testable import KubeSim

/// Every `x-kubernetes-validations` rule of the real ScheduledTask CRD, enforced through admission.
@Suite struct CELRuleAdmissionTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The CRD file of the repository, as JSON.
    static func scheduledTaskDefinition() throws -> JSONValue {
        let url = repositoryRoot.appendingPathComponent("crds/punctual.dev_scheduledtasks.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let node = try Yams.compose(yaml: text) else { throw CELError("empty CRD file") }
        return try JSONValue(yaml: node)
    }

    static func target() throws -> Admission.Target {
        let schema = try #require(
            try scheduledTaskDefinition()[path: ["spec", "versions"]]?.arrayValue?.first?[
                path: ["schema", "openAPIV3Schema"]])
        return Admission.Target(group: "punctual.dev", version: "v1alpha1", kind: "ScheduledTask", customSchema: schema)
    }

    /// A valid task; `mutate` edits its spec.
    static func task(_ mutate: (inout JSONValue) -> Void = { _ in }) -> JSONValue {
        var spec: JSONValue = [
            "schedule": "*/5 * * * *",
            "jobTemplate": [
                "spec": [
                    "template": [
                        "spec": [
                            "restartPolicy": "Never", "containers": [["name": "main", "image": "busybox:1.36"]],
                        ]
                    ]
                ]
            ],
        ]
        mutate(&spec)
        return [
            "apiVersion": "punctual.dev/v1alpha1", "kind": "ScheduledTask",
            "metadata": ["name": "report", "namespace": "default"], "spec": spec,
        ]
    }

    static let secretRef: JSONValue = ["name": "hooks", "key": "url"]

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let object: JSONValue
        /// Expected `field: body` messages; empty when admitted.
        let messages: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "valid minimal task", object: task(), messages: []),
        Case(
            name: "valid task using every rule's allowed side",
            object: task {
                $0["guarantee"] = "OnceOnly"
                $0["concurrencyPolicy"] = "Queue"
                $0["maxConcurrent"] = 2
                $0["retry"] = ["maxFailureRetries": 2]
                $0["catchUpWindowSeconds"] = 600
                $0["alerting"] = [
                    "receivers": [
                        ["name": "hook", "webhook": ["urlSecretRef": secretRef]],
                        ["name": "am", "alertmanager": ["url": "http://alertmanager:9093"]],
                    ]
                ]
            }, messages: []),
        Case(
            name: "maxConcurrent under Forbid",
            object: task {
                $0["concurrencyPolicy"] = "Forbid"
                $0["maxConcurrent"] = 2
            },
            messages: [
                #"spec.maxConcurrent: Invalid value: "object": maxConcurrent applies only to concurrencyPolicy Allow or Queue"#
            ]),
        Case(
            name: "maxConcurrent under the defaulted Allow", object: task { $0["maxConcurrent"] = 2 }, messages: []),
        Case(
            name: "retry under OnceMost",
            object: task {
                $0["guarantee"] = "OnceMost"
                $0["retry"] = ["maxFailureRetries": 1]
            },
            messages: [
                #"spec.retry: Invalid value: "object": OnceMost never retries a slot: "#
                    + "retry budgets need guarantee OnceOnly or Unlimited"
            ]),
        Case(
            name: "catchUpWindowSeconds under the defaulted Unlimited",
            object: task { $0["catchUpWindowSeconds"] = 60 },
            messages: [
                #"spec.catchUpWindowSeconds: Invalid value: "object": catchUpWindowSeconds applies only to "#
                    + "guarantee OnceOnly (the only guarantee that runs missed slots late)"
            ]),
        Case(
            name: "TZ= prefix in schedule", object: task { $0["schedule"] = "TZ=UTC 0 * * * *" },
            messages: [
                #"spec.schedule: Invalid value: "object": a TZ= or CRON_TZ= prefix is not accepted in schedule: "#
                    + "set spec.timeZone instead"
            ]),
        Case(
            name: "CRON_TZ= prefix in schedule", object: task { $0["schedule"] = "CRON_TZ=UTC 0 * * * *" },
            messages: [
                #"spec.schedule: Invalid value: "object": a TZ= or CRON_TZ= prefix is not accepted in schedule: "#
                    + "set spec.timeZone instead"
            ]),
        Case(
            name: "receiver with two kinds",
            object: task {
                $0["alerting"] = [
                    "receivers": [
                        ["name": "ok", "slack": ["urlSecretRef": secretRef]],
                        [
                            "name": "both", "slack": ["urlSecretRef": secretRef],
                            "dingtalk": ["urlSecretRef": secretRef],
                        ],
                    ]
                ]
            },
            messages: [
                #"spec.alerting.receivers[1]: Invalid value: "object": "#
                    + "a receiver sets exactly one of webhook, slack, dingtalk, alertmanager"
            ]),
        Case(
            name: "receiver with no kind", object: task { $0["alerting"] = ["receivers": [["name": "none"]]] },
            messages: [
                #"spec.alerting.receivers[0]: Invalid value: "object": "#
                    + "a receiver sets exactly one of webhook, slack, dingtalk, alertmanager"
            ]),
        Case(
            name: "alertmanager with url and urlSecretRef",
            object: task {
                $0["alerting"] = [
                    "receivers": [["alertmanager": ["url": "http://am:9093", "urlSecretRef": secretRef]]]
                ]
            },
            messages: [
                #"spec.alerting.receivers[0].alertmanager: Invalid value: "object": "#
                    + "alertmanager sets exactly one of url and urlSecretRef"
            ]),
        Case(
            name: "alertmanager with neither",
            object: task { $0["alerting"] = ["receivers": [["alertmanager": [:]]]] },
            messages: [
                #"spec.alerting.receivers[0].alertmanager: Invalid value: "object": "#
                    + "alertmanager sets exactly one of url and urlSecretRef"
            ]),
        Case(
            name: "several rules fail at once",
            object: task {
                $0["guarantee"] = "OnceMost"
                $0["concurrencyPolicy"] = "Replace"
                $0["maxConcurrent"] = 3
                $0["retry"] = [:]
            },
            messages: [
                #"spec.maxConcurrent: Invalid value: "object": maxConcurrent applies only to concurrencyPolicy Allow or Queue"#,
                #"spec.retry: Invalid value: "object": OnceMost never retries a slot: "#
                    + "retry budgets need guarantee OnceOnly or Unlimited",
            ]),
        Case(
            name: "a type error blocks the rules",
            object: task {
                $0["concurrencyPolicy"] = "Forbid"
                $0["maxConcurrent"] = "two"
            },
            messages: [
                #"spec.maxConcurrent: Invalid value: "string": spec.maxConcurrent in body must be of type integer: "string""#,
                #"<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; "#
                    + "correct the existing errors to complete validation",
            ]),
    ]

    @Test(arguments: cases)
    func admits(_ test: Case) throws {
        let target = try Self.target()
        if test.messages.isEmpty {
            _ = try Admission().admit(test.object, as: target)
            return
        }
        let status = try #require(throws: Status.self) { try Admission().admit(test.object, as: target) }
        #expect(status.code == 422)
        let causes = status.details?.causes ?? []
        #expect(causes.map { "\($0.field ?? ""): \($0.message ?? "")" } == test.messages)
        #expect(causes.last?.reason == "FieldValueInvalid")
    }

    @Test func theCRDItselfIsAdmitted() throws {
        let crdTarget = Admission.Target(
            group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
        _ = try Admission().admit(try Self.scheduledTaskDefinition(), as: crdTarget)
    }

    @Test func ruleOutsideTheSubsetRefusesTheCRD() throws {
        var crd = try Self.scheduledTaskDefinition()
        let path = ["spec", "versions"]
        var versions = try #require(crd[path: path]?.arrayValue)
        versions[0].set(
            path: ["schema", "openAPIV3Schema", "properties", "spec", "x-kubernetes-validations"],
            to: [["rule": "self.schedule.lowerAscii() == self.schedule"]])
        crd.set(path: path, to: .array(versions))
        let crdTarget = Admission.Target(
            group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")
        let status = try #require(throws: Status.self) { try Admission().admit(crd, as: crdTarget) }
        #expect(status.code == 422)
        let cause = try #require(status.details?.causes?.first)
        #expect(
            cause.field
                == "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule")
        #expect(cause.message?.hasSuffix("compilation failed: unsupported function or macro: lowerAscii") == true)
    }

    /// A Widget kind whose `spec.size` is an integer and whose spec node carries `rules`.
    static func widgetTarget(rules: [JSONValue]) -> Admission.Target {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "spec": [
                    "type": "object",
                    "properties": ["size": ["type": "integer"]],
                    "x-kubernetes-validations": .array(rules),
                ]
            ],
        ]
        return Admission.Target(group: "example.dev", version: "v1", kind: "Widget", customSchema: schema)
    }

    static func widget(_ spec: JSONValue) -> JSONValue {
        ["apiVersion": "example.dev/v1", "kind": "Widget", "metadata": ["name": "w"], "spec": spec]
    }

    @Test func transitionRuleRunsOnlyOnUpdate() throws {
        let target = Self.widgetTarget(rules: [
            ["rule": "self.size >= oldSelf.size", "message": "size may not shrink"],
            ["rule": "self.size < 100"],
        ])
        func sized(_ size: Int64) -> JSONValue { Self.widget(["size": .int(size)]) }
        _ = try Admission().admit(sized(5), as: target)
        _ = try Admission().admit(sized(6), as: target, old: sized(5))
        let shrink = try #require(throws: Status.self) { try Admission().admit(sized(4), as: target, old: sized(5)) }
        #expect(shrink.details?.causes?.map(\.message) == [#"Invalid value: "object": size may not shrink"#])
        let large = try #require(throws: Status.self) { try Admission().admit(sized(100), as: target) }
        #expect(large.details?.causes?.map(\.message) == [#"Invalid value: "object": failed rule: self.size < 100"#])
    }

    @Test func evaluationErrorIsReported() throws {
        let target = Self.widgetTarget(rules: [["rule": "self.size > 0"]])
        let status = try #require(throws: Status.self) { try Admission().admit(Self.widget([:]), as: target) }
        let cause = try #require(status.details?.causes?.first)
        #expect(cause.field == "spec")
        #expect(cause.message == #"Invalid value: "object": no such key: size"#)
    }
}

// MARK: - YAML

extension JSONValue {
    /// Converts a composed YAML node, resolving scalars by their YAML 1.2 core tags.
    init(yaml node: Node) throws {
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case Tag.Name.null.rawValue: self = .null
            case Tag.Name.bool.rawValue: self = .bool(node.bool ?? false)
            case Tag.Name.int.rawValue:
                guard let value = node.int else { throw CELError("bad integer \(scalar.string)") }
                self = .int(Int64(value))
            case Tag.Name.float.rawValue:
                guard let value = node.float else { throw CELError("bad number \(scalar.string)") }
                self = .double(value)
            default: self = .string(scalar.string)
            }
        case .sequence(let sequence):
            self = .array(try sequence.map { try JSONValue(yaml: $0) })
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw CELError("non-string key in YAML mapping") }
                members[name] = try JSONValue(yaml: value)
            }
            self = .object(members)
        case .alias:
            throw CELError("YAML aliases are not used in CRD files")
        }
    }
}
