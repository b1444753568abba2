import Foundation
import KubeClient
import PunctualController
import Testing

/// `config/priority/priorityclasses.yaml` against the names and rules the controller relies on.
@Suite("config/priority: the PriorityClasses of the tiers and the placeholders")
struct PriorityClassManifestTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/priority/priorityclasses.yaml")

    static func classes() throws -> [String: JSONValue] {
        let documents = try JSONValue.yamlDocuments(String(contentsOf: path, encoding: .utf8))
        return Dictionary(
            uniqueKeysWithValues: documents.compactMap { document in
                document.value[path: ["metadata", "name"]]?.stringValue.map { ($0, document.value) }
            })
    }

    @Test("one class per tier, PreemptLowerPriority, values descending with the tier's rank")
    func tiers() throws {
        let classes = try Self.classes()
        let tiers = ScheduledTaskSpec.Priority.Tier.allCases.sorted { $0.rank > $1.rank }
        var previous = Int64.max
        for tier in tiers {
            let object = try #require(classes[tier.priorityClassName], "\(tier.priorityClassName) is missing")
            #expect(object["apiVersion"] == "scheduling.k8s.io/v1")
            #expect(object["preemptionPolicy"] == "PreemptLowerPriority", "\(tier)")
            #expect(object["globalDefault"] == false, "\(tier)")
            let value = try #require(object["value"]?.intValue)
            #expect(value > 0 && value < previous, "\(tier) must rank below the tier above it")
            previous = value
        }
    }

    @Test("the placeholder class: negative, never preempting, not below cluster-autoscaler's cutoff")
    func placeholder() throws {
        let object = try #require(try Self.classes()[PlaceholderBuilder.priorityClassName])
        #expect(object["preemptionPolicy"] == "Never")
        let value = try #require(object["value"]?.intValue)
        // Below 0 (every real pod preempts it), at or above -10 so that it still triggers scale-up.
        #expect(value < 0 && value >= -10)
    }
}
