import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// PATCH in every content type the server accepts, and the ones it refuses.
@Suite struct PatchTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let document: JSONValue
        let contentType: String
        let patch: JSONValue
        let expected: JSONValue
        var testDescription: String { name }
    }

    static let document: JSONValue = ["a": 1, "b": ["c": "x", "d": [1, 2]], "list": ["p", "q"]]

    @Test(arguments: [
        Case(
            name: "merge: nested member replaced, others kept", document: document,
            contentType: "application/merge-patch+json", patch: ["b": ["c": "y"]],
            expected: ["a": 1, "b": ["c": "y", "d": [1, 2]], "list": ["p", "q"]]),
        Case(
            name: "merge: null removes", document: document, contentType: "application/merge-patch+json",
            patch: ["a": nil, "b": ["d": nil]], expected: ["b": ["c": "x"], "list": ["p", "q"]]),
        Case(
            name: "strategic served as merge: lists replaced wholesale", document: document,
            contentType: "application/strategic-merge-patch+json", patch: ["list": ["r"]],
            expected: ["a": 1, "b": ["c": "x", "d": [1, 2]], "list": ["r"]]),
        Case(
            name: "json: add, replace, remove, append", document: document,
            contentType: "application/json-patch+json",
            patch: [
                ["op": "add", "path": "/e", "value": true], ["op": "replace", "path": "/a", "value": 2],
                ["op": "remove", "path": "/b/c"], ["op": "add", "path": "/list/-", "value": "z"],
            ],
            expected: ["a": 2, "b": ["d": [1, 2]], "list": ["p", "q", "z"], "e": true]),
        Case(
            name: "json: move, copy and a passing test", document: document,
            contentType: "application/json-patch+json",
            patch: [
                ["op": "test", "path": "/b/c", "value": "x"], ["op": "move", "from": "/b/c", "path": "/m"],
                ["op": "copy", "from": "/list/1", "path": "/list/0"], ["op": "add", "path": "/k~1s", "value": 1],
            ],
            expected: ["a": 1, "b": ["d": [1, 2]], "list": ["q", "p", "q"], "m": "x", "k/s": 1]),
    ])
    func patchAppliesLikeTheRFCs(_ testCase: Case) throws {
        let patch = try Patch(contentType: testCase.contentType, body: testCase.patch)
        #expect(try patch.apply(to: testCase.document) == testCase.expected)
    }

    struct FailureCase: Sendable, CustomTestStringConvertible {
        let name: String
        let contentType: String
        let patch: JSONValue
        let code: Int
        var testDescription: String { name }
    }

    @Test(arguments: [
        FailureCase(
            name: "failed test op → 422", contentType: "application/json-patch+json",
            patch: [["op": "test", "path": "/data/k", "value": "other"]], code: 422),
        FailureCase(
            name: "remove missing path → 422", contentType: "application/json-patch+json",
            patch: [["op": "remove", "path": "/data/missing"]], code: 422),
        FailureCase(
            name: "json patch not an array → 400", contentType: "application/json-patch+json",
            patch: ["op": "add"], code: 400),
        FailureCase(
            name: "server-side apply → 415", contentType: "application/apply-patch+yaml",
            patch: ["data": ["k": "v"]], code: 415),
        FailureCase(name: "unknown type → 415", contentType: "text/plain", patch: ["data": [:]], code: 415),
    ])
    func refusedPatchesAnswerAStatusAndChangeNothing(_ testCase: FailureCase) async throws {
        try await SimHarness.with { sim in
            let created = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body
            let reply = try await sim.request(
                .PATCH, Fixtures.configMaps + "/a", body: testCase.patch, contentType: testCase.contentType)
            #expect(reply.status == testCase.code)
            #expect(reply.body["kind"] == "Status")
            #expect(try await sim.request(.GET, Fixtures.configMaps + "/a").body == created)
        }
    }

    @Test func patchOverHTTPWithAResourceVersionIsOptimistic() async throws {
        try await SimHarness.with { sim in
            let created = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body
            let stale: JSONValue = ["metadata": ["resourceVersion": "1"], "data": ["k": "x"]]
            let conflict = try await sim.request(
                .PATCH, Fixtures.configMaps + "/a", body: stale, contentType: "application/merge-patch+json")
            #expect(conflict.status == 409)
            let current: JSONValue = [
                "metadata": ["resourceVersion": .string(String(created.resourceVersion))], "data": ["k": "x"],
            ]
            let applied = try await sim.request(
                .PATCH, Fixtures.configMaps + "/a", body: current, contentType: "application/merge-patch+json")
            #expect(applied.status == 200)
            #expect(applied.body["data"] == ["k": "x"])
        }
    }
}
