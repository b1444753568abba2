import Foundation
import KubeClient
import Testing

@Suite struct KubeObjectTests {
    @Test func editingTheTypedViewKeepsEveryUnmodelledField() throws {
        let raw = try JSONValue.parse(try Fixture.data("job-full.json"))
        var job = try KubeObject<Job>(raw: raw)
        job.value.metadata.labels?["extra"] = "yes"
        job.value.metadata.annotations?["punctual.dev/attempt"] = nil
        job.value.spec?.template.spec?.containers[0].image = "registry.example/report:1.3"
        job.value.spec?.activeDeadlineSeconds = 300
        let merged = try job.merged()

        // The edits are there.
        #expect(merged[path: ["metadata", "labels", "extra"]] == "yes")
        #expect(merged[path: ["metadata", "annotations", "punctual.dev/attempt"]] == nil)
        #expect(merged[path: ["metadata", "annotations", "punctual.dev/scheduled-time"]] == "2026-03-08T07:00:00Z")
        #expect(merged[path: ["spec", "activeDeadlineSeconds"]] == 300)
        let container = try #require(merged[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first)
        #expect(container["image"] == "registry.example/report:1.3")

        // Everything we do not model is untouched, including inside the edited container.
        #expect(container["imagePullPolicy"] == "IfNotPresent")
        #expect(container["terminationMessagePath"] == "/dev/termination-log")
        #expect(merged[path: ["metadata", "managedFields"]] == raw[path: ["metadata", "managedFields"]])
        #expect(merged[path: ["spec", "selector"]] == raw[path: ["spec", "selector"]])
        #expect(merged[path: ["spec", "completionMode"]] == "NonIndexed")
        #expect(merged[path: ["spec", "template", "spec", "securityContext"]] == ["runAsNonRoot": true])
        #expect(merged[path: ["status", "uncountedTerminatedPods"]] == [:])

        // Nothing else changed: removing the edits from both sides leaves identical objects.
        var expected = raw
        expected.set(path: ["metadata", "labels", "extra"], to: "yes")
        expected.set(path: ["metadata", "annotations", "punctual.dev/attempt"], to: nil)
        expected.set(path: ["spec", "activeDeadlineSeconds"], to: 300)
        var containers = try #require(expected[path: ["spec", "template", "spec", "containers"]]?.arrayValue)
        containers[0]["image"] = "registry.example/report:1.3"
        expected.set(path: ["spec", "template", "spec", "containers"], to: .array(containers))
        #expect(merged == expected)
    }

    @Test func untouchedObjectEncodesToItsRawForm() throws {
        let raw = try JSONValue.parse(try Fixture.data("job-full.json"))
        let job = try KubeObject<Job>(raw: raw)
        #expect(try job.merged() == raw)
        #expect(try job.mergePatch() == nil)
        #expect(try JSONValue(encoding: job) == raw)
    }

    @Test func mergePatchCarriesOnlyTheEdits() throws {
        var job = try KubeObject<Job>(raw: JSONValue.parse(try Fixture.data("job-full.json")))
        job.value.metadata.labels?["punctual.dev/task"] = nil
        job.value.spec?.suspend = true
        #expect(
            try job.mergePatch()
                == ["metadata": ["labels": ["punctual.dev/task": nil]], "spec": ["suspend": true]])
    }

    @Test func resizedArraysAreTakenFromTheTypedView() throws {
        var job = try KubeObject<Job>(raw: JSONValue.parse(try Fixture.data("job-full.json")))
        job.value.spec?.template.spec?.containers.append(Container(name: "sidecar", image: "envoy"))
        let containers = try #require(try job.merged()[path: ["spec", "template", "spec", "containers"]]?.arrayValue)
        #expect(containers.map { $0["name"] } == ["main", "sidecar"])
    }

    struct MergePatchCase: CustomTestStringConvertible, Sendable {
        let name: String
        let target: String
        let patch: String
        let result: String
        var testDescription: String { name }
    }

    // Examples from RFC 7386, appendix A.
    @Test(arguments: [
        MergePatchCase(name: "replace member", target: #"{"a":"b"}"#, patch: #"{"a":"c"}"#, result: #"{"a":"c"}"#),
        MergePatchCase(name: "add member", target: #"{"a":"b"}"#, patch: #"{"b":"c"}"#, result: #"{"a":"b","b":"c"}"#),
        MergePatchCase(name: "remove member", target: #"{"a":"b"}"#, patch: #"{"a":null}"#, result: "{}"),
        MergePatchCase(
            name: "remove one of two", target: #"{"a":"b","b":"c"}"#, patch: #"{"a":null}"#, result: #"{"b":"c"}"#),
        MergePatchCase(name: "array replaced", target: #"{"a":["b"]}"#, patch: #"{"a":"c"}"#, result: #"{"a":"c"}"#),
        MergePatchCase(
            name: "value replaced by array", target: #"{"a":"c"}"#, patch: #"{"a":["b"]}"#, result: #"{"a":["b"]}"#),
        MergePatchCase(
            name: "nested merge", target: #"{"a":{"b":"c"}}"#, patch: #"{"a":{"b":"d","c":null}}"#,
            result: #"{"a":{"b":"d"}}"#),
        MergePatchCase(
            name: "array of objects replaced whole", target: #"{"a":[{"b":"c"}]}"#, patch: #"{"a":[1]}"#,
            result: #"{"a":[1]}"#),
        MergePatchCase(name: "non-object target", target: #"["a","b"]"#, patch: #"{"a":"b"}"#, result: #"{"a":"b"}"#),
        MergePatchCase(name: "non-object patch", target: #"{"a":"foo"}"#, patch: #""bar""#, result: #""bar""#),
        MergePatchCase(
            name: "null inside a new object is dropped", target: "{}", patch: #"{"a":{"bb":{"ccc":null}}}"#,
            result: #"{"a":{"bb":{}}}"#),
    ])
    func mergePatchFollowsRFC7386(_ testCase: MergePatchCase) throws {
        let target = try JSONValue.parse(Data(testCase.target.utf8))
        let patch = try JSONValue.parse(Data(testCase.patch.utf8))
        #expect(target.applyingMergePatch(patch) == (try JSONValue.parse(Data(testCase.result.utf8))))
    }

    @Test(arguments: [
        (#"{"a":1,"b":{"c":2,"d":[1,2]}}"#, #"{"a":1,"b":{"c":3,"d":[1]},"e":"new"}"#),
        (#"{"a":1,"b":2}"#, #"{"b":2}"#),
        (#"{"x":{"y":{"z":1}}}"#, #"{"x":{"y":{}}}"#),
    ])
    func computedMergePatchReproducesTheTarget(from sourceText: String, to targetText: String) throws {
        let source = try JSONValue.parse(Data(sourceText.utf8))
        let target = try JSONValue.parse(Data(targetText.utf8))
        let patch = try #require(source.mergePatch(to: target))
        #expect(source.applyingMergePatch(patch) == target)
    }
}
