import Foundation
import KubeClient
import Testing

@Suite struct WatchIntegrationTests {
    static func configMap(_ name: String, _ value: String) -> ConfigMap {
        ConfigMap(metadata: ObjectMeta(name: name, namespace: "default"), data: ["v": value])
    }

    /// Reads events until `count` arrived (bounded by the stream ending).
    static func take<T>(_ count: Int, from iterator: inout WatchStream<T>.AsyncIterator) async throws
        -> [WatchEvent<T>]
    {
        var events: [WatchEvent<T>] = []
        while events.count < count, let event = try await iterator.next() { events.append(event) }
        return events
    }

    static func summary(_ events: [WatchEvent<ConfigMap>]) -> [String] {
        events.map { event in
            switch event {
            case .added(let map): "ADDED \(map.metadata.name ?? "") \(map.data?["v"] ?? "")"
            case .modified(let map): "MODIFIED \(map.metadata.name ?? "") \(map.data?["v"] ?? "")"
            case .deleted(let map): "DELETED \(map.metadata.name ?? "")"
            case .bookmark: "BOOKMARK"
            }
        }
    }

    @Test func watchFromAListSeesChangesInOrderAndResumesAfterADrop() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            _ = try await maps.create(Self.configMap("before", "0"))
            let list = try await maps.list()

            var iterator = try await maps.watch(options: WatchOptions(resourceVersion: list.resourceVersion))
                .makeAsyncIterator()
            _ = try await maps.create(Self.configMap("a", "1"))
            _ = try await maps.patch("a", patch: .merge(["data": ["v": "2"]]))
            _ = try await maps.delete("a")
            let events = try await Self.take(3, from: &iterator)
            #expect(Self.summary(events) == ["ADDED a 1", "MODIFIED a 2", "DELETED a"])
            let lastVersion = try #require(events.last?.resourceVersion)

            // The server drops every watch: the stream ends without an error.
            sim.server.faults.closeAllWatches()
            #expect(try await iterator.next() == nil)

            // Changes made while no watch was open are seen when resuming from the last version.
            _ = try await maps.create(Self.configMap("b", "3"))
            var resumed = try await maps.watch(options: WatchOptions(resourceVersion: lastVersion)).makeAsyncIterator()
            #expect(Self.summary(try await Self.take(1, from: &resumed)) == ["ADDED b 3"])
        }
    }

    @Test func watchWithoutVersionStartsWithTheCurrentState() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            _ = try await maps.create(Self.configMap("x", "1"))
            _ = try await maps.create(Self.configMap("y", "1"))
            var iterator = try await maps.watch().makeAsyncIterator()
            #expect(Set(Self.summary(try await Self.take(2, from: &iterator))) == ["ADDED x 1", "ADDED y 1"])
        }
    }

    @Test func bookmarksCarryTheResourceVersion() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            let created = try await maps.create(Self.configMap("m", "1"))
            var iterator = try await maps.watch(
                options: WatchOptions(resourceVersion: created.metadata.resourceVersion, allowWatchBookmarks: true)
            ).makeAsyncIterator()
            // Bookmarks are sent on the server's clock.
            for _ in 0..<2_000 where sim.serverClock.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
            sim.serverClock.advance(by: .seconds(61))
            let events = try await Self.take(1, from: &iterator)
            guard case .bookmark(let version) = events.first else {
                Issue.record("expected a BOOKMARK, got \(events)")
                return
            }
            #expect(!version.isEmpty)
        }
    }

    @Test func tooOldResourceVersionIsGoneAfterCompaction() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            let first = try await maps.create(Self.configMap("old", "1"))
            _ = try await maps.patch("old", patch: .merge(["data": ["v": "2"]]))
            sim.server.faults.compactHistory()
            _ = try await maps.patch("old", patch: .merge(["data": ["v": "3"]]))
            // 410 may come as the HTTP answer or as an ERROR event: both must be `.gone`.
            do {
                var iterator = try await maps.watch(
                    options: WatchOptions(resourceVersion: first.metadata.resourceVersion)
                ).makeAsyncIterator()
                let events = try await Self.take(5, from: &iterator)
                Issue.record("expected 410 Gone, got \(events)")
            } catch let error as KubeError {
                #expect(error.isGone, "got \(error)")
                #expect(error.verb == .watch)
            }
        }
    }

    @Test func cancellingTheConsumerClosesTheWatch() async throws {
        try await ClientHarness.with { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            let stream = try await maps.watch()
            let consumer = Task {
                var count = 0
                for try await _ in stream { count += 1 }
                return count
            }
            try await Self.waitUntil("the watch is registered") { sim.server.store.subscriptionCount == 1 }
            consumer.cancel()
            switch await consumer.result {
            case .success(let count): #expect(count == 0)
            case .failure(let error): #expect(error is CancellationError, "got \(error)")
            }
            // The server notices a closed connection only when a write to it fails, which may
            // take a write or two after the close: keep changing objects until it has noticed.
            for index in 0..<50 where sim.server.store.subscriptionCount > 0 {
                _ = try await maps.create(Self.configMap("after-cancel-\(index)", "1"))
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(sim.server.store.subscriptionCount == 0, "the server saw the watch connection close")
        }
    }

    /// Polls `condition` every millisecond for at most two seconds of real time.
    static func waitUntil(_ what: Comment, _ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(1)) }
        try #require(condition(), what)
    }
}
