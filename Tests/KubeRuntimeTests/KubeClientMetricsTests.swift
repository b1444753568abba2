import KubeClient
import KubeRuntime
import MetricsTestKit
import Testing

@Suite struct KubeClientMetricsTests {
    @Test func requestsAreCountedByVerbResourceAndCode() async throws {
        let metrics = TestMetrics()
        try await SimCluster.with(observer: KubeClientMetrics(metricsFactory: metrics)) { cluster in
            try await cluster.createConfigMap("a")
            _ = try await cluster.configMaps.get("a")
            _ = try await cluster.configMaps.get("a")
            await #expect(throws: KubeError.self) { try await cluster.configMaps.get("missing") }
        }
        func count(_ verb: String, _ code: String) throws -> Int64 {
            try metrics.expectCounter(
                "rest_client_requests_total",
                [("verb", verb), ("resource", "configmaps"), ("code", code)]
            ).totalValue
        }
        #expect(try count("create", "201") == 1)
        #expect(try count("get", "200") == 2)
        #expect(try count("get", "404") == 1)
        let timer = try metrics.expectTimer(
            "rest_client_request_duration_seconds",
            [("verb", "get"), ("resource", "configmaps")]
        )
        #expect(timer.values.count == 3)
    }
}
