import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Testing

/// Leader election over a real coordination.k8s.io/v1 Lease served by KubeSim over HTTP.
@Suite struct KubeLeaseLockTests {
    let timeline = LeadershipTimeline()

    func lease(_ cluster: SimCluster) async throws -> Lease {
        try await cluster.client.resource(Lease.self, namespace: "default").get("punctual-test")
    }

    /// Lets the leader renew `count` times, one retry period at a time, and waits after each
    /// renewal until `standby` has seen it through its watch: over HTTP the event arrives some
    /// real milliseconds after the write, and virtual time must not move on before it did.
    func letLeaderRenew(_ count: Int, in cluster: SimCluster, watchedBy standby: LeaderElector) async throws {
        for _ in 0..<count {
            let before = try await lease(cluster).metadata.resourceVersion
            cluster.clock.advance(by: .seconds(2))
            var current: String?
            let renewed = try await eventually {
                current = try await lease(cluster).metadata.resourceVersion
                return current != before && standby.observedRecord?.resourceVersion == current
            }
            #expect(renewed, "the leader did not renew, or the standby did not see it")
        }
        #expect(standby.isWatchingLease)
    }

    @Test func standbyTakesOverAtExpiryWhenTheLeaderDies() async throws {
        try await SimCluster.with { cluster in
            let clock = cluster.clock
            let lockA = KubeLeaseLock(client: cluster.client, namespace: "default", name: "punctual-test")
            let lockB = KubeLeaseLock(client: cluster.client, namespace: "default", name: "punctual-test")
            let (electorA, taskA) = try startCandidate(
                name: "a", lock: lockA, clock: clock, timeline: timeline, releaseOnCancel: false
            )
            #expect(await eventually { electorA.isLeader })
            let (electorB, taskB) = try startCandidate(name: "b", lock: lockB, clock: clock, timeline: timeline)
            #expect(await eventually { electorB.observedHolder == "a" && electorB.isWatchingLease })

            try await letLeaderRenew(4, in: cluster, watchedBy: electorB)
            #expect(timeline.leading == ["a"])
            let renewal = try #require(try await lease(cluster).spec?.renewTime?.date)
            #expect(renewal == testEpoch.addingTimeInterval(8))

            // The leader dies without releasing: b waits out the lease on its own observation.
            taskA.cancel()
            _ = await taskA.result
            await run(clock, until: WallInstant(renewal.addingTimeInterval(14.9)))
            #expect(timeline.starts().count == 1)
            clock.advance(to: WallInstant(renewal.addingTimeInterval(15)))
            #expect(await eventually { timeline.leading == ["b"] })
            #expect(timeline.starts(of: "b").first?.at == renewal.addingTimeInterval(15))
            let record = try await lease(cluster)
            #expect(record.spec?.holderIdentity == "b")
            #expect(record.spec?.leaseTransitions == 1)
            #expect(record.spec?.leaseDurationSeconds == 15)

            // A graceful stop releases the lease for the next one at once.
            taskB.cancel()
            #expect(try await taskB.value == .stopped)
            let released = try await lease(cluster)
            #expect(released.spec?.holderIdentity == "")
            #expect(released.spec?.leaseDurationSeconds == 1)
        }
    }

    @Test func releasedLeaseIsTakenOverImmediately() async throws {
        try await SimCluster.with { cluster in
            let clock = cluster.clock
            let (electorA, taskA) = try startCandidate(
                name: "a",
                lock: KubeLeaseLock(client: cluster.client, namespace: "default", name: "punctual-test"),
                clock: clock,
                timeline: timeline
            )
            #expect(await eventually { electorA.isLeader })
            let (electorB, taskB) = try startCandidate(
                name: "b",
                lock: KubeLeaseLock(client: cluster.client, namespace: "default", name: "punctual-test"),
                clock: clock,
                timeline: timeline
            )
            #expect(await eventually { electorB.observedHolder == "a" && electorB.isWatchingLease })
            try await letLeaderRenew(2, in: cluster, watchedBy: electorB)
            let releasedAt = clock.currentDate

            taskA.cancel()
            #expect(try await taskA.value == .stopped)
            #expect(await eventually { timeline.leading == ["b"] })
            #expect(timeline.starts(of: "b").first?.at == releasedAt)
            #expect(try await lease(cluster).spec?.holderIdentity == "b")
            taskB.cancel()
            _ = await taskB.result
        }
    }

    @Test func staleWriteIsAConflict() async throws {
        try await SimCluster.with { cluster in
            let lock = KubeLeaseLock(client: cluster.client, namespace: "default", name: "punctual-test")
            #expect(try await lock.get() == nil)
            let record = LeaderElectionRecord(holderIdentity: "a", leaseDurationSeconds: 15, renewTime: testEpoch)
            let created = try await lock.create(record)
            await #expect(throws: LeaseLockError.self) { try await lock.create(record) }
            var renewal = record
            renewal.renewTime = testEpoch.addingTimeInterval(2)
            let renewed = try await lock.update(renewal, resourceVersion: created.resourceVersion)
            #expect(renewed.resourceVersion != created.resourceVersion)
            #expect(renewed.record == renewal)
            #expect(try await lock.get() == renewed)
            do {
                renewal.renewTime = testEpoch.addingTimeInterval(4)
                _ = try await lock.update(renewal, resourceVersion: created.resourceVersion)
                Issue.record("a write against a stale resourceVersion succeeded")
            } catch let error as LeaseLockError {
                #expect(error.code == .conflict)
            }
        }
    }
}
