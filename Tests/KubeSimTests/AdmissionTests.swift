import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// A valid Job named `name`; `mutate` edits it before admission.
func jobObject(name: String = "report-29000000", _ mutate: (inout JSONValue) -> Void = { _ in }) -> JSONValue {
    var job: JSONValue = [
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": ["name": .string(name), "namespace": "default", "uid": "1111-2222"],
        "spec": [
            "template": [
                "metadata": ["labels": ["app": "report"]],
                "spec": [
                    "restartPolicy": "Never",
                    "containers": [["name": "main", "image": "busybox:1.36"]],
                ],
            ]
        ],
    ]
    mutate(&job)
    return job
}

let jobTarget = Admission.Target(group: "batch", version: "v1", kind: "Job")

@Suite struct AdmissionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let object: JSONValue
        let target: Admission.Target
        /// Expected `field: body` messages; empty when the object is admitted.
        let messages: [String]
        var testDescription: String { name }
    }

    static let podTarget = Admission.Target(group: "", version: "v1", kind: "Pod")
    static let crdTarget = Admission.Target(
        group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition")

    static let cases: [Case] = [
        Case(name: "valid Job", object: jobObject(), target: jobTarget, messages: []),
        Case(
            name: "Job without containers",
            object: jobObject { $0.set(path: ["spec", "template", "spec", "containers"], to: []) },
            target: jobTarget, messages: ["spec.template.spec.containers: Required value"]),
        Case(
            name: "Job container without name or image",
            object: jobObject { $0.set(path: ["spec", "template", "spec", "containers"], to: [[:]]) },
            target: jobTarget,
            messages: [
                "spec.template.spec.containers[0].name: Required value",
                "spec.template.spec.containers[0].image: Required value",
            ]),
        Case(
            name: "Job with the default restart policy Always",
            object: jobObject { $0.set(path: ["spec", "template", "spec", "restartPolicy"], to: nil) },
            target: jobTarget,
            messages: [
                #"spec.template.spec.restartPolicy: Unsupported value: "#
                    + #""Always": supported values: "OnFailure", "Never""#
            ]),
        Case(
            name: "Job with OnFailure",
            object: jobObject {
                $0.set(path: ["spec", "template", "spec", "restartPolicy"], to: "OnFailure")
            }, target: jobTarget, messages: []),
        Case(
            name: "negative backoffLimit", object: jobObject { $0.set(path: ["spec", "backoffLimit"], to: -1) },
            target: jobTarget, messages: ["spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"]),
        Case(
            name: "Job name longer than a label value", object: jobObject(name: String(repeating: "a", count: 64)),
            target: jobTarget,
            messages: [
                "spec.template.labels: Invalid value: \"\(String(repeating: "a", count: 64))\": "
                    + "must be no more than 63 characters"
            ]),
        Case(
            name: "Job name that is not a subdomain", object: jobObject(name: "Report_1"), target: jobTarget,
            messages: [
                #"metadata.name: Invalid value: "Report_1": a lowercase RFC 1123 subdomain must consist of lower "#
                    + #"case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "#
                    + #"character (e.g. 'example.com', regex used for validation is "#
                    + #"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
            ]),
        Case(
            name: "Pod without containers",
            object: ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": [:]],
            target: podTarget, messages: ["spec.containers: Required value"]),
        Case(
            name: "Pod with a duplicate container name",
            object: [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                "spec": ["containers": [["name": "a", "image": "x"], ["name": "a", "image": "y"]]],
            ],
            target: podTarget, messages: [#"spec.containers[1].name: Duplicate value: "a""#]),
        Case(
            name: "object without a name",
            object: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": [:]],
            target: Admission.Target(group: "", version: "v1", kind: "ConfigMap"),
            messages: ["metadata.name: Required value: name or generateName is required"]),
        Case(
            name: "namespace names are labels",
            object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "a.b"]],
            target: Admission.Target(group: "", version: "v1", kind: "Namespace"),
            messages: [
                #"metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label must consist of lower case "#
                    + #"alphanumeric characters or '-', and must start and end with an alphanumeric character "#
                    + #"(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#
            ]),
        Case(name: "valid CRD", object: crd(), target: crdTarget, messages: []),
        Case(
            name: "CRD named wrongly with a non-structural schema",
            object: crd(
                name: "tasks.example.com", schema: ["type": "object", "properties": ["spec": ["properties": [:]]]]),
            target: crdTarget,
            messages: [
                #"metadata.name: Invalid value: "tasks.example.com": must be spec.names.plural+"."+spec.group"#,
                "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: "
                    + "must not be empty for specified object fields",
            ]),
    ]

    static func crd(name: String = "widgets.example.com", schema: JSONValue = taskSchema) -> JSONValue {
        [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": .string(name)],
            "spec": [
                "group": "example.com", "scope": "Namespaced",
                "names": ["plural": "widgets", "singular": "widget", "kind": "Widget"],
                "versions": [["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": schema]]],
            ],
        ]
    }

    @Test(arguments: cases)
    func admission(_ testCase: Case) {
        do {
            _ = try Admission().admit(testCase.object, as: testCase.target)
            #expect(testCase.messages.isEmpty, "admitted, expected \(testCase.messages)")
        } catch {
            #expect(error.code == 422)
            #expect(error.reason == "Invalid")
            #expect(error.details?.causes?.map { "\($0.field ?? ""): \($0.message ?? "")" } == testCase.messages)
        }
    }

    // MARK: - Status wording

    @Test func invalidStatusAggregatesLikeTheAPIServer() throws {
        let target = Admission.Target(
            group: "punctual.dev", version: "v1alpha1", kind: "ScheduledTask", customSchema: taskSchema)
        let object = task(["guarantee": "Twice"], removing: ["schedule"])
        let error = #expect(throws: Status.self) { try Admission().admit(object, as: target) }
        #expect(
            error?.message
                == #"ScheduledTask.punctual.dev "report" is invalid: [spec.schedule: Required value, "#
                + #"spec.guarantee: Unsupported value: "Twice": supported values: "OnceMost", "OnceOnly", "Unlimited"]"#
        )
        #expect(error?.details?.kind == "ScheduledTask")
        #expect(error?.details?.group == "punctual.dev")
        #expect(error?.details?.name == "report")
        #expect(
            error?.details?.causes?.first
                == Status.Cause(
                    reason: "FieldValueRequired", message: "Required value", field: "spec.schedule"))
    }

    @Test func singleErrorStandsWithoutBrackets() {
        let status = Admission.invalidStatus(
            kind: "Job", group: "batch", name: "x", errors: [.required("spec.template.spec.containers")])
        #expect(status.message == #"Job.batch "x" is invalid: spec.template.spec.containers: Required value"#)
    }

    @Test func customResourceIsDefaultedAndPruned() throws {
        let target = Admission.Target(
            group: "punctual.dev", version: "v1alpha1", kind: "ScheduledTask", customSchema: taskSchema)
        let stored = try Admission().admit(task(["colour": "blue"]), as: target)
        #expect(stored[path: ["spec", "colour"]] == nil)
        #expect(stored[path: ["spec", "guarantee"]] == "Unlimited")
        #expect(stored[path: ["metadata", "namespace"]] == "default")
    }
}
