import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Logging
import MetricsTestKit
import PunctualController
import ServiceLifecycle
import Testing

/// The real controller over HTTP against KubeSim with the simulated Job runtime, in virtual time.
@Suite(.serialized) struct ControllerIntegrationTests {
    /// 2026-01-01T00:00:30Z: half a minute before a minutely slot.
    static let start = Date(timeIntervalSince1970: 1_767_225_630)
    static let firstSlot = Date(timeIntervalSince1970: 1_767_225_660)

    static func slot(_ index: Int) -> Date { firstSlot.addingTimeInterval(Double(index) * 60) }

    @Test func minutelyTaskCreatesOneJobPerSlotAndStatusFollows() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(minutelyTask("tick"))
            let metrics = TestMetrics()
            let controller = world.controller(metrics: metrics)
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await controller.run() }
                try await world.eventually("the informers synced") { controller.hasSynced }
                // Virtual time stops at each slot until its Job exists, so the measured skew is the
                // controller's, not how far the test's clock ran ahead of a busy machine.
                for index in 0..<3 {
                    let untilSlot = Self.slot(index).timeIntervalSince(world.clock.currentDate)
                    try await world.advance(by: .milliseconds(Int64(untilSlot * 1000)))
                    try await world.eventually("the Job of slot \(index) exists") {
                        try world.jobs().count == index + 1
                    }
                }
                // The runs take 5 s; the next slot is 60 s away.
                try await world.advance(by: .seconds(30))
                try await world.eventually("three Jobs and their runs in status") {
                    let status = try world.task("tick").status
                    let succeeded = (status?.runs ?? []).filter { $0.phase == .succeeded }
                    return try world.jobs().count == 3 && succeeded.count == 3
                }
                let names = try world.jobs().compactMap(\.metadata.name)
                let expected = (0..<3).map { JobNaming.name(task: "tick", slot: Self.slot($0)) }
                #expect(names == expected)
                let status = try world.task("tick").status
                #expect(status?.lastScheduleTime == Self.slot(2))
                #expect(status?.nextScheduleTime == Self.slot(3))
                #expect(status?.observedGeneration == 1)
                let succeeded = try metrics.expectCounter(ControllerMetrics.runsName, [("result", "Succeeded")])
                #expect(succeeded.totalValue == 3)
                let skews = try metrics.expectTimer(ControllerMetrics.jobCreationSkewName).values
                #expect(skews.count == 3)
                // Measured when the create returns; the clock waited at the slot for it.
                #expect(skews.allSatisfy { $0 < 5_000_000_000 }, "created on time for each slot: \(skews)")
                #expect(try metrics.expectTimer(ControllerMetrics.runStartSkewName).values.count == 3)
                group.cancelAll()
            }
        }
    }

    @Test func twoControllersAtOnceNeverDoubleASlot() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(minutelyTask("split", guarantee: "OnceMost"))
            let first = world.controller(identity: "a")
            let second = world.controller(identity: "b")
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await first.run() }
                group.addTask { try await second.run() }
                try await world.eventually("both synced") { first.hasSynced && second.hasSynced }
                try await world.advance(by: .seconds(3 * 60))
                try await world.eventually("three runs succeeded") {
                    (try world.task("split").status?.runs ?? []).filter { $0.phase == .succeeded }.count == 3
                }
                let jobs = try world.jobs()
                #expect(jobs.count == 3)
                let slots = jobs.compactMap { $0.metadata.annotations?[ScheduledTask.scheduledTimeAnnotation] }
                #expect(Set(slots).count == 3, "one Job per slot, got \(jobs.compactMap(\.metadata.name))")
                #expect(jobs.allSatisfy { $0.metadata.annotations?[ScheduledTask.attemptAnnotation] == "1" })
                group.cancelAll()
            }
        }
    }

    @Test func onlyTheLeaderReconcilesAndASuccessorContinues() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(minutelyTask("relay", guarantee: "OnceOnly"))
            // A long lease: virtual time moves in 1 s steps whatever the machine's load, and with
            // client-go's 10 s renew deadline a starved leader could lose its lease mid-test; the
            // hand-over checked here is the graceful one, which must not wait for any expiry.
            func elector(_ identity: String) throws -> LeaderElector {
                try world.elector(identity: identity, leaseDuration: .seconds(60), renewDeadline: .seconds(40))
            }
            let first = world.controller(elector: try elector("first"), identity: "first")
            let second = world.controller(elector: try elector("second"), identity: "second")
            let (secondMayStart, startSecond) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { outer async throws in
                outer.addTask {
                    for await _ in secondMayStart { break }
                    try await second.run()
                }
                try await withThrowingTaskGroup(of: Void.self) { inner async throws in
                    inner.addTask { try await first.run() }
                    try await world.eventually("the first controller leads") { first.isLeading }
                    startSecond.yield()
                    try await world.eventually("the second controller stands by") { second.hasSynced }
                    #expect(!second.isLeading)
                    try await world.advance(by: .seconds(2 * 60))
                    try await world.eventually("two slots ran") { try world.jobs().count == 2 }
                    // Graceful stop of the leader: it releases the Lease.
                    inner.cancelAll()
                }
                // The released Lease lets the standby in at its next attempt, long before the 60 s
                // lease would expire. Virtual time moves a little meanwhile: on a loaded machine an
                // attempt can meet the release's own write and wait the 2 s retry period.
                var waited = Duration.zero
                while !second.isLeading && waited < .seconds(5) {
                    try await world.advance(by: .milliseconds(250))
                    waited += .milliseconds(250)
                }
                try await world.eventually("the standby took over") { second.isLeading }
                try await world.advance(by: .seconds(2 * 60))
                try await world.eventually("four slots succeeded") {
                    (try world.task("relay").status?.runs ?? []).filter { $0.phase == .succeeded }.count == 4
                }
                let runs = (try world.task("relay").status?.runs ?? []).filter { $0.phase == .succeeded }
                #expect(runs.map(\.scheduledTime) == (0..<4).map { Self.slot($0) })
                #expect(runs.map(\.job) == (0..<4).map { JobNaming.name(task: "relay", slot: Self.slot($0)) })
                // The default successfulJobsLimit (3) prunes the oldest Job, once a stored status
                // records the fourth outcome: at the reconcile after that status write.
                try await world.eventually("the oldest Job was pruned") { try world.jobs().count == 3 }
                #expect(
                    try world.jobs().compactMap(\.metadata.name).sorted()
                        == (1..<4).map {
                            JobNaming.name(task: "relay", slot: Self.slot($0))
                        }.sorted())
                outer.cancelAll()
            }
        }
    }

    @Test func leaderKilledBetweenJobCreateAndStatusWrite() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(minutelyTask("crash", guarantee: "OnceOnly", runSeconds: 30))
            // Every status write of the first controller fails: it dies with the Job created
            // and nothing recorded.
            world.server.faults.fail(.init(verb: "patch", resource: "scheduledtasks", count: 1_000, code: 500))
            let doomed = world.controller(identity: "doomed")
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await doomed.run() }
                try await world.eventually("synced") { doomed.hasSynced }
                try await world.advance(by: .seconds(35))
                try await world.eventually("the first Job exists") { try world.jobs().count == 1 }
                group.cancelAll()
            }
            #expect(try world.task("crash").status?.active == nil)
            world.server.faults.reset()
            let successor = world.controller(identity: "successor")
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await successor.run() }
                try await world.eventually("synced") { successor.hasSynced }
                try await world.eventually("the successor adopted the run") {
                    let status = try world.task("crash").status
                    return status?.active?.first?.name == JobNaming.name(task: "crash", slot: Self.slot(0))
                        || (status?.runs ?? []).contains { $0.scheduledTime == Self.slot(0) }
                }
                try await world.advance(by: .seconds(40))
                try await world.eventually("the slot succeeded once") {
                    (try world.task("crash").status?.runs ?? []).contains {
                        $0.scheduledTime == Self.slot(0) && $0.phase == .succeeded
                    }
                }
                let jobs = try world.jobs().filter {
                    $0.metadata.annotations?[ScheduledTask.scheduledTimeAnnotation] == KubeTime.format(Self.slot(0))
                }
                #expect(jobs.count == 1, "neither doubled nor dropped: \(jobs.compactMap(\.metadata.name))")
                group.cancelAll()
            }
        }
    }

    @Test func pendingPodPastTheDeadlineIsMissed() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(
                minutelyTask(
                    "stuck", guarantee: "OnceMost", extra: ["startingDeadlineSeconds": 20],
                    podAnnotations: ["sim.punctual.dev/unschedulable": "true"]))
            let controller = world.controller()
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await controller.run() }
                try await world.eventually("synced") { controller.hasSynced }
                try await world.advance(by: .seconds(30 + 25))
                try await world.eventually("the slot is Missed and its Job deleted") {
                    let status = try world.task("stuck").status
                    let missed = (status?.runs ?? []).contains {
                        $0.scheduledTime == Self.slot(0) && $0.phase == .missed
                    }
                    let name = JobNaming.name(task: "stuck", slot: Self.slot(0))
                    let alive = try world.jobs().contains {
                        $0.metadata.name == name && $0.metadata.deletionTimestamp == nil
                    }
                    return missed && !alive
                }
                #expect(try world.task("stuck").status?.missedRuns == 1)
                group.cancelAll()
            }
        }
    }

    @Test func suspendedSlotsAreNeitherRunNorMissedAfterResume() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(minutelyTask("pause", guarantee: "OnceOnly", extra: ["catchUpWindowSeconds": 3600]))
            let controller = world.controller()
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await controller.run() }
                try await world.eventually("synced") { controller.hasSynced }
                try await world.advance(by: .seconds(60))
                try await world.eventually("the first slot ran") { try world.jobs().count == 1 }
                try setSuspend(true, world: world)
                try await world.eventually("Suspended is recorded") {
                    try world.task("pause").status?.conditions?.contains {
                        $0.type == "Suspended" && $0.status == "True"
                    }
                        ?? false
                }
                try await world.advance(by: .seconds(5 * 60), step: .seconds(5))
                #expect(try world.jobs().count == 1)
                try setSuspend(false, world: world)
                try await world.eventually("resumed") {
                    try world.task("pause").status?.conditions?.contains {
                        $0.type == "Suspended" && $0.status == "False"
                    }
                        ?? false
                }
                try await world.advance(by: .seconds(60))
                try await world.eventually("one new slot ran after the resume") { try world.jobs().count == 2 }
                try await world.settle()
                #expect(try world.jobs().count == 2)
                #expect((try world.task("pause").status?.missedRuns ?? 0) == 0)
                group.cancelAll()
            }
        }
    }

    private func setSuspend(_ suspend: Bool, world: ControllerWorld) throws {
        _ = try world.store.modify(
            GroupResource(group: "punctual.dev", resource: "scheduledtasks"), namespace: "default", name: "pause"
        ) { object in
            object.set(path: ["spec", "suspend"], to: .bool(suspend))
        }
    }
}

/// The controller as a `Service`: graceful shutdown (what SIGTERM triggers in `punctual
/// controller`) stops reconciling and releases the Lease so a standby takes over at once.
@Suite struct ControllerShutdownTests {
    @Test func gracefulShutdownReleasesTheLease() async throws {
        try await ControllerWorld.with(start: ControllerIntegrationTests.start) { world async throws in
            let controller = world.controller(elector: try world.elector(identity: "solo"), identity: "solo")
            var logger = Logger(label: "test.group")
            logger.logLevel = .critical
            let services = ServiceGroup(services: [controller], gracefulShutdownSignals: [], logger: logger)
            let leases = GroupResource(group: "coordination.k8s.io", resource: "leases")
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await services.run() }
                try await world.eventually("leading") { controller.isLeading }
                // Let one renewal cycle complete, so the shutdown does not race the acquisition.
                try await world.advance(by: .seconds(3))
                let held = try world.store.get(leases, namespace: "default", name: "punctual")
                #expect(held[path: ["spec", "holderIdentity"]] == "solo")
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
            }
            #expect(!controller.isLeading)
            let released = try world.store.get(leases, namespace: "default", name: "punctual")
            let holder = released[path: ["spec", "holderIdentity"]]?.stringValue
            #expect(holder == nil || holder == "", "released, got holder \(holder ?? "")")
        }
    }
}
