import Foundation
import KubeClient
import Logging
import MetricsTestKit
import ServiceLifecycle
import Testing

@testable import Alerting

/// Real HTTP: webhook, Slack and DingTalk posts through ``HTTPAlertTransport`` to a local listener.
@Suite("Delivery over HTTP to a local listener")
struct LocalReceiverTests {
    @Test("webhook, Slack and DingTalk posts arrive with their headers, bodies and signature")
    func posts() async throws {
        let receiver = RecordingReceiver()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [receiver.application()], gracefulShutdownSignals: [], logger: logger)
        let transport = HTTPAlertTransport(bodyLimit: 1024)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let base = "http://127.0.0.1:\(await receiver.waitUntilListening())"
            let delivery = AlertDelivery(
                configuration: .init(timeout: .seconds(5), maximumAttempts: 1), transport: transport,
                clock: SystemClock(), logger: logger, metricsFactory: TestMetrics())
            let targets: [Receiver] = [
                Receiver(
                    name: "hook",
                    destination: .webhook(
                        url: try #require(URL(string: "\(base)/hook")), headers: ["Authorization": "Bearer s3cret"])),
                Receiver(name: "chat", destination: .slack(url: try #require(URL(string: "\(base)/slack")))),
                Receiver(
                    name: "robot",
                    destination: .dingtalk(
                        url: try #require(URL(string: "\(base)/robot/send?access_token=tok")), signingSecret: "SECx")),
            ]
            for target in targets {
                let outcome = await delivery.deliver(Delivery(receiver: target, content: .alert(.fixture())))
                #expect(outcome == .sent(attempts: 1), "\(target)")
            }
            let big = Receiver(name: "big", destination: .slack(url: try #require(URL(string: "\(base)/big"))))
            let failed = await delivery.deliver(Delivery(receiver: big, content: .alert(.fixture())))
            guard case .failed(let error) = failed else {
                Issue.record("a 500 must fail, got \(String(describing: failed))")
                return
            }
            #expect(error.status == 500)
            #expect(error.detail.count <= 201, "the response body is read with a cap")

            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try await transport.shutdown()

        let byPath = Dictionary(receiver.requests.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let hook = try #require(byPath["/hook"])
        #expect(hook.headers["authorization"] == "Bearer s3cret")
        #expect(hook.headers["content-type"] == "application/json")
        let webhook = try JSONSerialization.jsonObject(with: hook.body) as? [String: Any]
        #expect(webhook?["version"] as? String == "punctual.dev/v1")
        #expect(webhook?["kind"] as? String == "Failed")

        let slack = try #require(byPath["/slack"])
        let message = try JSONSerialization.jsonObject(with: slack.body) as? [String: Any]
        #expect((message?["text"] as? String)?.contains("batch/report") == true)
        #expect((message?["blocks"] as? [Any])?.count == 3)

        let robot = try #require(byPath["/robot/send"])
        #expect(robot.query["access_token"] == "tok")
        let timestamp = try #require(robot.query["timestamp"].flatMap { Int64($0) })
        // Hummingbird percent-decodes query values, so `sign` arrives as the Base64 text.
        #expect(robot.query["sign"] == DingTalkSigner.signature(timestampMilliseconds: timestamp, secret: "SECx"))
        let markdown = try JSONSerialization.jsonObject(with: robot.body) as? [String: Any]
        #expect(markdown?["msgtype"] as? String == "markdown")
    }
}
