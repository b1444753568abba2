import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Testing

// MARK: - The example: a complete controller written with KubeRuntime's pieces

/// Mirrors every ConfigMap of one namespace into another, and deletes mirrors whose source is
/// gone. Handlers only enqueue keys; the reconcile reads the cache and converges.
struct ConfigMapMirror: Sendable {
    let sources: Informer<ConfigMap>
    let mirrors: ResourceClient<ConfigMap>
    let queue: WorkQueue<String>

    init(client: KubeClient, from source: String, to target: String, clock: any WallClock) {
        sources = Informer(client: client.resource(ConfigMap.self, namespace: source), clock: clock)
        mirrors = client.resource(ConfigMap.self, namespace: target)
        queue = WorkQueue(name: "configmap-mirror", clock: clock)
    }

    func run() async {
        sources.addHandler(.enqueue { [queue] key in queue.add(key) })
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sources.run() }
            await sources.waitUntilSynced()
            await queue.runWorkers(2) { key in await reconcile(key) }
            group.cancelAll()
        }
    }

    func reconcile(_ key: String) async -> ReconcileResult {
        let name = String(key.split(separator: "/").last ?? "")
        do {
            guard let source = sources.cache.object(forKey: key) else {
                do { _ = try await mirrors.delete(name) } catch let error as KubeError where error.isNotFound {}
                return .done
            }
            var mirror = ConfigMap(metadata: ObjectMeta(name: name, namespace: mirrors.namespace), data: source.data)
            do {
                let existing = try await mirrors.get(name)
                guard existing.data != source.data else { return .done }
                mirror.metadata.resourceVersion = existing.metadata.resourceVersion
                _ = try await mirrors.update(mirror)
            } catch let error as KubeError where error.isNotFound {
                _ = try await mirrors.create(mirror)
            }
            return .done
        } catch {
            return .retry()
        }
    }
}

// MARK: - Its test

@Suite struct ExampleControllerTests {
    @Test func mirrorFollowsTheSourceNamespace() async throws {
        try await SimCluster.with { cluster in
            let source = cluster.client.resource(ConfigMap.self, namespace: "default")
            let target = cluster.client.resource(ConfigMap.self, namespace: "mirror")
            _ = try await cluster.client.resource(Namespace.self).create(
                Namespace(metadata: ObjectMeta(name: "mirror")))
            _ = try await source.create(ConfigMap(metadata: ObjectMeta(name: "a"), data: ["k": "1"]))
            _ = try await target.create(ConfigMap(metadata: ObjectMeta(name: "orphan"), data: [:]))

            let controller = ConfigMapMirror(
                client: cluster.client, from: "default", to: "mirror", clock: cluster.clock)
            let task = Task { await controller.run() }
            func mirrored() async throws -> [String: [String: String]] {
                let list = try await target.list()
                return Dictionary(uniqueKeysWithValues: list.items.map { ($0.metadata.name ?? "", $0.data ?? [:]) })
            }

            #expect(await eventually { (try? await mirrored()) == ["a": ["k": "1"], "orphan": [:]] })
            _ = try await source.create(ConfigMap(metadata: ObjectMeta(name: "b"), data: ["k": "2"]))
            var a = try await source.get("a")
            a.data = ["k": "changed"]
            _ = try await source.update(a)
            #expect(
                await eventually { (try? await mirrored()) == ["a": ["k": "changed"], "b": ["k": "2"], "orphan": [:]] })
            _ = try await source.delete("a")
            #expect(await eventually { (try? await mirrored()) == ["b": ["k": "2"], "orphan": [:]] })

            await controller.queue.shutDown(drain: true)
            await task.value
        }
    }
}
