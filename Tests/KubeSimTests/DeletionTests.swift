import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// DELETE: propagation policies, garbage collection through ownerReferences, finalizers, preconditions.
@Suite struct DeletionTests {
    struct PropagationCase: Sendable, CustomTestStringConvertible {
        let name: String
        let policy: String?
        let podsRemain: Bool
        let ownerReferencesRemain: Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        PropagationCase(
            name: "Background → pods collected", policy: "Background", podsRemain: false,
            ownerReferencesRemain: false),
        PropagationCase(
            name: "Foreground → pods collected", policy: "Foreground", podsRemain: false,
            ownerReferencesRemain: false),
        PropagationCase(
            name: "Orphan → pods stay, unowned", policy: "Orphan", podsRemain: true, ownerReferencesRemain: false),
        PropagationCase(
            name: "default for batch/v1 Jobs is Orphan", policy: nil, podsRemain: true, ownerReferencesRemain: false),
    ])
    func deletingAJobTreatsItsPodsByPolicy(_ testCase: PropagationCase) async throws {
        try await SimHarness.with { sim in
            let job = try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("j")).body
            for name in ["p1", "p2"] {
                #expect(try await sim.request(.POST, Fixtures.pods, body: Fixtures.pod(name, owner: job)).status == 201)
            }
            let options: JSONValue? = testCase.policy.map {
                ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string($0)]
            }
            let deleted = try await sim.request(.DELETE, Fixtures.jobs + "/j", body: options)
            #expect(deleted.status == 200)
            #expect(try await sim.request(.GET, Fixtures.jobs + "/j").status == 404)
            let pods = try await sim.request(.GET, Fixtures.pods).body
            #expect(pods.itemNames == (testCase.podsRemain ? ["p1", "p2"] : []))
            for pod in pods["items"]?.arrayValue ?? [] {
                #expect((pod[path: ["metadata", "ownerReferences"]] != nil) == testCase.ownerReferencesRemain)
            }
        }
    }

    @Test func foregroundDeletionWaitsForADependentWithAFinalizer() async throws {
        try await SimHarness.with { sim in
            let owner = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("owner")).body
            var held = Fixtures.configMap("held")
            held["metadata"]?["ownerReferences"] = [Fixtures.reference(to: owner)]
            held["metadata"]?["finalizers"] = ["example.dev/hold"]
            _ = try await sim.request(.POST, Fixtures.configMaps, body: held)
            let options: JSONValue = ["propagationPolicy": "Foreground"]
            let marked = try await sim.request(.DELETE, Fixtures.configMaps + "/owner", body: options).body
            #expect(marked[path: ["metadata", "deletionTimestamp"]] != nil)
            #expect(marked[path: ["metadata", "finalizers"]] == ["foregroundDeletion"])
            let dependent = try await sim.request(.GET, Fixtures.configMaps + "/held").body
            #expect(dependent[path: ["metadata", "deletionTimestamp"]] != nil)

            let release: JSONValue = ["metadata": ["finalizers": nil]]
            let released = try await sim.request(
                .PATCH, Fixtures.configMaps + "/held", body: release, contentType: "application/merge-patch+json")
            #expect(released.status == 200)
            #expect(try await sim.request(.GET, Fixtures.configMaps + "/held").status == 404)
            #expect(try await sim.request(.GET, Fixtures.configMaps + "/owner").status == 404)
        }
    }

    @Test func finalizersKeepAnObjectUntilTheLastOneIsRemoved() async throws {
        try await SimHarness.with { sim in
            var object = Fixtures.configMap("a")
            object["metadata"]?["finalizers"] = ["example.dev/one", "example.dev/two"]
            _ = try await sim.request(.POST, Fixtures.configMaps, body: object)
            let marked = try await sim.request(.DELETE, Fixtures.configMaps + "/a").body
            #expect(marked[path: ["metadata", "deletionTimestamp"]] == "2026-01-01T00:00:00Z")
            #expect(try await sim.request(.GET, Fixtures.configMaps + "/a").status == 200)

            let removeOne: JSONValue = [["op": "remove", "path": "/metadata/finalizers/0"]]
            let partial = try await sim.request(
                .PATCH, Fixtures.configMaps + "/a", body: removeOne, contentType: "application/json-patch+json")
            #expect(partial.body[path: ["metadata", "finalizers"]] == ["example.dev/two"])

            var current = partial.body
            current.set(path: ["metadata", "finalizers"], to: [])
            let last = try await sim.request(.PUT, Fixtures.configMaps + "/a", body: current)
            #expect(last.status == 200)
            #expect(try await sim.request(.GET, Fixtures.configMaps + "/a").status == 404)
        }
    }

    @Test func deletePreconditionsAreChecked() async throws {
        try await SimHarness.with { sim in
            let created = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body
            let wrongUID: JSONValue = ["preconditions": ["uid": "not-it"]]
            let refused = try await sim.request(.DELETE, Fixtures.configMaps + "/a", body: wrongUID)
            #expect(refused.status == 409)
            #expect(refused.body["reason"] == "Conflict")
            let wrongVersion: JSONValue = ["preconditions": ["resourceVersion": "1"]]
            #expect(try await sim.request(.DELETE, Fixtures.configMaps + "/a", body: wrongVersion).status == 409)
            let right: JSONValue = [
                "preconditions": [
                    "uid": .string(created.uid), "resourceVersion": .string(String(created.resourceVersion)),
                ]
            ]
            #expect(try await sim.request(.DELETE, Fixtures.configMaps + "/a", body: right).status == 200)
        }
    }

    @Test func aDependentWithAnotherLivingOwnerOnlyLosesTheReference() async throws {
        try await SimHarness.with { sim in
            let first = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("first")).body
            let second = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("second")).body
            var shared = Fixtures.configMap("shared")
            shared["metadata"]?["ownerReferences"] = [Fixtures.reference(to: first), Fixtures.reference(to: second)]
            _ = try await sim.request(.POST, Fixtures.configMaps, body: shared)
            _ = try await sim.request(.DELETE, Fixtures.configMaps + "/first")
            let survivor = try await sim.request(.GET, Fixtures.configMaps + "/shared").body
            #expect(survivor[path: ["metadata", "ownerReferences"]]?.arrayValue?.map { $0["name"] } == ["second"])
            _ = try await sim.request(.DELETE, Fixtures.configMaps + "/second")
            #expect(try await sim.request(.GET, Fixtures.configMaps + "/shared").status == 404)
        }
    }

    @Test func deletingANamespaceDeletesItsObjects() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, "/api/v1/namespaces", body: ["metadata": ["name": "team"]])
            _ = try await sim.request(.POST, "/api/v1/namespaces/team/configmaps", body: Fixtures.configMap("a"))
            #expect(try await sim.request(.DELETE, "/api/v1/namespaces/team").status == 200)
            #expect(try await sim.request(.GET, "/api/v1/namespaces/team/configmaps/a").status == 404)
        }
    }
}
