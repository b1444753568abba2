import Foundation
import KubeClient
import KubeSim
import PunctualController
import PunctualTestSupport
import Synchronization
import Testing

/// Priority tiers and pre-allocation with the real controller over HTTP against KubeSim, in
/// virtual time.
@Suite(.serialized) struct PreallocationIntegrationTests {
    /// 2026-01-01T00:00:30Z: half a minute before a minutely slot.
    static let start = Date(timeIntervalSince1970: 1_767_225_630)
    static let firstSlot = Date(timeIntervalSince1970: 1_767_225_660)

    /// A minutely task reserving its capacity `lead` seconds before each slot.
    static func reservingTask(_ name: String, tier: String = "critical", lead: Int = 10) -> JSONValue {
        minutelyTask(
            name, runSeconds: 20,
            extra: ["priority": ["tier": .string(tier), "preAllocate": ["leadSeconds": .int(Int64(lead))]]])
    }

    /// Tasks due at once in the dispatch-order test.
    static let taskCount = 1_000
    static let tasks = GroupResource(group: "punctual.dev", resource: "scheduledtasks")
    static let jobs = GroupResource(group: "batch", resource: "jobs")

    /// Waits (real time, bounded) until `condition` holds, checking every 250 ms, while virtual time
    /// moves on by 50 ms a check up to `until` (so the client's token bucket refills). Cheaper than
    /// ``ControllerWorld/eventually(_:within:_:)`` for conditions over 1,000 objects.
    static func poll(
        _ what: String, world: ControllerWorld, until: Date, within limit: Duration = .seconds(400),
        _ condition: () throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(250))
            if world.clock.currentDate < until { world.clock.advance(by: .milliseconds(50)) }
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    static func placeholders(_ world: ControllerWorld) throws -> [Pod] {
        try world.pods().filter { $0.metadata.labels?[PlaceholderBuilder.slotLabel] != nil }
    }

    @Test func placeholdersAppearAtSlotMinusLeadAndVanishAtTheSlot() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(Self.reservingTask("hold", lead: 10))
            let controller = world.controller()
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await controller.run() }
                try await world.eventually("the task was seen") { try world.task("hold").status != nil }
                // 00:00:30 → 00:00:49: still before slot − lead.
                try await world.advance(by: .seconds(19))
                #expect(try Self.placeholders(world).isEmpty, "no placeholder before slot − lead")
                try await world.advance(by: .seconds(1))
                try await world.eventually("the placeholder exists at slot − lead") {
                    try Self.placeholders(world).count == 1
                }
                let pod = try #require(try Self.placeholders(world).first)
                #expect(pod.metadata.name == JobNaming.name(task: "hold", slot: Self.firstSlot) + "-hold-0")
                #expect(pod.spec?.priorityClassName == PlaceholderBuilder.priorityClassName)
                #expect(pod.metadata.ownerReferences?.first?.kind == "ScheduledTask")
                try await world.eventually("status shows the reservation, placed") {
                    let reservation = try world.task("hold").status?.reservation
                    return reservation?.slot == Self.firstSlot && reservation?.phase == .reserved
                }
                #expect(try world.jobs().isEmpty)
                try await world.advance(by: .seconds(10))
                try await world.eventually("at the slot the Job exists and the placeholder is gone") {
                    try world.jobs().count == 1 && Self.placeholders(world).isEmpty
                }
                let job = try #require(try world.jobs().first)
                #expect(job.spec?.template.spec?.priorityClassName == "punctual-critical")
                // The next slot's window opens 50 s later, and closes again at that slot.
                try await world.advance(by: .seconds(50))
                try await world.eventually("the next slot's placeholder exists") {
                    try Self.placeholders(world).map(\.placeholderSlotText)
                        == [PlaceholderBuilder.slotLabelValue(Self.firstSlot.addingTimeInterval(60))]
                }
                try await world.advance(by: .seconds(10))
                try await world.eventually("the next placeholder is gone with its slot") {
                    try world.jobs().count == 2 && Self.placeholders(world).isEmpty
                }
                group.cancelAll()
            }
        }
    }

    @Test func aControllerCrashInTheReservationWindowLeavesNoOrphans() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(Self.reservingTask("orphan", lead: 20))
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                let doomed = world.controller(identity: "doomed")
                group.addTask { try await doomed.run() }
                try await world.eventually("the task was seen") { try world.task("orphan").status != nil }
                try await world.advance(by: .seconds(15))  // 00:00:45, inside the window
                try await world.eventually("the placeholder exists") { try Self.placeholders(world).count == 1 }
                // The controller dies without any chance to clean up.
                group.cancelAll()
                _ = try? await group.waitForAll()
            }
            // No controller at the slot: the placeholder outlives it.
            try await world.advance(by: .seconds(30), step: .seconds(30))
            #expect(try Self.placeholders(world).count == 1)
            let successor = world.controller(identity: "successor")
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await successor.run() }
                try await world.eventually("the successor deleted the orphan") {
                    try Self.placeholders(world).isEmpty
                }
                // The slot itself is not lost (Unlimited, no starting deadline): created late.
                try await world.eventually("the slot's Job exists") { try world.jobs().count == 1 }
                try await world.eventually("the reservation is cleared") {
                    try world.task("orphan").status?.reservation == nil
                }
                group.cancelAll()
            }
        }
    }

    @Test func aTemplateTheServerRejectsReleasesThePlaceholders() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(Self.reservingTask("edited", lead: 20))
            let controller = world.controller()
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await controller.run() }
                try await world.eventually("the task was seen") { try world.task("edited").status != nil }
                try await world.advance(by: .seconds(12))  // 00:00:42, inside the window
                try await world.eventually("the placeholder exists") { try Self.placeholders(world).count == 1 }
                // An edit the API server refuses for a Job: a container without an image.
                try world.store.modify(Self.tasks, namespace: "default", name: "edited") {
                    (object: inout JSONValue) throws(Status) in
                    object.set(
                        path: ["spec", "jobTemplate", "spec", "template", "spec", "containers"], to: [["name": "main"]])
                }
                try await world.eventually("InvalidSpec, and the placeholder released") {
                    let status = try world.task("edited").status
                    let rejected = status?.conditions?.contains { $0.reason == "JobRejected" } ?? false
                    return try rejected && status?.reservation == nil && Self.placeholders(world).isEmpty
                }
                group.cancelAll()
            }
        }
    }

    // MARK: - A full cluster

    /// 2026-01-01T00:00:00Z; the task's first slot is 00:05:00.
    static let midnight = Date(timeIntervalSince1970: 1_767_225_600)
    static let fullClusterSlot = midnight.addingTimeInterval(300)

    struct FullCluster: Sendable, CustomTestStringConvertible {
        let name: String
        let preAllocates: Bool
        var testDescription: String { name }
    }

    /// One 2-cpu node full of `low` Job pods that terminate gracefully in 10 minutes; an autoscaler
    /// that needs 90 s for a node; a critical OnceMost task needing 1 cpu at 00:05 with a 60 s
    /// starting deadline. With a 180 s lead its placeholder makes the autoscaler add a node in
    /// time; without, its pod preempts a `low` pod and waits for it past the deadline.
    @Test(
        arguments: [
            FullCluster(name: "with preAllocate: starts on time", preAllocates: true),
            FullCluster(name: "without preAllocate: Pending past its starting deadline, Missed", preAllocates: false),
        ])
    func criticalTaskInAFullCluster(_ row: FullCluster) async throws {
        let shape = SimNode(name: "pool", cpu: "2", memory: "4Gi")
        try await ControllerWorld.with(start: Self.midnight, nodes: [shape]) { world async throws in
            for index in 0..<2 {
                _ = try world.store.create(
                    GroupResource(group: "batch", resource: "jobs"), namespace: "default",
                    object: Self.lowJob("batch-\(index)"))
            }
            var priority: [String: JSONValue] = ["tier": "critical"]
            if row.preAllocates { priority["preAllocate"] = ["leadSeconds": 180] }
            var task = minutelyTask(
                "billing", guarantee: "OnceMost", runSeconds: 30,
                extra: ["schedule": "*/5 * * * *", "startingDeadlineSeconds": 60, "priority": .object(priority)])
            task.set(
                path: ["spec", "jobTemplate", "spec", "template", "spec", "containers"],
                to: [["name": "main", "image": "busybox:1.36", "resources": ["requests": ["cpu": "1"]]]])
            try world.createTask(task)
            var autoscaler = TestAutoscaler(provisioning: 90, shape: shape)
            let controller = world.controller()
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await controller.run() }
                try await world.eventually("the task was seen") { try world.task("billing").status != nil }
                // 00:00 → 00:04:50, then the reservation (if any) must be complete.
                try await Self.step(world, &autoscaler, until: Self.fullClusterSlot.addingTimeInterval(-10))
                let reservation = try world.task("billing").status?.reservation
                if row.preAllocates {
                    #expect(autoscaler.added.count == 1, "the placeholder brought a node")
                    #expect(reservation?.phase == .reserved)
                    #expect(reservation?.slot == Self.fullClusterSlot)
                } else {
                    #expect(autoscaler.added.isEmpty)
                    #expect(reservation == nil)
                }
                // To the slot; virtual time waits there until the run's Job exists, so a busy machine
                // cannot make the controller look late. Then past the starting deadline.
                try await Self.step(world, &autoscaler, until: Self.fullClusterSlot)
                try await world.eventually("the slot's Job is created") {
                    try world.jobs().contains { $0.metadata.labels?[ScheduledTask.taskLabel] == "billing" }
                }
                try await Self.step(world, &autoscaler, until: Self.fullClusterSlot.addingTimeInterval(75))
                try await world.eventually("the slot's outcome is recorded") {
                    let run = try world.task("billing").status?.runs?.first
                    return run?.phase == (row.preAllocates ? .running : .missed) || run?.phase == .succeeded
                }
                let run = try #require(try world.task("billing").status?.runs?.first)
                #expect(run.scheduledTime == Self.fullClusterSlot)
                if row.preAllocates {
                    let started = try #require(run.startTime)
                    #expect(started.timeIntervalSince(Self.fullClusterSlot) <= 3, "started on time: \(started)")
                    #expect(try Self.placeholders(world).isEmpty)
                } else {
                    #expect(run.phase == .missed)
                    #expect(try world.task("billing").status?.missedRuns == 1)
                }
                group.cancelAll()
            }
        }
    }

    /// A batch Job of tier `low` whose pod holds 1 cpu for hours and, when preempted, takes 10
    /// minutes to terminate (a graceful checkpoint).
    static func lowJob(_ name: String) -> JSONValue {
        [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": .string(name), "namespace": "default"],
            "spec": [
                "backoffLimit": 0,
                "template": [
                    "metadata": [
                        "annotations": [
                            "sim.punctual.dev/run-seconds": "36000", "sim.punctual.dev/termination-seconds": "600",
                        ]
                    ],
                    "spec": [
                        "restartPolicy": "Never", "priorityClassName": "punctual-low",
                        "containers": [
                            ["name": "work", "image": "busybox:1.36", "resources": ["requests": ["cpu": "1"]]]
                        ],
                    ],
                ],
            ],
        ]
    }

    /// Advances virtual time in 1 s steps until `end`, stepping the autoscaler after each.
    static func step(_ world: ControllerWorld, _ autoscaler: inout TestAutoscaler, until end: Date) async throws {
        while world.clock.currentDate < end {
            try await world.advance(by: .seconds(1))
            try autoscaler.step(store: world.store, now: world.clock.currentDate)
        }
    }

    @Test func manyTasksDueAtOnceAreCreatedInTierOrder() async throws {
        try await ControllerWorld.with(start: Self.start, simulatesJobs: false) { world async throws in
            let tiers = ScheduledTaskSpec.Priority.Tier.allCases
            var generator = SeededGenerator(seed: 1_000)
            let tasks = (0..<Self.taskCount).map { index in
                (name: "t\(String(1_000 + index).dropFirst())", tier: tiers[index % tiers.count])
            }
            .shuffled(using: &generator)
            let tierOf = Dictionary(uniqueKeysWithValues: tasks.map { ($0.name, $0.tier) })
            for task in tasks {
                try world.createTask(
                    minutelyTask(task.name, extra: ["priority": ["tier": .string(task.tier.rawValue)]]))
            }
            // One worker: the order of the creates is exactly the order the queue hands tasks out.
            // The decisions are timed so the slot comes only once the worker is idle: a reconcile
            // still running when the slot passes (one left from the status writes of the set-up)
            // would create its Job ahead of the queue, whatever its tier.
            let lastDecision = Mutex(ContinuousClock.now)
            let controller = world.controller(workers: 1) { observation in
                lastDecision.withLock { $0 = ContinuousClock.now }
                return Decision.plan(for: observation)
            }
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await controller.run() }
                try await Self.poll("every task was seen", world: world, until: Self.firstSlot.addingTimeInterval(-5)) {
                    try world.store.list(Self.tasks, options: .init(namespace: "default")).items
                        .allSatisfy { $0[path: ["status", "nextScheduleTime"]] != nil }
                }
                let giveUp = ContinuousClock.now.advanced(by: .seconds(60))
                while ContinuousClock.now < giveUp,
                    lastDecision.withLock({ $0 }).duration(to: ContinuousClock.now) < .milliseconds(300)
                {
                    try await world.settle()
                }
                world.clock.advance(by: .seconds(Self.firstSlot.timeIntervalSince(world.clock.currentDate)))
                try await Self.poll("every Job created", world: world, until: Self.firstSlot.addingTimeInterval(50)) {
                    try world.store.list(Self.jobs, options: .init(namespace: "default")).items.count == Self.taskCount
                }
                group.cancelAll()
            }
            let jobs = try world.jobs().sorted {
                Int($0.metadata.resourceVersion ?? "") ?? 0 < Int($1.metadata.resourceVersion ?? "") ?? 0
            }
            let ranks = jobs.map { job in tierOf[job.metadata.labels?[ScheduledTask.taskLabel] ?? ""]?.rank ?? -1 }
            #expect(!ranks.contains(-1))
            let inversions = zip(ranks, ranks.dropFirst()).filter { $0 < $1 }.count
            #expect(inversions == 0, "Jobs must be created critical first, then high, normal, low")
            #expect(ranks.first == 3 && ranks.last == 0)
            for job in jobs {
                let tier = tierOf[job.metadata.labels?[ScheduledTask.taskLabel] ?? ""]
                #expect(job.spec?.template.spec?.priorityClassName == tier?.priorityClassName)
            }
        }
    }
}

extension Pod {
    fileprivate var placeholderSlotText: String? { metadata.labels?[PlaceholderBuilder.slotLabel] }
}
