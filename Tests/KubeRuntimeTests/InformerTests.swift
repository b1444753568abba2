import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Logging
import MetricsTestKit
import PunctualTestSupport
import Synchronization
import Testing

/// Rebuilds the server state from handler notifications alone, and records every notification
/// that contradicts what it was told before (an update of an unknown object, a double add...).
final class NotificationMirror: Sendable {
    private struct State {
        var objects: [String: String] = [:]
        var violations: [String] = []
        var log: [String] = []
    }

    private let state = Mutex(State())

    var objects: [String: String] { state.withLock { $0.objects } }
    var violations: [String] { state.withLock { $0.violations } }
    var log: [String] { state.withLock { $0.log } }

    func clearLog() { state.withLock { $0.log.removeAll() } }

    var handler: Informer<ConfigMap>.Handler {
        Informer<ConfigMap>.Handler(
            onAdd: { object in self.apply("add", object, expectKnown: false, keep: true) },
            onUpdate: { _, new in self.apply("update", new, expectKnown: true, keep: true) },
            onDelete: { object in self.apply("delete", object, expectKnown: true, keep: false) }
        )
    }

    private func apply(_ kind: String, _ object: ConfigMap, expectKnown: Bool, keep: Bool) {
        let name = object.metadata.name ?? ""
        state.withLock { state in
            if (state.objects[name] != nil) != expectKnown { state.violations.append("\(kind) \(name)") }
            state.objects[name] = keep ? (object.metadata.resourceVersion ?? "") : nil
            state.log.append("\(kind) \(name)")
        }
    }
}

@Suite struct InformerTests {
    static let quietLogger: Logger = {
        var logger = Logger(label: "test.informer")
        logger.logLevel = .critical
        return logger
    }()

    static let backoff = Informer<ConfigMap>.Backoff(initial: .seconds(1), maximum: .seconds(4), jitter: 0.1)

    func makeInformer(
        _ cluster: SimCluster,
        labelSelector: String? = nil,
        metrics: TestMetrics = TestMetrics()
    ) -> Informer<ConfigMap> {
        Informer(
            client: cluster.configMaps,
            labelSelector: labelSelector,
            pageSize: 2,
            indexers: ["app": ObjectCache<ConfigMap>.labelIndex("app")],
            clock: cluster.clock,
            backoff: Self.backoff,
            logger: Self.quietLogger,
            metricsFactory: metrics
        )
    }

    /// Advances virtual time a second at a time (so backoffs elapse) until `condition` holds.
    func converge(_ cluster: SimCluster, _ condition: () async throws -> Bool) async rethrows -> Bool {
        try await eventually {
            if try await condition() { return true }
            cluster.clock.advance(by: .seconds(1))
            return false
        }
    }

    // MARK: - Recovery

    enum Fault: String, Sendable, CaseIterable {
        case droppedWatch = "watch dropped → resume from the last resourceVersion, no relist"
        case compaction = "watch down while history is compacted → 410 → relist with the missed changes"
        case tooManyRequests = "429 burst on reconnect → backoff, then resume"
        case serverErrors = "500 burst on list and watch after 410 → backoff, then relist"
    }

    @Test(arguments: Fault.allCases)
    func cacheEqualsServerStateAfterFault(_ fault: Fault) async throws {
        try await SimCluster.with { cluster in
            for index in 0..<5 {
                try await cluster.createConfigMap(
                    "cm-\(index)", labels: ["app": index.isMultiple(of: 2) ? "even" : "odd"])
            }
            let metrics = TestMetrics()
            let informer = makeInformer(cluster, metrics: metrics)
            let mirror = NotificationMirror()
            informer.addHandler(mirror.handler)
            let task = Task { await informer.run() }
            #expect(await eventually { informer.hasSynced })
            #expect(cacheState(informer.cache) == (try await cluster.serverState()))
            // Five objects in pages of two: the whole list landed before `hasSynced`.
            #expect(mirror.log.count == 5)
            mirror.clearLog()

            let faults = cluster.sim.server.faults
            // Keep the informer away from the server while things change.
            switch fault {
            case .droppedWatch:
                faults.closeAllWatches()
            case .compaction:
                faults.fail(.init(verb: "watch", resource: "configmaps", count: 1, code: 500))
                faults.closeAllWatches()
            case .tooManyRequests:
                faults.fail(.init(verb: "watch", resource: "configmaps", count: 4, code: 429))
                faults.closeAllWatches()
            case .serverErrors:
                faults.fail(.init(verb: "watch", resource: "configmaps", count: 1, code: 500))
                faults.closeAllWatches()
            }
            try await cluster.createConfigMap("cm-new", labels: ["app": "even"])
            try await cluster.updateConfigMap("cm-1", data: ["changed": "yes"])
            try await cluster.deleteConfigMap("cm-2")
            let expected = try await cluster.serverState()
            switch fault {
            case .droppedWatch, .tooManyRequests:
                break
            case .compaction:
                faults.compactHistory()
            case .serverErrors:
                faults.compactHistory()
                faults.fail(.init(verb: "list", resource: "configmaps", count: 3, code: 500))
            }

            // The cache is replaced first, then the handlers hear about it.
            #expect(await converge(cluster) { cacheState(informer.cache) == expected && mirror.objects == expected })
            #expect(mirror.violations.isEmpty)
            #expect(Set(mirror.log) == ["add cm-new", "update cm-1", "delete cm-2"])
            #expect(
                informer.cache.objects(in: "app", matching: "even").compactMap(\.metadata.name) == [
                    "cm-0", "cm-4", "cm-new",
                ])

            let dimensions = [("resource", "configmaps")]
            let relists = try metrics.expectCounter("informer_relists_total", dimensions).totalValue
            let restarts = try metrics.expectCounter("informer_watch_restarts_total", dimensions).totalValue
            switch fault {
            case .droppedWatch, .tooManyRequests: #expect(relists == 1)
            case .compaction, .serverErrors: #expect(relists >= 2)
            }
            #expect(restarts >= 1)
            task.cancel()
            _ = await task.result
        }
    }

    // MARK: - Filtering and robustness

    /// Found by the fault soak: a controller stopped before its caches synced never stopped.
    @Test func waitingForSyncEndsWhenTheWaiterIsCancelled() async throws {
        try await SimCluster.with { cluster in
            let informer = makeInformer(cluster)
            // Never run: it cannot sync, as when the API server has been unreachable all along.
            let waiter = Task { await informer.waitUntilSynced() }
            waiter.cancel()
            await waiter.value
            #expect(!informer.hasSynced)
        }
    }

    @Test func labelSelectorLimitsTheCache() async throws {
        try await SimCluster.with { cluster in
            try await cluster.createConfigMap("mine", labels: ["app.kubernetes.io/managed-by": "punctual"])
            try await cluster.createConfigMap("theirs", labels: ["app.kubernetes.io/managed-by": "helm"])
            let informer = makeInformer(cluster, labelSelector: "app.kubernetes.io/managed-by=punctual")
            let task = Task { await informer.run() }
            #expect(await eventually { informer.hasSynced })
            #expect(informer.cache.keys == ["default/mine"])

            try await cluster.createConfigMap("mine-too", labels: ["app.kubernetes.io/managed-by": "punctual"])
            try await cluster.createConfigMap("not-mine", labels: [:])
            #expect(await eventually { informer.cache.count == 2 })
            #expect(informer.cache.keys == ["default/mine", "default/mine-too"])
            task.cancel()
            _ = await task.result
        }
    }

    /// A transform (client-go's SetTransform) applies to listed and watched objects alike, before
    /// the cache and the handlers see them.
    @Test func transformTrimsListedAndWatchedObjects() async throws {
        try await SimCluster.with { cluster in
            try await cluster.createConfigMap("listed", labels: ["app": "a"], data: ["big": "payload"])
            let informer = Informer(
                client: cluster.configMaps, indexers: ["app": ObjectCache<ConfigMap>.labelIndex("app")],
                transform: { object in
                    var trimmed = object
                    trimmed.data = nil
                    return trimmed
                }, clock: cluster.clock, backoff: Self.backoff, logger: Self.quietLogger)
            let handed = Mutex<[String: [String: String]?]>([:])
            informer.addHandler(
                Informer<ConfigMap>.Handler(
                    onAdd: { object in handed.withLock { $0[object.metadata.name ?? ""] = object.data } },
                    onUpdate: { _, new in handed.withLock { $0[new.metadata.name ?? ""] = new.data } }))
            let task = Task { await informer.run() }
            #expect(await eventually { informer.hasSynced })
            try await cluster.createConfigMap("watched", labels: ["app": "a"], data: ["big": "payload"])
            try await cluster.updateConfigMap("listed", data: ["big": "changed"])
            let expected = try await cluster.serverState()
            #expect(await eventually { cacheState(informer.cache) == expected })

            // Metadata (keys, versions, labels and the index) is kept; the data is not.
            #expect(informer.cache.objects.map(\.data) == [nil, nil])
            #expect(
                informer.cache.objects(in: "app", matching: "a").compactMap(\.metadata.name) == ["listed", "watched"])
            #expect(handed.withLock { $0 }.count == 2)
            #expect(handed.withLock { $0.values.allSatisfy { $0 == nil } })
            task.cancel()
            _ = await task.result
        }
    }

    /// Omitted members are never parsed nor decoded, in listed and watched objects alike: a
    /// member that would not even decode does not cost the object its place in the cache.
    @Test func omittedMembersAreNeverDecoded() async throws {
        try await SimCluster.with { cluster in
            try await cluster.createConfigMap("listed", data: ["big": "payload"])
            let malformed: JSONValue = [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "odd", "namespace": "default"],
                "data": ["key": ["not": "a string"]],
            ]
            _ = try cluster.sim.store.create(
                GroupResource(group: "", resource: "configmaps"), namespace: "default", object: malformed)
            let informer = Informer(
                client: cluster.configMaps, pageSize: 1, omitting: OmittedFields([["data"]]), clock: cluster.clock,
                backoff: Self.backoff, logger: Self.quietLogger)
            let task = Task { await informer.run() }
            #expect(await eventually { informer.hasSynced })
            #expect(informer.cache.keys == ["default/listed", "default/odd"])
            try await cluster.createConfigMap("watched", data: ["big": "payload"])
            #expect(await eventually { informer.cache.count == 3 })
            #expect(informer.cache.objects.map(\.data) == [nil, nil, nil])
            task.cancel()
            _ = await task.result
        }
    }

    @Test func malformedObjectIsSkippedWithoutPoisoningTheRest() async throws {
        try await SimCluster.with { cluster in
            try await cluster.createConfigMap("good")
            let configMaps = GroupResource(group: "", resource: "configmaps")
            let malformed: JSONValue = [
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": "bad", "namespace": "default"],
                "data": ["key": ["not": "a string"]],
            ]
            _ = try cluster.sim.store.create(configMaps, namespace: "default", object: malformed)
            let informer = makeInformer(cluster)
            let task = Task { await informer.run() }
            #expect(await eventually { informer.hasSynced })
            #expect(informer.cache.keys == ["default/good"])

            var another = malformed
            another["metadata"] = ["name": "bad-too", "namespace": "default"]
            _ = try cluster.sim.store.create(configMaps, namespace: "default", object: another)
            try await cluster.createConfigMap("good-too")
            #expect(await eventually { informer.cache.count == 2 })
            #expect(informer.cache.keys == ["default/good", "default/good-too"])
            task.cancel()
            _ = await task.result
        }
    }

    @Test func cacheIndexesFollowUpdatesAndDeletes() {
        let cache = ObjectCache<ConfigMap>(indexers: [
            "owner": ObjectCache<ConfigMap>.ownerUIDIndex,
            "app": ObjectCache<ConfigMap>.labelIndex("app"),
        ])
        func configMap(_ name: String, app: String, owner: String?, version: String) -> ConfigMap {
            let owners = owner.map {
                [OwnerReference(apiVersion: "v1", kind: "Task", name: "t", uid: $0, controller: true)]
            }
            return ConfigMap(
                metadata: ObjectMeta(
                    name: name, namespace: "ns", resourceVersion: version, labels: ["app": app], ownerReferences: owners
                )
            )
        }
        cache.upsert(configMap("a", app: "x", owner: "uid-1", version: "1"))
        cache.upsert(configMap("b", app: "x", owner: "uid-1", version: "2"))
        cache.upsert(configMap("c", app: "y", owner: nil, version: "3"))
        #expect(cache.objects(in: "owner", matching: "uid-1").compactMap(\.metadata.name) == ["a", "b"])
        #expect(cache.objects(in: "app", matching: "x").compactMap(\.metadata.name) == ["a", "b"])

        // b moves to another app and owner; a goes away.
        cache.upsert(configMap("b", app: "y", owner: "uid-2", version: "4"))
        cache.remove(forKey: "ns/a")
        #expect(cache.objects(in: "owner", matching: "uid-1").isEmpty)
        #expect(cache.objects(in: "owner", matching: "uid-2").compactMap(\.metadata.name) == ["b"])
        #expect(cache.objects(in: "app", matching: "y").compactMap(\.metadata.name) == ["b", "c"])
        #expect(cache.objects(in: "unknown", matching: "y").isEmpty)
        #expect(cache.keys == ["ns/b", "ns/c"])

        // A relist replaces everything atomically and reports the difference.
        let delta = cache.replace(with: [
            configMap("c", app: "y", owner: nil, version: "9"), configMap("d", app: "x", owner: nil, version: "5"),
        ])
        #expect(delta.added.compactMap(\.metadata.name) == ["d"])
        #expect(delta.updated.map { $0.new.metadata.resourceVersion } == ["9"])
        #expect(delta.deleted.compactMap(\.metadata.name) == ["b"])
        #expect(cache.objects(in: "app", matching: "x").compactMap(\.metadata.name) == ["d"])
    }

    @Test func backoffGrowsWithJitterAndIsCapped() {
        let backoff = Informer<ConfigMap>.Backoff(initial: .seconds(1), maximum: .seconds(8), jitter: 0.5)
        var generator = SeededGenerator(seed: 3)
        let expectedBase: [Double] = [1, 2, 4, 8, 8, 8]
        for (index, base) in expectedBase.enumerated() {
            let delay = backoff.delay(afterFailures: index + 1, using: &generator).timeInterval
            #expect(delay >= base && delay < base * 1.5, "failure \(index + 1): \(delay)s for base \(base)s")
        }
    }
}
