import Alerting
import Foundation
import PunctualController
import PunctualTestSupport
import Testing

/// The soak's receivers count what the real payload encoders produce: first sends of firing
/// webhook alerts, by receiver; resolutions are not counted; anything else is flagged.
@Suite struct CountingAlertTransportTests {
    static let slot = Date(timeIntervalSince1970: 1_767_225_660)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: AlertKind
        /// Slack instead of the webhook format the soak's Secret configures.
        var slack = false
        var status: Int
        var counted: [CountingAlertTransport.Delivery: Int]
        var unreadable = 0

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "a firing Failed webhook alert is counted for its receiver", kind: .failed, status: 200,
            counted: [
                CountingAlertTransport.Delivery(
                    task: "default/report", kind: .failed, slot: slot, attempt: 2, receiver: "ops"): 1
            ]),
        Case(
            name: "a resolved (Recovered) alert is answered but not counted", kind: .recovered, status: 200,
            counted: [:]),
        Case(
            name: "a request in another format is refused and reported", kind: .failed, slack: true, status: 400,
            counted: [:], unreadable: 1),
    ]

    @Test(arguments: cases) func countsFiringWebhookAlerts(_ testCase: Case) async throws {
        let url = try #require(URL(string: CountingAlertTransport.url(of: "ops")))
        let alert = Alert(
            namespace: "default", task: "report", kind: testCase.kind, scheduledTime: Self.slot, attempt: 2,
            message: "exit code 1", firedAt: Self.slot.addingTimeInterval(40))
        let receiver = Receiver(
            name: "ops", destination: testCase.slack ? .slack(url: url) : .webhook(url: url, headers: [:]))
        let request = try Delivery(receiver: receiver, content: .alert(alert))
            .request(at: Self.slot.addingTimeInterval(41), firingFor: .seconds(300))
        let transport = CountingAlertTransport()
        let response = try await transport.send(request, timeout: .seconds(1))
        #expect(response.status == testCase.status)
        #expect(transport.deliveries == testCase.counted)
        #expect(transport.unreadable.count == testCase.unreadable)
    }
}
