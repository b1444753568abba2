import Foundation
import KubeClient
import Testing

@Suite struct ResourceClientIntegrationTests {
    static func configMap(_ name: String, labels: [String: String]? = nil, data: [String: String] = ["k": "v"])
        -> ConfigMap
    {
        ConfigMap(metadata: ObjectMeta(name: name, namespace: "default", labels: labels), data: data)
    }

    static func job(_ name: String) -> Job {
        Job(
            metadata: ObjectMeta(name: name, namespace: "default", labels: ["punctual.dev/task": "t"]),
            spec: JobSpec(
                template: PodTemplateSpec(
                    spec: PodSpec(containers: [Container(name: "main", image: "busybox")], restartPolicy: "Never")),
                backoffLimit: 0))
    }

    @Test func createGetUpdatePatchDeleteRoundTrip() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            let created = try await maps.create(Self.configMap("settings", labels: ["app": "punctual"]))
            #expect(created.metadata.uid != nil)
            #expect(created.metadata.resourceVersion != nil)
            #expect(created.metadata.creationTimestamp != nil)

            var fetched = try await maps.get("settings")
            #expect(fetched.data == ["k": "v"])

            fetched.data?["k"] = "v2"
            let updated = try await maps.update(fetched)
            #expect(updated.data == ["k": "v2"])
            #expect(updated.metadata.resourceVersion != fetched.metadata.resourceVersion)

            // The stale copy now conflicts.
            await #expect {
                try await maps.update(fetched)
            } throws: { error in
                guard let error = error as? KubeError else { return false }
                return error.isConflict && error.verb == .update && error.name == "settings"
                    && error.namespace == "default"
            }

            let merged = try await maps.patch(
                "settings", patch: .merge(["data": ["extra": "1", "k": nil], "metadata": ["labels": ["tier": "a"]]]))
            #expect(merged.data == ["extra": "1"])
            #expect(merged.metadata.labels == ["app": "punctual", "tier": "a"])

            let jsonPatched = try await maps.patch(
                "settings",
                patch: .json([
                    .test(path: "/data/extra", value: "1"), .replace(path: "/data/extra", value: "2"),
                ]))
            #expect(jsonPatched.data == ["extra": "2"])
            await #expect {
                try await maps.patch("settings", patch: .json([.test(path: "/data/extra", value: "nope")]))
            } throws: { error in
                (error as? KubeError).map { !$0.isRetryable && $0.code != nil } ?? false
            }

            let strategic = try await maps.patch("settings", patch: .strategicMerge(["data": ["s": "1"]]))
            #expect(strategic.data?["s"] == "1")

            switch try await maps.delete("settings") {
            case .object(let object): #expect(object.metadata.name == "settings")
            case .status(let status): #expect(status.status == "Success")
            }
            await #expect {
                try await maps.get("settings")
            } throws: { error in
                guard let error = error as? KubeError else { return false }
                return error.isNotFound && error.code == 404 && error.resource == "configmaps"
            }
        }
    }

    @Test func createTwiceIsAlreadyExists() async throws {
        try await ClientHarness.with { sim in
            let jobs = sim.client.resource(Job.self, namespace: "default")
            _ = try await jobs.create(Self.job("report-1"))
            await #expect {
                try await jobs.create(Self.job("report-1"))
            } throws: { error in
                guard let error = error as? KubeError else { return false }
                return error.isAlreadyExists && error.name == "report-1" && error.resource == "jobs.batch"
            }
        }
    }

    @Test func listFollowsContinueTokensAndFilters() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            for index in 0..<7 {
                _ = try await maps.create(
                    Self.configMap("cm-\(index)", labels: ["parity": index % 2 == 0 ? "even" : "odd"]))
            }
            _ = try await sim.client.resource(Namespace.self).create(Namespace(metadata: ObjectMeta(name: "other")))
            _ = try await sim.client.resource(ConfigMap.self, namespace: "other").create(
                ConfigMap(metadata: ObjectMeta(name: "elsewhere", namespace: "other")))
            sim.requests.reset()
            let all = try await maps.list(options: ListOptions(limit: 3))
            #expect(all.items.compactMap(\.metadata.name).sorted() == (0..<7).map { "cm-\($0)" })
            #expect(!all.resourceVersion.isEmpty)
            #expect(sim.requests.codes(.list) == [200, 200, 200], "three pages of at most 3")

            let even = try await maps.list(options: ListOptions(labelSelector: "parity=even"))
            #expect(even.items.count == 4)
            let named = try await maps.list(options: ListOptions(fieldSelector: "metadata.name=cm-3"))
            #expect(named.items.map(\.metadata.name) == ["cm-3"])
            let everywhere = try await sim.client.resource(ConfigMap.self).list()
            #expect(everywhere.items.count == 8)
        }
    }

    @Test func statusIsWrittenOnlyThroughTheSubresource() async throws {
        try await ClientHarness.with { sim in
            let jobs = sim.client.resource(Job.self, namespace: "default")
            var job = try await jobs.create(Self.job("status-1"))
            job.status = JobStatus(active: 1)
            let afterMain = try await jobs.update(job)
            #expect(afterMain.status?.active == nil, "a write to the main resource ignores status")
            var withStatus = afterMain
            withStatus.status = JobStatus(active: 1)
            withStatus.metadata.labels?["ignored"] = "yes"
            let afterStatus = try await jobs.updateStatus(withStatus)
            #expect(afterStatus.status?.active == 1)
            #expect(afterStatus.metadata.labels?["ignored"] == nil, "a status write ignores the rest")
        }
    }

    @Test func readModifyWriteKeepsUnmodelledFields() async throws {
        try await ClientHarness.with { sim in
            var raw = try JSONValue(encoding: Self.job("lossless"))
            raw.set(
                path: ["spec", "template", "spec", "containers"],
                to: [
                    ["name": "main", "image": "busybox", "workingDir": "/work", "stdin": false]
                ])
            raw.set(path: ["spec", "ttlSecondsAfterFinished"], to: 600)
            raw.set(path: ["spec", "template", "spec", "hostname"], to: "runner")
            _ = try await sim.client.dynamic(Job.resourceType, namespace: "default").create(raw)

            let updated = try await sim.client.objects(Job.self, namespace: "default").modify("lossless") { job in
                job.value.metadata.annotations = ["punctual.dev/attempt": "2"]
                // The pod template is immutable after creation: change a mutable spec field.
                job.value.spec?.backoffLimit = 3
            }
            #expect(updated.value.metadata.annotations?["punctual.dev/attempt"] == "2")

            let stored = try await sim.client.dynamic(Job.resourceType, namespace: "default").get("lossless")
            let container = try #require(stored[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first)
            #expect(container["image"] == "busybox")
            #expect(stored[path: ["spec", "backoffLimit"]] == 3)
            #expect(container["workingDir"] == "/work")
            #expect(stored[path: ["spec", "template", "spec", "hostname"]] == "runner")
            #expect(stored[path: ["spec", "ttlSecondsAfterFinished"]] == 600)
        }
    }

    @Test func deletePreconditionsAndPropagation() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            let created = try await maps.create(Self.configMap("guarded"))
            await #expect {
                try await maps.delete("guarded", options: DeleteOptions(preconditionUID: "not-the-uid"))
            } throws: { error in
                (error as? KubeError)?.isConflict ?? false
            }
            await #expect {
                try await maps.delete("guarded", options: DeleteOptions(preconditionResourceVersion: "1"))
            } throws: { error in
                (error as? KubeError)?.isConflict ?? false
            }
            _ = try await maps.delete(
                "guarded",
                options: DeleteOptions(
                    propagationPolicy: .background, preconditionUID: created.metadata.uid,
                    preconditionResourceVersion: created.metadata.resourceVersion))
            await #expect(throws: KubeError.self) { try await maps.get("guarded") }
        }
    }

    @Test func dryRunDoesNotPersist() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            let answer = try await maps.create(Self.configMap("dry"), options: WriteOptions(isDryRun: true))
            #expect(answer.metadata.name == "dry")
            await #expect {
                try await maps.get("dry")
            } throws: { error in
                (error as? KubeError)?.isNotFound ?? false
            }
        }
    }

    @Test func invalidObjectsAnswerWithFieldCauses() async throws {
        try await ClientHarness.with { sim in
            await #expect {
                try await sim.client.resource(ConfigMap.self, namespace: "default").create(
                    ConfigMap(metadata: ObjectMeta()))
            } throws: { error in
                guard let error = error as? KubeError, case .invalid(let causes) = error.kind else { return false }
                return error.code == 422 && causes.map(\.field) == ["metadata.name"]
            }
            let generated = try await sim.client.resource(ConfigMap.self, namespace: "default").create(
                ConfigMap(metadata: ObjectMeta(generateName: "run-")))
            #expect(generated.metadata.name?.hasPrefix("run-") == true)

            var definition = Self.scheduledTaskDefinition
            definition.set(path: ["spec", "scope"], to: "Galactic")
            await #expect {
                try await sim.client.dynamic(.customResourceDefinitions).create(definition)
            } throws: { error in
                guard let error = error as? KubeError, case .invalid(let causes) = error.kind else { return false }
                return causes.contains { $0.field == "spec.scope" }
            }
        }
    }

    static let scheduledTasks = ResourceType(
        group: "punctual.dev", version: "v1alpha1", plural: "scheduledtasks", kind: "ScheduledTask",
        isNamespaced: true)

    static let scheduledTaskDefinition: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "scheduledtasks.punctual.dev"],
        "spec": [
            "group": "punctual.dev", "scope": "Namespaced",
            "names": [
                "plural": "scheduledtasks", "singular": "scheduledtask", "kind": "ScheduledTask",
                "shortNames": ["stask"],
            ],
            "versions": [
                [
                    "name": "v1alpha1", "served": true, "storage": true, "subresources": ["status": [:]],
                    "schema": [
                        "openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
                    ],
                ]
            ],
        ],
    ]

    @Test func customResourcesThroughTheDynamicPath() async throws {
        try await ClientHarness.with { sim in
            _ = try await sim.client.dynamic(.customResourceDefinitions).create(Self.scheduledTaskDefinition)
            let tasks = sim.client.dynamic(Self.scheduledTasks, namespace: "default")
            let task: JSONValue = [
                "metadata": ["name": "nightly"], "spec": ["schedule": "0 2 * * *", "futureField": ["kept": true]],
            ]
            let created = try await tasks.create(task)
            #expect(created["apiVersion"] == "punctual.dev/v1alpha1")
            #expect(created[path: ["spec", "futureField", "kept"]] == true)

            var withStatus = created
            withStatus.set(path: ["status", "missedRuns"], to: 2)
            let afterStatus = try await tasks.updateStatus(withStatus)
            #expect(afterStatus[path: ["status", "missedRuns"]] == 2)
            let patched = try await tasks.patch(
                "nightly", patch: .merge(["status": ["missedRuns": 3]]), subresource: "status")
            #expect(patched[path: ["status", "missedRuns"]] == 3)
            #expect(try await tasks.list().items.map(\.objectMeta.name) == ["nightly"])
        }
    }

    @Test func clusterScopedLeaseAndSecretRoundTrips() async throws {
        try await ClientHarness.with { sim in
            let namespaces = sim.client.resource(Namespace.self)
            _ = try await namespaces.create(Namespace(metadata: ObjectMeta(name: "team-a")))
            #expect(try await namespaces.get("team-a").metadata.name == "team-a")

            let leases = sim.client.resource(Lease.self, namespace: "default")
            let renew = MicroTime(Date(timeIntervalSince1970: 1_772_953_200.25))
            let lease = try await leases.create(
                Lease(
                    metadata: ObjectMeta(name: "leader", namespace: "default"),
                    spec: LeaseSpec(holderIdentity: "a", leaseDurationSeconds: 15, renewTime: renew)))
            #expect(lease.spec?.renewTime == renew, "MicroTime survives the round trip")

            let secrets = sim.client.resource(Secret.self, namespace: "default")
            _ = try await secrets.create(
                Secret(metadata: ObjectMeta(name: "alerts"), data: ["url": Data("https://hook".utf8)]))
            #expect(try await secrets.get("alerts").string(forKey: "url") == "https://hook")
        }
    }
}
