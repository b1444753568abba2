import Foundation
import KubeClient
import PunctualTestSupport
import Testing

@testable import KubeSim

/// Discovery documents, CRDs coming and going, and Table output.
@Suite struct DiscoveryTests {
    @Test func versionAndGroupDocumentsHaveTheRealShapes() async throws {
        try await SimHarness.with { sim in
            let version = try await sim.request(.GET, "/version").body
            #expect(version["gitVersion"] == "v1.32.0-punctual-sim")
            #expect(version["major"] == "1" && version["minor"] == "32")
            let core = try await sim.request(.GET, "/api").body
            #expect(core["kind"] == "APIVersions" && core["versions"] == ["v1"])
            let aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
            let groups = try await sim.request(.GET, "/apis", headers: ["Accept": aggregated])
            #expect(groups.headers["content-type"] == "application/json")
            #expect(groups.body["kind"] == "APIGroupList")
            let names = groups.body["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(
                Set(names) == [
                    "batch", "coordination.k8s.io", "events.k8s.io", "scheduling.k8s.io", "apiextensions.k8s.io",
                ])
            let batch = groups.body["groups"]?.arrayValue?.first { $0["name"] == "batch" }
            #expect(batch?["preferredVersion"] == ["groupVersion": "batch/v1", "version": "v1"])
        }
    }

    @Test func resourceListsNameVerbsScopeShortNamesAndSubresources() async throws {
        try await SimHarness.with { sim in
            let batch = try await sim.request(.GET, "/apis/batch/v1").body
            #expect(batch["kind"] == "APIResourceList" && batch["groupVersion"] == "batch/v1")
            let resources = batch["resources"]?.arrayValue ?? []
            let jobs = resources.first { $0["name"] == "jobs" }
            #expect(jobs?["kind"] == "Job" && jobs?["namespaced"] == true && jobs?["singularName"] == "job")
            #expect(jobs?["categories"] == ["all"])
            #expect(jobs?["verbs"]?.arrayValue?.contains("watch") == true)
            #expect(resources.contains { $0["name"] == "jobs/status" })
            let core = try await sim.request(.GET, "/api/v1").body["resources"]?.arrayValue ?? []
            #expect(core.first { $0["name"] == "namespaces" }?["shortNames"] == ["ns"])
            #expect(core.first { $0["name"] == "namespaces" }?["namespaced"] == false)
            #expect(core.contains { $0["name"] == "pods/status" })
            let scheduling = try await sim.request(.GET, "/apis/scheduling.k8s.io/v1").body
            #expect(scheduling["resources"]?.arrayValue?.first?["namespaced"] == false)
        }
    }

    @Test func aCustomResourceDefinitionIsServedUntilDeleted() async throws {
        try await SimHarness.with { sim in
            #expect(try await sim.request(.GET, Fixtures.widgets).status == 404)
            let crd = try await sim.request(.POST, Fixtures.crds, body: Fixtures.widgetDefinition())
            #expect(crd.status == 201)
            let conditions = crd.body[path: ["status", "conditions"]]?.arrayValue ?? []
            #expect(conditions.contains { $0["type"] == "Established" && $0["status"] == "True" })
            #expect(conditions.contains { $0["type"] == "NamesAccepted" && $0["status"] == "True" })

            let discovery = try await sim.request(.GET, "/apis/example.dev/v1").body
            let widgets = discovery["resources"]?.arrayValue?.first { $0["name"] == "widgets" }
            #expect(widgets?["shortNames"] == ["wdg"] && widgets?["categories"] == ["all"])
            #expect(discovery["resources"]?.arrayValue?.contains { $0["name"] == "widgets/status" } == true)

            let watch = try await sim.http.watch(Fixtures.widgets + "?watch=1")
            let created = try await sim.request(.POST, Fixtures.widgets, body: Fixtures.widget("w", size: 3))
            #expect(created.status == 201 && created.body.generation == 1)
            let status = try await sim.request(
                .PATCH, Fixtures.widgets + "/w/status", body: ["status": ["phase": "Ready"]],
                contentType: "application/merge-patch+json")
            #expect(status.body[path: ["status", "phase"]] == "Ready" && status.body.generation == 1)

            #expect(try await sim.request(.DELETE, Fixtures.crds + "/widgets.example.dev").status == 200)
            let seen = try await watch.untilEnd().map(\.type)  // it ends: the resource is gone
            #expect(seen == [.added, .modified, .deleted])
            #expect(try await sim.request(.GET, Fixtures.widgets).status == 404)
            #expect(try await sim.request(.GET, "/apis/example.dev/v1").status == 404)
            #expect(sim.store.resourceType(GroupResource(group: "example.dev", resource: "widgets")) == nil)
        }
    }

    @Test func aClusterScopedCustomResourceHasNoNamespace() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, Fixtures.crds, body: Fixtures.widgetDefinition(scope: "Cluster"))
            let created = try await sim.request(.POST, "/apis/example.dev/v1/widgets", body: Fixtures.widget("w"))
            #expect(created.status == 201)
            #expect(created.body[path: ["metadata", "namespace"]] == nil)
            #expect(try await sim.request(.GET, Fixtures.widgets).status == 404)
        }
    }

    @Test func aDefinitionWithAMismatchedNameIsInvalid() async throws {
        try await SimHarness.with { sim in
            var definition = Fixtures.widgetDefinition()
            definition.set(path: ["metadata", "name"], to: "gadgets.example.dev")
            let reply = try await sim.request(.POST, Fixtures.crds, body: definition)
            #expect(reply.status == 422)
            #expect(reply.body[path: ["details", "causes"]]?.arrayValue?.first?["field"] == "metadata.name")
        }
    }

    @Test func openAPIV3AdvertisesServerSideFieldValidationPerKind() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, Fixtures.crds, body: Fixtures.widgetDefinition())
            let root = try await sim.request(.GET, "/openapi/v3").body
            let reference = root[path: ["paths", "apis/example.dev/v1", "serverRelativeURL"]]?.stringValue ?? ""
            #expect(reference.hasPrefix("/openapi/v3/apis/example.dev/v1?hash="))
            let document = try await sim.request(.GET, reference).body
            let patch = document[path: ["paths", "/apis/example.dev/v1/namespaces/{namespace}/widgets/{name}", "patch"]]
            #expect(
                patch?["x-kubernetes-group-version-kind"] == [
                    "group": "example.dev", "version": "v1", "kind": "Widget",
                ])
            #expect(patch?["parameters"]?.arrayValue?.contains { $0["name"] == "fieldValidation" } == true)
            let core = try await sim.request(.GET, "/openapi/v3/api/v1").body
            #expect(core[path: ["paths", "/api/v1/namespaces/{name}", "patch"]] != nil)
            #expect(try await sim.request(.GET, "/openapi/v2").status == 404)
        }
    }

    @Test func protobufBodiesAreRefusedWithUnsupportedMediaType() async throws {
        try await SimHarness.with { sim in
            let reply = try await sim.request(
                .POST, Fixtures.configMaps, body: Fixtures.configMap("a"),
                contentType: "application/vnd.kubernetes.protobuf")
            #expect(reply.status == 415)
            #expect(reply.body["reason"] == "UnsupportedMediaType")
        }
    }

    static let tableAccept =
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
        + "application/json"

    @Test func customResourceTablesUsePrinterColumnsWithAgesOnTheClock() async throws {
        let clock = Fixtures.clock()
        try await SimHarness.with(clock: clock) { sim in
            _ = try await sim.request(.POST, Fixtures.crds, body: Fixtures.widgetDefinition())
            _ = try await sim.request(.POST, Fixtures.widgets, body: Fixtures.widget("w", size: 3))
            let conditions: JSONValue = [
                "status": ["conditions": [["type": "Other", "status": "False"], ["type": "Ready", "status": "True"]]]
            ]
            _ = try await sim.request(
                .PATCH, Fixtures.widgets + "/w/status", body: conditions, contentType: "application/merge-patch+json")
            clock.advance(by: .seconds(5 * 60 + 30))
            let table = try await sim.request(.GET, Fixtures.widgets, headers: ["Accept": Self.tableAccept]).body
            #expect(table["kind"] == "Table" && table["apiVersion"] == "meta.k8s.io/v1")
            let columns = table["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(columns == ["Name", "Size", "Phase", "Ready", "Age"])
            let row = table["rows"]?.arrayValue?.first
            #expect(row?["cells"] == ["w", 3, nil, "True", "5m30s"])
            #expect(row?[path: ["object", "kind"]] == "PartialObjectMetadata")
            #expect(row?[path: ["object", "metadata", "name"]] == "w")
        }
    }

    @Test func builtInTablesShowTheUsualColumns() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("j"))
            let jobs = try await sim.request(.GET, Fixtures.jobs + "/j", headers: ["Accept": Self.tableAccept]).body
            #expect(
                jobs["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                    == ["Name", "Status", "Completions", "Duration", "Age"])
            #expect(jobs["rows"]?.arrayValue?.first?["cells"] == ["j", "Running", "0/1", "", "0s"])
            _ = try await sim.request(.POST, Fixtures.pods, body: Fixtures.pod("p"))
            let pods = try await sim.request(
                .GET, Fixtures.pods + "?includeObject=Object", headers: ["Accept": Self.tableAccept]
            ).body
            #expect(pods["rows"]?.arrayValue?.first?["cells"] == ["p", "0/1", "Pending", "0", "0s"])
            #expect(pods["rows"]?.arrayValue?.first?[path: ["object", "kind"]] == "Pod")
        }
    }

    static let ages: [(seconds: Double, shown: String)] = [
        (0, "0s"), (119, "119s"), (150, "2m30s"), (600, "10m"), (3 * 3600 + 60, "3h1m"), (30 * 3600, "30h"),
        (3 * 86400 + 3600, "3d1h"), (40 * 86400, "40d"), (3 * 365 * 86400 + 86400, "3y1d"),
    ]

    @Test func agesAreFormattedLikeKubectl() {
        for (seconds, shown) in Self.ages {
            #expect(TableConverter.humanDuration(seconds) == shown, "\(seconds) s")
        }
    }

    /// The simulator serves built-ins under exactly the wire names the client addresses them by.
    @Test(arguments: [ResourceType.pods, .jobs, .leases, .namespaces, .configMaps, .secrets, .events, .coreEvents])
    func builtInsMatchTheClientsResourceTypes(_ expected: ResourceType) throws {
        let served = try #require(
            ServedResource.builtIns.first { $0.group == expected.group && $0.resource == expected.plural },
            "\(expected) is not served")
        #expect(served.resourceType(version: expected.version) == expected)
        #expect(served.apiVersion(expected.version) == expected.apiVersion)
    }
}
