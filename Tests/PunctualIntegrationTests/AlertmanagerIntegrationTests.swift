import Alerting
import AsyncHTTPClient
import Foundation
import KubeClient
import KubeSim
import Logging
import MetricsTestKit
import NIOCore
import PunctualController
import PunctualTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A task fails in KubeSim and a real Alertmanager (Debian `prometheus-alertmanager`) shows the
/// alert firing with our labels; the task recovers and Alertmanager shows it resolved.
///
/// Alertmanager judges `endsAt` against its own (real) clock, so the virtual clock starts ten
/// minutes in the past: every `endsAt = now` of a resolution is then already over for
/// Alertmanager, while firing alerts get a TTL of hours. Virtual time still moves only when the
/// test says so.
@Suite(.serialized) struct AlertmanagerIntegrationTests {
    static let binary =
        ProcessInfo.processInfo.environment["PUNCTUAL_ALERTMANAGER"] ?? "/usr/bin/prometheus-alertmanager"

    @Test(
        "a failing task fires in Alertmanager with its labels and is resolved on recovery",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: binary),
            "needs Alertmanager: apt-get install -y prometheus-alertmanager (or set PUNCTUAL_ALERTMANAGER)"),
        .timeLimit(.minutes(1)))
    func firesAndResolves() async throws {
        let process = try await AlertmanagerProcess.start(binary: Self.binary)
        let alertmanager = process.api
        // Half a minute before a minutely slot, ten minutes behind the real clock.
        let lagging = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 570)
        do {
            try await ControllerWorld.with(start: lagging) { world async throws in
                let receivers: JSONValue = [["name": "am", "alertmanager": ["url": .string(alertmanager.baseURL)]]]
                try world.createTask(
                    minutelyTask(
                        // OnceMost: backoffLimit 0, so the first pod failure fails the Job.
                        "nightly", guarantee: "OnceMost", runSeconds: 5, extra: ["alerting": ["receivers": receivers]],
                        podAnnotations: ["sim.punctual.dev/exit-code": "3", "sim.punctual.dev/exit-message": "db down"])
                )
                var logger = Logger(label: "test.alerts")
                logger.logLevel = .critical
                let transport = HTTPAlertTransport()
                let dispatcher = AlertDispatcher(
                    client: world.client,
                    delivery: AlertDelivery(
                        configuration: .init(timeout: .seconds(5), firingTTL: .seconds(7200)), transport: transport,
                        clock: world.clock, logger: logger, metricsFactory: TestMetrics()),
                    events: EventRecorder(client: world.client, clock: world.clock), clock: world.clock, logger: logger)
                let controller = ScheduledTaskController(
                    client: world.client, clock: world.clock, configuration: .init(workers: 2),
                    decide: { Decision.plan(for: $0) }, metricsFactory: TestMetrics(), logger: logger,
                    alertSink: dispatcher.sink)
                dispatcher.follow(controller)

                do {
                    try await withThrowingTaskGroup(of: Void.self) { group async throws in
                        group.addTask { try await controller.run() }
                        group.addTask { try await dispatcher.run() }
                        try await world.eventually("the informers synced") { controller.hasSynced }
                        try await world.advance(by: .seconds(40))
                        let firing = try await alertmanager.eventuallyAlerts("the Failed alert fires") { !$0.isEmpty }
                        #expect(firing.count == 1)
                        let alert = try #require(firing.first)
                        #expect(
                            alert.labels == [
                                "alertname": "ScheduledTaskFailed", "namespace": "default", "scheduledtask": "nightly",
                                "kind": "Failed", "severity": "warning",
                            ])
                        #expect(alert.state == "active")
                        // The details depend on whether the pod's termination was seen before the Job's
                        // condition; the run's identity does not.
                        #expect(alert.annotations["summary"]?.hasPrefix("ScheduledTask default/nightly, slot ") == true)
                        #expect(alert.annotations["job"]?.hasPrefix("nightly-") == true, "\(alert.annotations)")

                        // The fix: the next run succeeds, the task recovers, the alert is resolved.
                        _ = try await world.client.dynamic(ScheduledTask.resourceType, namespace: "default").patch(
                            "nightly",
                            patch: .merge([
                                "spec": [
                                    "jobTemplate": [
                                        "spec": [
                                            "template": [
                                                "metadata": ["annotations": ["sim.punctual.dev/exit-code": "0"]]
                                            ]
                                        ]
                                    ]
                                ]
                            ]))
                        try await world.advance(by: .seconds(60))
                        _ = try await alertmanager.eventuallyAlerts("the alert is resolved") { $0.isEmpty }
                        let ledger = AlertLedger(annotations: try world.task("nightly").metadata.annotations)
                        #expect(ledger.firing.isEmpty)
                        #expect(ledger.entries.map(\.state) == [.sent, .sent])
                        group.cancelAll()
                    }
                } catch {
                    try? await transport.shutdown()
                    throw error
                }
                try await transport.shutdown()
            }
        } catch {
            await process.stop()
            throw error
        }
        await process.stop()
    }
}

/// A real Alertmanager on 127.0.0.1 with a temporary config and storage, gossip disabled.
final class AlertmanagerProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let api: AlertmanagerAPI
    private let process: Process
    private let directory: URL

    private init(api: AlertmanagerAPI, process: Process, directory: URL) {
        self.api = api
        self.process = process
        self.directory = directory
    }

    static func start(binary: String) async throws -> AlertmanagerProcess {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("punctual-alertmanager-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("alertmanager.yml")
        try Data("route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n".utf8).write(to: config)
        let port = try LoopbackPort.free()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(config.path)", "--storage.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let started = AlertmanagerProcess(
            api: AlertmanagerAPI(baseURL: "http://127.0.0.1:\(port)"), process: process, directory: directory)
        do {
            try await started.waitUntilReady()
        } catch {
            await started.stop()
            throw error
        }
        return started
    }

    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw Failure(description: "alertmanager exited at start") }
            if let response = try? await api.get("/-/ready"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "alertmanager did not become ready within 20 s")
    }

    /// Stops the process (SIGTERM, then SIGKILL after 5 s) and removes its files. Waits with
    /// `Task.sleep`, so no thread of the shared pool is held meanwhile.
    func stop() async {
        if process.isRunning {
            process.terminate()
            let deadline = ContinuousClock.now.advanced(by: .seconds(5))
            while process.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Alertmanager's own API, as the test reads it.
struct AlertmanagerAPI: Sendable {
    struct ListedAlert: Sendable {
        var labels: [String: String]
        var annotations: [String: String]
        var state: String
    }

    let baseURL: String

    /// The alerts of task `nightly` Alertmanager lists (active ones; resolved ones are not listed).
    func alerts() async throws -> [ListedAlert] {
        let response = try await get("/api/v2/alerts?filter=scheduledtask%3D%22nightly%22")
        guard response.status == 200,
            let list = try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]]
        else { throw AlertmanagerProcess.Failure(description: "GET /api/v2/alerts answered \(response.status)") }
        return list.map { item in
            ListedAlert(
                labels: item["labels"] as? [String: String] ?? [:],
                annotations: item["annotations"] as? [String: String] ?? [:],
                state: (item["status"] as? [String: Any])?["state"] as? String ?? "")
        }
    }

    /// Polls (real time, bounded) until the listed alerts satisfy `condition`.
    func eventuallyAlerts(
        _ what: String, within limit: Duration = .seconds(15), _ condition: ([ListedAlert]) -> Bool
    ) async throws -> [ListedAlert] {
        let deadline = ContinuousClock.now.advanced(by: limit)
        var last: [ListedAlert] = []
        while ContinuousClock.now < deadline {
            last = try await alerts()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw AlertmanagerProcess.Failure(description: "timed out waiting until \(what); Alertmanager lists \(last)")
    }

    func get(_ path: String) async throws -> (status: Int, body: Data) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: baseURL + path), timeout: .seconds(2))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Data(body.readableBytesView))
    }
}
