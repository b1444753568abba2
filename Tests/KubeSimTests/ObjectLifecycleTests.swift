import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// Create, read, update over HTTP: metadata the server owns, conflicts, status separation, dry runs.
@Suite struct ObjectLifecycleTests {
    @Test func createFillsServerOwnedMetadataFromTheClock() async throws {
        let clock = Fixtures.clock()
        clock.advance(by: .seconds(90))
        try await SimHarness.with(clock: clock) { sim in
            let reply = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            #expect(reply.status == 201)
            let metadata = reply.body["metadata"]
            #expect(metadata?["creationTimestamp"] == "2026-01-01T00:01:30Z")
            #expect(metadata?["namespace"] == "default")
            #expect(reply.body.uid.count == 36)
            #expect(reply.body.resourceVersion > 0)
            let fetched = try await sim.request(.GET, Fixtures.configMaps + "/a")
            #expect(fetched.body == reply.body)
            var copy = fetched.body
            copy.set(path: ["metadata", "name"], to: "b")
            let withVersion = try await sim.request(.POST, Fixtures.configMaps, body: copy)
            #expect(withVersion.status == 400)
        }
    }

    @Test func resourceVersionsIncreaseAcrossAllResources() async throws {
        try await SimHarness.with { sim in
            var versions: [Int64] = []
            versions.append(
                try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body.resourceVersion)
            versions.append(try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("j")).body.resourceVersion)
            versions.append(
                try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("b")).body.resourceVersion)
            let patched = try await sim.request(
                .PATCH, Fixtures.configMaps + "/a", body: ["data": ["k": "w"]],
                contentType: "application/merge-patch+json")
            versions.append(patched.body.resourceVersion)
            #expect(versions == versions.sorted() && Set(versions).count == versions.count)
            let list = try await sim.request(.GET, Fixtures.configMaps)
            #expect(Int64(list.body[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") == versions.last)
        }
    }

    @Test func generateNameProducesDistinctNames() async throws {
        try await SimHarness.with { sim in
            let body: JSONValue = ["metadata": ["generateName": "run-"], "data": [:]]
            let first = try await sim.request(.POST, Fixtures.configMaps, body: body)
            let second = try await sim.request(.POST, Fixtures.configMaps, body: body)
            #expect(first.status == 201 && second.status == 201)
            #expect(first.body.name.hasPrefix("run-") && first.body.name.count == 9)
            #expect(first.body.name != second.body.name)
            let missing = try await sim.request(.POST, Fixtures.configMaps, body: ["metadata": [:]])
            #expect(missing.status == 422)
            #expect(missing.body["reason"] == "Invalid")
            #expect(missing.body[path: ["details", "causes"]]?.arrayValue?.first?["field"] == "metadata.name")
        }
    }

    @Test func duplicateCreateAnswersAlreadyExistsLikeARealServer() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("nightly"))
            let again = try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("nightly"))
            #expect(again.status == 409)
            #expect(again.body["kind"] == "Status")
            #expect(again.body["reason"] == "AlreadyExists")
            #expect(again.body["message"] == "jobs.batch \"nightly\" already exists")
            #expect(again.body["details"] == ["name": "nightly", "group": "batch", "kind": "jobs"])
            let missing = try await sim.request(.GET, Fixtures.jobs + "/other")
            #expect(missing.status == 404)
            #expect(missing.body["message"] == "jobs.batch \"other\" not found")
        }
    }

    @Test func createInAMissingNamespaceIsNotFound() async throws {
        try await SimHarness.with { sim in
            let reply = try await sim.request(
                .POST, "/api/v1/namespaces/nowhere/configmaps", body: Fixtures.configMap("a"))
            #expect(reply.status == 404)
            #expect(reply.body["message"] == "namespaces \"nowhere\" not found")
        }
    }

    @Test func putWithAStaleResourceVersionConflictsAndWithoutOneIsUnconditional() async throws {
        try await SimHarness.with { sim in
            let created = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body
            var first = created
            first["data"] = ["k": "first"]
            let updated = try await sim.request(.PUT, Fixtures.configMaps + "/a", body: first)
            #expect(updated.status == 200)
            #expect(updated.body.resourceVersion > created.resourceVersion)

            var stale = created
            stale["data"] = ["k": "stale"]
            let conflict = try await sim.request(.PUT, Fixtures.configMaps + "/a", body: stale)
            #expect(conflict.status == 409)
            #expect(conflict.body["reason"] == "Conflict")
            #expect(
                conflict.body["message"]?.stringValue
                    == "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; "
                    + "please apply your changes to the latest version and try again")

            var unconditional = created
            unconditional.set(path: ["metadata", "resourceVersion"], to: nil)
            unconditional["data"] = ["k": "forced"]
            let forced = try await sim.request(.PUT, Fixtures.configMaps + "/a", body: unconditional)
            #expect(forced.status == 200)
            #expect(forced.body["data"] == ["k": "forced"])
        }
    }

    @Test func noOpUpdateKeepsTheResourceVersion() async throws {
        try await SimHarness.with { sim in
            let created = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body
            let same = try await sim.request(.PUT, Fixtures.configMaps + "/a", body: created)
            #expect(same.body.resourceVersion == created.resourceVersion)
        }
    }

    struct GenerationCase: Sendable, CustomTestStringConvertible {
        let name: String
        let patch: JSONValue
        let subresource: String
        let expectedGeneration: Int64
        var testDescription: String { name }
    }

    @Test(arguments: [
        GenerationCase(
            name: "spec change → bumped", patch: ["spec": ["backoffLimit": 3]], subresource: "",
            expectedGeneration: 2),
        GenerationCase(
            name: "label change → same", patch: ["metadata": ["labels": ["a": "b"]]], subresource: "",
            expectedGeneration: 1),
        GenerationCase(
            name: "status write → same", patch: ["status": ["active": 1]], subresource: "/status",
            expectedGeneration: 1),
    ])
    func generationCountsSpecChangesOnly(_ testCase: GenerationCase) async throws {
        try await SimHarness.with { sim in
            let created = try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("j")).body
            #expect(created.generation == 1)
            let patched = try await sim.request(
                .PATCH, Fixtures.jobs + "/j" + testCase.subresource, body: testCase.patch,
                contentType: "application/merge-patch+json")
            #expect(patched.status == 200)
            #expect(patched.body.generation == testCase.expectedGeneration)
        }
    }

    @Test func statusSubresourceIsSeparatedFromTheMainResource() async throws {
        try await SimHarness.with { sim in
            var job = Fixtures.job("j")
            job["status"] = ["active": 5]
            let created = try await sim.request(.POST, Fixtures.jobs, body: job).body
            #expect(created["status"] == nil)  // create resets status, as the real Job strategy does

            var withStatus = created
            withStatus["status"] = ["succeeded": 1]
            withStatus.set(path: ["spec", "backoffLimit"], to: 2)
            let mainWrite = try await sim.request(.PUT, Fixtures.jobs + "/j", body: withStatus).body
            #expect(mainWrite["status"] == nil)
            #expect(mainWrite[path: ["spec", "backoffLimit"]] == 2)

            var statusWrite = mainWrite
            statusWrite["status"] = ["succeeded": 1]
            statusWrite.set(path: ["spec", "backoffLimit"], to: 9)
            let afterStatus = try await sim.request(.PUT, Fixtures.jobs + "/j/status", body: statusWrite).body
            #expect(afterStatus["status"] == ["succeeded": 1])
            #expect(afterStatus[path: ["spec", "backoffLimit"]] == 2)

            let noStatus = try await sim.request(.GET, Fixtures.configMaps + "/x/status")
            #expect(noStatus.status == 404)
        }
    }

    @Test func jobsGetTheDefaultsOfARealServer() async throws {
        try await SimHarness.with { sim in
            var job = Fixtures.job("j")
            job.set(path: ["spec", "backoffLimit"], to: nil)
            let created = try await sim.request(.POST, Fixtures.jobs, body: job).body
            let spec = created["spec"]
            #expect(spec?["backoffLimit"] == 6 && spec?["completions"] == 1 && spec?["parallelism"] == 1)
            #expect(spec?["completionMode"] == "NonIndexed" && spec?["suspend"] == false)
            #expect(
                spec?[path: ["selector", "matchLabels", "batch.kubernetes.io/controller-uid"]] == .string(created.uid))
            let labels = spec?[path: ["template", "metadata", "labels"]]
            #expect(labels?["job-name"] == "j" && labels?["controller-uid"] == .string(created.uid))
            let container = spec?[path: ["template", "spec", "containers"]]?.arrayValue?.first
            #expect(container?["imagePullPolicy"] == "Always")
            #expect(spec?[path: ["template", "spec", "restartPolicy"]] == "Never")

            var edited = created
            edited.set(path: ["spec", "selector"], to: nil)
            edited.set(path: ["spec", "backoffLimit"], to: nil)
            let updated = try await sim.request(.PUT, Fixtures.jobs + "/j", body: edited).body
            #expect(updated == created)  // defaults re-applied, selector kept: a no-op
        }
    }

    @Test func dryRunValidatesAndAnswersButStoresNothing() async throws {
        try await SimHarness.with { sim in
            let versionBefore = sim.store.currentResourceVersion
            let dry = try await sim.request(.POST, Fixtures.configMaps + "?dryRun=All", body: Fixtures.configMap("a"))
            #expect(dry.status == 201)
            #expect(dry.body.name == "a")
            #expect(try await sim.request(.GET, Fixtures.configMaps + "/a").status == 404)

            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            let version = sim.store.currentResourceVersion
            #expect(version == versionBefore + 1)
            let dryPatch = try await sim.request(
                .PATCH, Fixtures.configMaps + "/a?dryRun=All", body: ["data": ["k": "dry"]],
                contentType: "application/merge-patch+json")
            #expect(dryPatch.body["data"] == ["k": "dry"])
            let dryDelete = try await sim.request(.DELETE, Fixtures.configMaps + "/a?dryRun=All")
            #expect(dryDelete.status == 200)
            let stored = try await sim.request(.GET, Fixtures.configMaps + "/a").body
            #expect(stored["data"] == ["k": "v"])
            #expect(sim.store.currentResourceVersion == version)
        }
    }

    @Test func unknownPathsAndVerbsAnswerStatuses() async throws {
        try await SimHarness.with { sim in
            let unknown = try await sim.request(.GET, "/apis/nothing.dev/v1/things")
            #expect(unknown.status == 404)
            #expect(unknown.body["kind"] == "Status")
            let verb = try await sim.request(.PUT, Fixtures.configMaps, body: Fixtures.configMap("a"))
            #expect(verb.status == 405)
            #expect(verb.body["reason"] == "MethodNotAllowed")
        }
    }
}
