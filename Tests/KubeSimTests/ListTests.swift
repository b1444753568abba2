import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// Lists: label and field selectors, pagination, cluster-wide lists.
@Suite struct ListTests {
    struct SelectorCase: Sendable, CustomTestStringConvertible {
        let name: String
        let selector: String
        let expected: [String]
        var testDescription: String { name }
    }

    /// a: app=web,tier=front  b: app=web,tier=back  c: app=db  d: (no labels)
    static func seed(_ sim: SimHarness) async throws {
        let labels: [(String, [String: String])] = [
            ("a", ["app": "web", "tier": "front"]), ("b", ["app": "web", "tier": "back"]), ("c", ["app": "db"]),
            ("d", [:]),
        ]
        for (name, labels) in labels {
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap(name, labels: labels))
        }
    }

    @Test(arguments: [
        SelectorCase(name: "equality", selector: "app=web", expected: ["a", "b"]),
        SelectorCase(name: "double equals", selector: "app==db", expected: ["c"]),
        SelectorCase(name: "inequality includes unlabelled", selector: "app!=web", expected: ["c", "d"]),
        SelectorCase(name: "in", selector: "tier in (front, back)", expected: ["a", "b"]),
        SelectorCase(name: "notin includes unlabelled", selector: "tier notin (front)", expected: ["b", "c", "d"]),
        SelectorCase(name: "exists", selector: "tier", expected: ["a", "b"]),
        SelectorCase(name: "does not exist", selector: "!app", expected: ["d"]),
        SelectorCase(name: "conjunction", selector: "app=web,tier!=front", expected: ["b"]),
    ])
    func labelSelectorsFilterLists(_ testCase: SelectorCase) async throws {
        try await SimHarness.with { sim in
            try await Self.seed(sim)
            let encoded = testCase.selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let reply = try await sim.request(.GET, Fixtures.configMaps + "?labelSelector=" + encoded)
            #expect(reply.status == 200)
            #expect(reply.body.itemNames == testCase.expected)
        }
    }

    @Test func fieldSelectorsOnNameAndNamespaceAndRefusalOfOthers() async throws {
        try await SimHarness.with { sim in
            try await Self.seed(sim)
            let byName = try await sim.request(.GET, Fixtures.configMaps + "?fieldSelector=metadata.name%3Db")
            #expect(byName.body.itemNames == ["b"])
            let notName = try await sim.request(.GET, Fixtures.configMaps + "?fieldSelector=metadata.name!%3Db")
            #expect(notName.body.itemNames == ["a", "c", "d"])
            _ = try await sim.request(.POST, "/api/v1/namespaces/kube-system/configmaps", body: Fixtures.configMap("z"))
            let all = try await sim.request(.GET, "/api/v1/configmaps?fieldSelector=metadata.namespace%3Dkube-system")
            #expect(all.body.itemNames == ["z"])
            let refused = try await sim.request(.GET, Fixtures.configMaps + "?fieldSelector=data.k%3Dv")
            #expect(refused.status == 400)
            #expect(refused.body["message"]?.stringValue?.contains("data.k") == true)
        }
    }

    @Test func clusterWideListsSpanNamespacesInKeyOrder() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, "/api/v1/namespaces/kube-system/configmaps", body: Fixtures.configMap("b"))
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("c"))
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            let all = try await sim.request(.GET, "/api/v1/configmaps").body
            #expect(all.itemNames == ["a", "c", "b"])
            #expect(all["kind"] == "ConfigMapList")
        }
    }

    @Test func paginationWalksEveryItemOnceWithOpaqueTokens() async throws {
        try await SimHarness.with { sim in
            for index in 0..<7 {
                _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("cm-\(index)"))
            }
            var names: [String] = []
            var token: String?
            var pages = 0
            var firstVersion: String?
            repeat {
                var path = Fixtures.configMaps + "?limit=3"
                if let token {
                    path += "&continue=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                }
                let page = try await sim.request(.GET, path).body
                names += page.itemNames
                token = page[path: ["metadata", "continue"]]?.stringValue
                firstVersion = firstVersion ?? page[path: ["metadata", "resourceVersion"]]?.stringValue
                #expect(page[path: ["metadata", "resourceVersion"]]?.stringValue == firstVersion)
                if pages == 0 { #expect(page[path: ["metadata", "remainingItemCount"]] == 4) }
                pages += 1
            } while token != nil && pages < 10
            #expect(pages == 3)
            #expect(names == (0..<7).map { "cm-\($0)" })
        }
    }

    @Test func aContinueTokenOlderThanTheHistoryIsExpired() async throws {
        try await SimHarness.with { sim in
            for index in 0..<3 {
                _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("cm-\(index)"))
            }
            let page = try await sim.request(.GET, Fixtures.configMaps + "?limit=1").body
            let token = page[path: ["metadata", "continue"]]?.stringValue ?? ""
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("later"))
            sim.server.faults.compactHistory()
            let encoded = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let expired = try await sim.request(.GET, Fixtures.configMaps + "?limit=1&continue=" + encoded)
            #expect(expired.status == 410)
            #expect(expired.body["reason"] == "Expired")
        }
    }

    @Test func labelSelectorParsingRejectsGarbage() {
        #expect(throws: Status.self) { try LabelSelector(parsing: "tier in front") }
        #expect(throws: Status.self) { try LabelSelector(parsing: "a=b,(c") }
    }
}
