import AsyncHTTPClient
import Foundation
import KubeRuntime
import KubeSim
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct ProbeServerTests {
    // MARK: - Bind address

    struct AddressCase: CustomTestStringConvertible, Sendable {
        let name: String
        let flag: String
        let expected: ProbeBindAddress?
        var testDescription: String { name }
    }

    static let addressCases: [AddressCase] = [
        AddressCase(name: ":8080 → all interfaces", flag: ":8080", expected: .address(host: "0.0.0.0", port: 8080)),
        AddressCase(name: "host:0 → free port", flag: "127.0.0.1:0", expected: .address(host: "127.0.0.1", port: 0)),
        AddressCase(name: "bracketed IPv6", flag: "[::1]:9090", expected: .address(host: "::1", port: 9090)),
        AddressCase(name: "0 disables", flag: "0", expected: .disabled),
        AddressCase(name: "no port", flag: "localhost", expected: nil),
        AddressCase(name: "port out of range", flag: ":70000", expected: nil),
        AddressCase(name: "unbracketed IPv6", flag: "::1:8080", expected: nil),
    ]

    @Test(arguments: addressCases)
    func bindAddressFlag(_ testCase: AddressCase) {
        let parsed = try? ProbeBindAddress(parsing: testCase.flag)
        #expect(parsed == testCase.expected)
    }

    @Test func invalidBindAddressNamesTheFlagAndValue() {
        #expect(
            throws: ProbeServerError(
                message: "--metrics-bind-address \":x\": port must be a number in 0...65535, got \"x\""
            )
        ) {
            try ProbeBindAddress(parsing: ":x")
        }
    }

    // MARK: - Serving

    @Test func servesHealthReadinessAndMetricsOnAFreeLoopbackPort() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        let queue = WorkQueue<String>(name: "probe", clock: ManualClock(start: testEpoch), metricsFactory: factory)
        queue.add("default/a")

        let readiness = ReadinessChecks()
        let synced = SyncFlag()
        readiness.register("informers-synced") { synced.isSet }
        readiness.register("election-loop") { true }

        var logger = Logger(label: "test.probes")
        logger.logLevel = .critical
        let server = ProbeServer(
            bindAddress: .address(host: "127.0.0.1", port: 0),
            registry: registry,
            readiness: readiness,
            logger: logger
        )
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(await server.waitUntilListening())
            #expect(port > 0)
            let base = "http://127.0.0.1:\(port)"

            #expect(try await get("\(base)/healthz") == (200, "ok\n"))
            #expect(try await get("\(base)/readyz") == (503, "not ready: informers-synced\n"))
            synced.set()
            #expect(try await get("\(base)/readyz") == (200, "ok\n"))
            let metrics = try await get("\(base)/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("workqueue_adds_total{name=\"probe\"} 1"))
            #expect(metrics.body.contains("workqueue_depth{name=\"probe\"} 1"))
            #expect(try await get("\(base)/nope").status == 404)

            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func disabledServerWaitsForShutdownWithoutListening() async throws {
        let server = ProbeServer(
            bindAddress: .disabled, registry: PrometheusCollectorRegistry(), readiness: ReadinessChecks())
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(await server.waitUntilListening() == nil)
    }

    func get(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}

/// A flag a readiness check reads.
final class SyncFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
