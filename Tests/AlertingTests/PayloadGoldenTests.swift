import Alerting
import Foundation
import Testing

/// Every payload format against a checked-in golden file (Fixtures/*.json).
///
/// The comparison is on normalised JSON (keys sorted, pretty printed), so a golden file is
/// readable and a difference shows as a readable diff. To re-record after an intended change:
/// `PUNCTUAL_RECORD_GOLDEN=1 swift test --filter PayloadGoldenTests`, then review the diff.
@Suite("Payload formats (golden JSON)")
struct PayloadGoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let golden: String
        let body: @Sendable () throws -> Data
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "webhook, Failed (firing)", golden: "webhook-failed") {
            try WebhookPayload.body(for: .fixture())
        },
        Case(name: "webhook, Recovered (resolved)", golden: "webhook-recovered") {
            try WebhookPayload.body(for: .fixture(kind: .recovered, consecutiveFailures: 3))
        },
        Case(name: "Slack, Failed: text and blocks, mrkdwn escaped", golden: "slack-failed") {
            try SlackPayload.body(for: .fixture())
        },
        Case(name: "DingTalk, Missed: markdown", golden: "dingtalk-missed") {
            var alert = Alert.fixture(kind: .missed, consecutiveFailures: 1)
            alert.job = nil
            alert.reason = "StartingDeadlineExceeded"
            alert.message = "pod Pending 61s: 0/3 nodes are available: 3 Insufficient cpu"
            return try DingTalkPayload.body(for: alert)
        },
        Case(name: "Alertmanager, firing until the TTL", golden: "alertmanager-firing") {
            try AlertmanagerPayload.body(
                for: [.fixture()], state: .firing(until: Instants.decided.addingTimeInterval(300)))
        },
        Case(name: "Alertmanager, resolved now", golden: "alertmanager-resolved") {
            try AlertmanagerPayload.body(
                for: [.fixture()], state: .resolved(at: Instants.decided.addingTimeInterval(3600)))
        },
    ]

    @Test(arguments: cases)
    func matchesGolden(_ testCase: Case) throws {
        let actual = try Self.normalised(testCase.body())
        let url = try #require(
            Bundle.module.url(forResource: testCase.golden, withExtension: "json", subdirectory: "Fixtures"),
            "golden file Fixtures/\(testCase.golden).json is missing")
        if ProcessInfo.processInfo.environment["PUNCTUAL_RECORD_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Fixtures/\(testCase.golden).json")
            try Data((actual + "\n").utf8).write(to: source)
        }
        let expected = try Self.normalised(Data(contentsOf: url))
        #expect(actual == expected, "payload differs from Fixtures/\(testCase.golden).json")
    }

    static func normalised(_ data: Data) throws -> String {
        let object = try JSONSerialization.jsonObject(with: data)
        let pretty = try JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: pretty, as: UTF8.self)
    }

    @Test("the webhook payload decodes back with version punctual.dev/v1")
    func webhookRoundTrip() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let payload = try decoder.decode(WebhookPayload.self, from: WebhookPayload.body(for: .fixture()))
        #expect(payload.version == "punctual.dev/v1")
        #expect(payload == WebhookPayload(.fixture()))
    }
}
