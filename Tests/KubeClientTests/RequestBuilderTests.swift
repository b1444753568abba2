import Foundation
import KubeClient
import Testing

@Suite struct RequestBuilderTests {
    struct PathCase: CustomTestStringConvertible, Sendable {
        let name: String
        let resource: ResourceType
        let namespace: String?
        let objectName: String?
        let subresource: String?
        let expected: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        PathCase(
            name: "core collection in a namespace", resource: .pods, namespace: "default", objectName: nil,
            subresource: nil, expected: "/api/v1/namespaces/default/pods"),
        PathCase(
            name: "core collection across namespaces", resource: .pods, namespace: nil, objectName: nil,
            subresource: nil, expected: "/api/v1/pods"),
        PathCase(
            name: "grouped object", resource: .jobs, namespace: "ops", objectName: "report-1", subresource: nil,
            expected: "/apis/batch/v1/namespaces/ops/jobs/report-1"),
        PathCase(
            name: "status subresource", resource: .leases, namespace: "kube-system", objectName: "leader",
            subresource: "status",
            expected: "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/leader/status"),
        PathCase(
            name: "cluster-scoped ignores namespace", resource: .namespaces, namespace: "ignored",
            objectName: "team-a", subresource: nil, expected: "/api/v1/namespaces/team-a"),
        PathCase(
            name: "custom resource",
            resource: ResourceType(
                group: "punctual.dev", version: "v1alpha1", plural: "scheduledtasks", kind: "ScheduledTask",
                isNamespaced: true),
            namespace: "default", objectName: "nightly", subresource: "status",
            expected: "/apis/punctual.dev/v1alpha1/namespaces/default/scheduledtasks/nightly/status"),
        PathCase(
            name: "slash in a name cannot escape its segment", resource: .configMaps, namespace: "default",
            objectName: "a/../b", subresource: nil, expected: "/api/v1/namespaces/default/configmaps/a%2F..%2Fb"),
    ])
    func paths(_ testCase: PathCase) {
        #expect(
            testCase.resource.path(
                namespace: testCase.namespace, name: testCase.objectName, subresource: testCase.subresource)
                == testCase.expected)
    }

    @Test func apiVersionAndDescription() {
        #expect(ResourceType.pods.apiVersion == "v1")
        #expect(ResourceType.jobs.apiVersion == "batch/v1")
        #expect(ResourceType.jobs.description == "jobs.batch")
        #expect(ResourceType.pods.description == "pods")
    }

    @Test func listQueryCarriesEveryOptionEncoded() {
        let request = RequestBuilder(resource: .jobs).list(
            namespace: "default",
            options: ListOptions(
                labelSelector: "punctual.dev/task in (a,b),!legacy", fieldSelector: "metadata.name=x", limit: 50,
                continueToken: "abc+/=", resourceVersion: "0", timeoutSeconds: 10))
        #expect(request.verb == .list)
        #expect(request.method == "GET")
        #expect(request.isRetryable)
        #expect(
            request.pathAndQuery
                == "/apis/batch/v1/namespaces/default/jobs"
                + "?labelSelector=punctual.dev%2Ftask%20in%20%28a%2Cb%29%2C%21legacy"
                + "&fieldSelector=metadata.name%3Dx&limit=50&continue=abc%2B%2F%3D&resourceVersion=0&timeoutSeconds=10")
    }

    @Test func watchQuery() {
        let request = RequestBuilder(resource: .pods).watch(
            namespace: nil,
            options: WatchOptions(resourceVersion: "42", labelSelector: "app=web", timeoutSeconds: 300))
        #expect(
            request.pathAndQuery
                == "/api/v1/pods?watch=1&resourceVersion=42&labelSelector=app%3Dweb&allowWatchBookmarks=true"
                + "&timeoutSeconds=300")
        let plain = RequestBuilder(resource: .pods).watch(
            namespace: "a", options: WatchOptions(allowWatchBookmarks: false))
        #expect(plain.pathAndQuery == "/api/v1/namespaces/a/pods?watch=1")
    }

    @Test func createFillsApiVersionAndKindAndHonoursDryRun() throws {
        let object: JSONValue = ["metadata": ["name": "cm", "namespace": "default"], "data": ["k": "v"]]
        let request = try RequestBuilder(resource: .configMaps).create(
            object, namespace: "default", options: WriteOptions(isDryRun: true, fieldManager: "punctual"))
        #expect(request.method == "POST")
        #expect(request.pathAndQuery == "/api/v1/namespaces/default/configmaps?dryRun=All&fieldManager=punctual")
        #expect(request.name == "cm")
        #expect(!request.isRetryable)
        let body = try JSONValue.parse(try #require(request.body))
        #expect(body["apiVersion"] == "v1")
        #expect(body["kind"] == "ConfigMap")
        #expect(body["data"] == ["k": "v"])
    }

    @Test func createMarkedSafeIsRetryable() throws {
        let request = try RequestBuilder(resource: .jobs).create(
            ["metadata": ["name": "j"]], namespace: "d", options: WriteOptions(isSafeToRetry: true))
        #expect(request.isRetryable)
    }

    @Test func priorityOfTheOptionsReachesTheRequest() throws {
        let builder = RequestBuilder(resource: .jobs)
        let object: JSONValue = ["metadata": ["name": "j"]]
        let create = try builder.create(object, namespace: "d", options: WriteOptions(priority: .high))
        let update = try builder.update(object, namespace: "d", options: WriteOptions(priority: .low))
        let patch = try builder.patch(
            name: "j", namespace: "d", patch: .merge([:]), options: WriteOptions(priority: .high))
        let delete = try builder.delete(name: "j", namespace: "d", options: DeleteOptions(priority: .low))
        let plain = try builder.create(object, namespace: "d", options: WriteOptions())
        #expect([create, update, patch, delete, plain].map(\.priority) == [.high, .low, .high, .low, .normal])
        // The priority is not sent: the DeleteOptions body is the same at every priority.
        let normalDelete = try builder.delete(name: "j", namespace: "d", options: DeleteOptions())
        #expect(delete.body == normalDelete.body)
        #expect(delete != normalDelete)
    }

    @Test func updateTargetsObjectOrStatus() throws {
        let object: JSONValue = ["metadata": ["name": "j", "resourceVersion": "7"]]
        let builder = RequestBuilder(resource: .jobs)
        let put = try builder.update(object, namespace: "d", options: WriteOptions())
        #expect(put.method == "PUT")
        #expect(put.pathAndQuery == "/apis/batch/v1/namespaces/d/jobs/j")
        #expect(put.isRetryable)
        let status = try builder.update(object, namespace: "d", subresource: "status", options: WriteOptions())
        #expect(status.pathAndQuery == "/apis/batch/v1/namespaces/d/jobs/j/status")
        #expect(throws: KubeError.self) {
            try builder.update(["metadata": [:]], namespace: "d", options: WriteOptions())
        }
    }

    struct PatchCase: CustomTestStringConvertible, Sendable {
        let name: String
        let patch: Patch
        let contentType: String
        let body: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        PatchCase(
            name: "merge patch removes with null", patch: .merge(["metadata": ["labels": ["a": "1", "b": nil]]]),
            contentType: "application/merge-patch+json", body: #"{"metadata":{"labels":{"a":"1","b":null}}}"#),
        PatchCase(
            name: "JSON patch escapes pointer segments",
            patch: .json([
                .test(path: "/metadata/resourceVersion", value: "5"),
                .add(
                    path: "/metadata/annotations/" + JSONPatchOperation.escape("punctual.dev/trigger"), value: "now"),
                .remove(path: "/spec/suspend"),
            ]),
            contentType: "application/json-patch+json",
            body: #"[{"op":"test","path":"/metadata/resourceVersion","value":"5"},"#
                + #"{"op":"add","path":"/metadata/annotations/punctual.dev~1trigger","value":"now"},"#
                + #"{"op":"remove","path":"/spec/suspend"}]"#),
        PatchCase(
            name: "strategic merge sends a merge body", patch: .strategicMerge(["spec": ["suspend": true]]),
            contentType: "application/strategic-merge-patch+json", body: #"{"spec":{"suspend":true}}"#),
    ])
    func patches(_ testCase: PatchCase) throws {
        let request = try RequestBuilder(resource: .jobs).patch(
            name: "j", namespace: "d", patch: testCase.patch, subresource: nil, options: WriteOptions())
        #expect(request.method == "PATCH")
        #expect(!request.isRetryable)
        #expect(request.contentType == testCase.contentType)
        #expect(String(decoding: try #require(request.body), as: UTF8.self) == testCase.body)
    }

    @Test func deleteBodyCarriesPropagationAndPreconditions() throws {
        let request = try RequestBuilder(resource: .jobs).delete(
            name: "j", namespace: "d",
            options: DeleteOptions(
                propagationPolicy: .foreground, preconditionUID: "u-1", preconditionResourceVersion: "9",
                gracePeriodSeconds: 0, isDryRun: true))
        #expect(request.method == "DELETE")
        #expect(request.pathAndQuery == "/apis/batch/v1/namespaces/d/jobs/j?dryRun=All")
        #expect(
            String(decoding: try #require(request.body), as: UTF8.self)
                == #"{"apiVersion":"v1","dryRun":["All"],"gracePeriodSeconds":0,"kind":"DeleteOptions","#
                + #""preconditions":{"resourceVersion":"9","uid":"u-1"},"propagationPolicy":"Foreground"}"#)
    }

    @Test func namespacedCallsRequireANamespace() {
        #expect {
            try RequestBuilder(resource: .jobs).get(name: "j", namespace: nil)
        } throws: { error in
            guard let error = error as? KubeError, case .invalidRequest = error.kind else { return false }
            return error.resource == "jobs.batch" && error.name == "j" && error.message.contains("namespace")
        }
        #expect(throws: Never.self) { try RequestBuilder(resource: .namespaces).get(name: "x", namespace: nil) }
    }
}
