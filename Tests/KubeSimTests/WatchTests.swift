import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// Watch streams: initial state, ordering, resume, 410, bookmarks, selectors, timeouts, faults.
@Suite struct WatchTests {
    @Test func watchFromZeroSendsCurrentStateThenChangesInOrder() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("b"))
            let watch = try await sim.http.watch(Fixtures.configMaps + "?watch=1&resourceVersion=0")
            defer { watch.close() }
            let initial = try await watch.next(2)
            #expect(initial.map(\.type) == [.added, .added])
            #expect(Set(initial.map(\.object.name)) == ["a", "b"])

            _ = try await sim.request(
                .PATCH, Fixtures.configMaps + "/a", body: ["data": ["k": "2"]],
                contentType: "application/merge-patch+json")
            _ = try await sim.request(.DELETE, Fixtures.configMaps + "/b")
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("c"))
            let changes = try await watch.next(3)
            #expect(changes.map(\.type) == [.modified, .deleted, .added])
            #expect(changes.map(\.object.name) == ["a", "b", "c"])
            let versions = changes.map(\.object.resourceVersion)
            #expect(versions == versions.sorted())
            #expect(changes[0].object["kind"] == "ConfigMap" && changes[0].object["apiVersion"] == "v1")
        }
    }

    @Test func resumingFromAResourceVersionReplaysWhatWasMissed() async throws {
        try await SimHarness.with { sim in
            let first = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body
            _ = try await sim.request(.POST, Fixtures.jobs, body: Fixtures.job("unrelated"))
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("b"))
            _ = try await sim.request(.DELETE, Fixtures.configMaps + "/a")
            let watch = try await sim.http.watch(
                Fixtures.configMaps + "?watch=true&resourceVersion=\(first.resourceVersion)")
            defer { watch.close() }
            let replayed = try await watch.next(2)
            #expect(replayed.map(\.type) == [.added, .deleted])
            #expect(replayed.map(\.object.name) == ["b", "a"])
        }
    }

    @Test func aResourceVersionOlderThanTheHistoryGetsAnExpiredErrorEvent() async throws {
        try await SimHarness.with(store: SimStore(clock: Fixtures.clock(), historyLimit: 3)) { sim in
            let first = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body
            for index in 0..<5 {
                _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("x\(index)"))
            }
            let watch = try await sim.http.watch(
                Fixtures.configMaps + "?watch=1&resourceVersion=\(first.resourceVersion)")
            let events = try await watch.next(1)
            #expect(events.first?.type == .error)
            #expect(events.first?.object["code"] == 410)
            #expect(events.first?.object["reason"] == "Expired")
            let rest = try await watch.untilEnd()
            #expect(rest.isEmpty)
        }
    }

    @Test func aResourceVersionFromTheFutureGetsATooLargeErrorEvent() async throws {
        try await SimHarness.with { sim in
            let future = sim.store.currentResourceVersion + 100
            let watch = try await sim.http.watch(Fixtures.configMaps + "?watch=1&resourceVersion=\(future)")
            let event = try await watch.next(1).first
            #expect(event?.type == .error && event?.object["code"] == 504)
            #expect(
                event?.object[path: ["details", "causes"]]?.arrayValue?.first?["reason"] == "ResourceVersionTooLarge")
        }
    }

    @Test func compactionMakesOldVersionsExpireAndRecentOnesStillWork() async throws {
        try await SimHarness.with { sim in
            let old = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a")).body
            sim.server.faults.compactHistory()
            let current = sim.store.currentResourceVersion
            let expired = try await sim.http.watch(
                Fixtures.configMaps + "?watch=1&resourceVersion=\(old.resourceVersion - 1)")
            #expect(try await expired.next(1).first?.object["code"] == 410)
            let fresh = try await sim.http.watch(Fixtures.configMaps + "?watch=1&resourceVersion=\(current)")
            defer { fresh.close() }
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("b"))
            #expect(try await fresh.next(1).map(\.object.name) == ["b"])
        }
    }

    @Test func bookmarksArriveOnTheClockOnlyWhenAllowed() async throws {
        let clock = Fixtures.clock()
        let configuration = APIServer.Configuration(bookmarkInterval: .seconds(30))
        try await SimHarness.with(clock: clock, configuration: configuration) { sim in
            let version = sim.store.currentResourceVersion
            let allowed = try await sim.http.watch(
                Fixtures.configMaps + "?watch=1&resourceVersion=\(version)&allowWatchBookmarks=true")
            let plain = try await sim.http.watch(Fixtures.configMaps + "?watch=1&resourceVersion=\(version)")
            defer {
                allowed.close()
                plain.close()
            }
            try await waitForSubscriptions(sim, count: 2)
            try await waitForSleepers(clock, count: 1)
            clock.advance(by: .seconds(30))
            let bookmark = try await allowed.next(1)
            #expect(bookmark.first?.type == .bookmark)
            #expect(bookmark.first?.object[path: ["metadata", "resourceVersion"]] == .string(String(version)))
            #expect(bookmark.first?.object["kind"] == "ConfigMap")
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            #expect(try await plain.next(1).map(\.type) == [.added])  // no bookmark before the change
        }
    }

    @Test func withoutABookmarkIntervalTheServerDoesNotSleepOnTheClock() async throws {
        let clock = Fixtures.clock()
        try await SimHarness.with(clock: clock, configuration: APIServer.Configuration(bookmarkInterval: nil)) { sim in
            _ = try await sim.request(.GET, "/version")
            #expect(clock.sleeperCount == 0)
        }
    }

    @Test func selectorsTurnMatchChangesIntoAddedAndDeleted() async throws {
        try await SimHarness.with { sim in
            let version = sim.store.currentResourceVersion
            let watch = try await sim.http.watch(
                Fixtures.configMaps + "?watch=1&labelSelector=app%3Dweb&resourceVersion=\(version)")
            defer { watch.close() }
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            let relabel: (String) -> JSONValue = { ["metadata": ["labels": ["app": .string($0)]]] }
            for app in ["web", "web", "db"] {
                _ = try await sim.request(
                    .PATCH, Fixtures.configMaps + "/a",
                    body: relabel(app).merging(app == "web" ? ["data": ["n": .string(UUID().uuidString)]] : [:]),
                    contentType: "application/merge-patch+json")
            }
            let events = try await watch.next(3)
            #expect(events.map(\.type) == [.added, .modified, .deleted])
            #expect(events[2].object.resourceVersion == sim.store.currentResourceVersion)
        }
    }

    @Test func timeoutSecondsEndsTheStreamOnTheSimulationClock() async throws {
        let clock = Fixtures.clock()
        try await SimHarness.with(clock: clock) { sim in
            let watch = try await sim.http.watch(Fixtures.configMaps + "?watch=1&resourceVersion=1&timeoutSeconds=60")
            try await waitForSleepers(clock, count: 2)  // the bookmark ticker and this watch's timeout
            clock.advance(by: .seconds(60))
            let rest = try await watch.untilEnd()
            #expect(rest.allSatisfy { $0.type == .added })
        }
    }

    @Test func theLegacyWatchPathWatchesOneObject() async throws {
        try await SimHarness.with { sim in
            let version = sim.store.currentResourceVersion
            let watch = try await sim.http.watch(
                "/api/v1/watch/namespaces/default/configmaps/b?resourceVersion=\(version)")
            defer { watch.close() }
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("b"))
            let events = try await watch.next(1)
            #expect(events.map(\.object.name) == ["b"])
        }
    }

    @Test func closeAllWatchesEndsEveryStream() async throws {
        try await SimHarness.with { sim in
            let first = try await sim.http.watch(Fixtures.configMaps + "?watch=1&resourceVersion=1")
            let second = try await sim.http.watch(Fixtures.jobs + "?watch=1")
            try await waitForSubscriptions(sim, count: 2)
            let reply = try await sim.request(.POST, "/sim/faults/close-watches")
            #expect(reply.status == 200)
            _ = try await first.untilEnd()
            _ = try await second.untilEnd()
            #expect(sim.store.subscriptionCount == 0)
        }
    }

    @Test func closeAllWatchesSparesFaultExemptObserversButShutdownEndsThem() async throws {
        let server = APIServer(clock: Fixtures.clock())
        let configMaps = GroupResource(group: "", resource: "configmaps")
        let watch = try server.store.subscribe(resources: [configMaps])
        let observer = try server.store.subscribe(resources: [configMaps], isFaultExempt: true)
        server.faults.closeAllWatches()
        server.faults.compactHistory()
        try server.store.create(configMaps, namespace: "default", object: Fixtures.configMap("after"))
        var watched: [String] = []
        for await event in watch.events { watched.append(event.object.name) }
        #expect(watched.isEmpty, "the ordinary subscription ended with the fault")
        #expect(server.store.subscriptionCount == 1)

        server.store.closeAllSubscriptions()
        var observed: [String] = []
        for await event in observer.events { observed.append(event.object.name) }
        #expect(observed == ["after"], "the exempt one saw the write after the fault, then ended with shutdown")
        #expect(server.store.subscriptionCount == 0)
    }

    @Test func aWatcherThatFallsBehindIsClosedWithoutBlockingWriters() async throws {
        let store = SimStore(clock: Fixtures.clock())
        let subscription = try store.subscribe(
            resources: [GroupResource(group: "", resource: "configmaps")], bufferLimit: 5)
        let configMaps = GroupResource(group: "", resource: "configmaps")
        for index in 0..<20 {
            try store.create(configMaps, namespace: "default", object: Fixtures.configMap("cm-\(index)"))
        }
        var received: [String] = []
        for await event in subscription.events { received.append(event.object.name) }
        #expect(received == (0..<5).map { "cm-\($0)" })
        #expect(store.subscriptionCount == 0)
    }

    @Test func sendInitialEventsEndsWithAnAnnotatedBookmark() async throws {
        try await SimHarness.with { sim in
            _ = try await sim.request(.POST, Fixtures.configMaps, body: Fixtures.configMap("a"))
            let watch = try await sim.http.watch(
                Fixtures.configMaps
                    + "?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")
            defer { watch.close() }
            let events = try await watch.next(2)
            #expect(events.map(\.type) == [.added, .bookmark])
            #expect(events[1].object[path: ["metadata", "annotations", "k8s.io/initial-events-end"]] == "true")
        }
    }

    // MARK: - Helpers

    private func waitForSubscriptions(_ sim: SimHarness, count: Int) async throws {
        for _ in 0..<500 where sim.store.subscriptionCount < count {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(sim.store.subscriptionCount >= count)
    }

    private func waitForSleepers(_ clock: ManualClock, count: Int) async throws {
        for _ in 0..<500 where clock.sleeperCount < count {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(clock.sleeperCount >= count)
    }
}

extension JSONValue {
    /// This object with the members of `other` added (test convenience).
    func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var left) = self, case .object(let right) = other else { return self }
        left.merge(right) { _, new in new }
        return .object(left)
    }
}
