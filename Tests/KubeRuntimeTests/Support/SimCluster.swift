import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Logging
import MetricsTestKit
import PunctualTestSupport

/// A KubeSim server on a loopback port with a typed client pointed at it, on a manual clock.
///
/// The client does not retry (so injected 429/500 bursts reach the informer's own backoff)
/// and is not rate limited in practice.
struct SimCluster {
    let sim: SimHarness
    let client: KubeClient
    let clock: ManualClock

    /// Starts a server and a client, runs `body`, and stops both whatever happens.
    static func with<T: Sendable>(
        clock: ManualClock = ManualClock(start: testEpoch),
        observer: (any RequestObserver)? = nil,
        _ body: (SimCluster) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "test.kubeclient")
        logger.logLevel = .critical
        let configure: (inout ClientConfiguration) -> Void = { configuration in
            configuration.requestTimeout = .seconds(10)
            configuration.qps = 100_000
            configuration.burst = 100_000
            configuration.retryPolicy = .never
        }
        return try await SimHarness.withClient(
            clock: clock, configure: configure, observer: observer, logger: logger
        ) { sim, client in
            try await body(SimCluster(sim: sim, client: client, clock: clock))
        }
    }

    var configMaps: ResourceClient<ConfigMap> { client.resource(ConfigMap.self, namespace: "default") }

    /// `name → resourceVersion` of the ConfigMaps the server holds, read over HTTP.
    func serverState(labelSelector: String? = nil) async throws -> [String: String] {
        let list = try await configMaps.list(options: ListOptions(labelSelector: labelSelector))
        return Dictionary(
            uniqueKeysWithValues: list.items.map { ($0.metadata.name ?? "", $0.metadata.resourceVersion ?? "") })
    }

    @discardableResult
    func createConfigMap(_ name: String, labels: [String: String]? = nil, data: [String: String] = [:]) async throws
        -> ConfigMap
    {
        try await configMaps.create(
            ConfigMap(metadata: ObjectMeta(name: name, namespace: "default", labels: labels), data: data)
        )
    }

    func updateConfigMap(_ name: String, data: [String: String]) async throws {
        var object = try await configMaps.get(name)
        object.data = data
        _ = try await configMaps.update(object)
    }

    func deleteConfigMap(_ name: String) async throws {
        _ = try await configMaps.delete(name)
    }
}

/// `name → resourceVersion` of the objects an informer cached.
func cacheState<Object: KubeResource>(_ cache: ObjectCache<Object>) -> [String: String] {
    Dictionary(uniqueKeysWithValues: cache.objects.map { ($0.metadata.name ?? "", $0.metadata.resourceVersion ?? "") })
}
