import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// Updates of a stored Job: what the real server keeps immutable after creation.
@Suite struct JobUpdateTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// Edits the Job before it is created.
        var prepare: @Sendable (inout JSONValue) -> Void = { _ in }
        /// Edits the stored Job before it is written back with PUT semantics.
        let change: @Sendable (inout JSONValue) -> Void
        /// Expected `field: message` causes; empty when the update is accepted.
        let messages: [String]
        var testDescription: String { name }
    }

    static let jobs = GroupResource(group: "batch", resource: "jobs")

    static let cases: [Case] = [
        Case(
            name: "changing the container image",
            change: {
                $0.set(
                    path: ["spec", "template", "spec", "containers"], to: [["name": "main", "image": "busybox:1.37"]])
            },
            messages: ["spec.template: field is immutable"]),
        Case(
            name: "adding a template label",
            change: { $0.set(path: ["spec", "template", "metadata", "labels", "extra"], to: "yes") },
            messages: ["spec.template: field is immutable"]),
        Case(
            name: "changing the selector",
            change: { $0.set(path: ["spec", "selector"], to: ["matchLabels": ["app": "other"]]) },
            messages: ["spec.selector: field is immutable"]),
        Case(
            name: "changing completions",
            change: { $0.set(path: ["spec", "completions"], to: 3) },
            messages: ["spec.completions: field is immutable"]),
        Case(
            name: "changing completions of an Indexed Job together with parallelism",
            prepare: { $0.set(path: ["spec", "completionMode"], to: "Indexed") },
            change: {
                $0.set(path: ["spec", "completions"], to: 4)
                $0.set(path: ["spec", "parallelism"], to: 4)
            },
            messages: []),
        Case(
            name: "changing completions of an Indexed Job alone",
            prepare: { $0.set(path: ["spec", "completionMode"], to: "Indexed") },
            change: { $0.set(path: ["spec", "completions"], to: 4) },
            messages: ["spec.completions: can only be modified in tandem with spec.parallelism"]),
        Case(
            name: "changing mutable fields (backoffLimit, suspend, labels)",
            change: {
                $0.set(path: ["spec", "backoffLimit"], to: 2)
                $0.set(path: ["spec", "suspend"], to: true)
                $0.set(path: ["metadata", "labels", "team"], to: "ops")
            },
            messages: []),
        Case(
            name: "scheduling directives of a suspended Job that never started",
            prepare: { $0.set(path: ["spec", "suspend"], to: true) },
            change: {
                $0.set(path: ["spec", "template", "spec", "nodeSelector"], to: ["zone": "a"])
                $0.set(path: ["spec", "template", "metadata", "annotations"], to: ["queue": "batch"])
            },
            messages: []),
        Case(
            name: "the image of a suspended Job that never started",
            prepare: { $0.set(path: ["spec", "suspend"], to: true) },
            change: {
                $0.set(
                    path: ["spec", "template", "spec", "containers"], to: [["name": "main", "image": "busybox:1.37"]])
            },
            messages: ["spec.template: field is immutable"]),
    ]

    @Test(arguments: cases)
    func update(_ testCase: Case) throws {
        let store = SimStore(clock: Fixtures.clock(), admission: [Admission()])
        var job = Fixtures.job("report")
        testCase.prepare(&job)
        try store.create(Self.jobs, namespace: "default", object: job)
        do throws(Status) {
            try store.modify(Self.jobs, namespace: "default", name: "report") { object in
                testCase.change(&object)
            }
            #expect(testCase.messages.isEmpty, "accepted, expected \(testCase.messages)")
        } catch {
            #expect(error.code == 422)
            #expect(error.reason == "Invalid")
            // The message carries the rejected value between the field and the detail.
            let causes = error.details?.causes ?? []
            #expect(causes.map { $0.field ?? "" } == testCase.messages.map { String($0.prefix { $0 != ":" }) })
            for (cause, expected) in zip(causes, testCase.messages) {
                let detail = expected.drop { $0 != ":" }.dropFirst(2)
                #expect(cause.message?.hasSuffix(": " + detail) == true, "\(cause.message ?? "")")
            }
        }
    }

    @Test func statusWritesDoNotTripImmutability() throws {
        let store = SimStore(clock: Fixtures.clock(), admission: [Admission()])
        try store.create(Self.jobs, namespace: "default", object: Fixtures.job("report"))
        let updated = try store.modify(Self.jobs, namespace: "default", name: "report", subresource: .status) {
            $0.set(path: ["status", "active"], to: 1)
        }
        #expect(updated[path: ["status", "active"]] == 1)
    }
}
