import Foundation
import KubeClient
import KubeSim
import Logging
import MetricsTestKit
import PunctualController
import Synchronization
import Testing

/// Concurrency policies, template rejection and downtime, end to end in virtual time.
@Suite(.serialized) struct ControllerPolicyTests {
    static let start = ControllerIntegrationTests.start

    static func slot(_ index: Int) -> Date { ControllerIntegrationTests.slot(index) }

    /// Runs one controller (deciding with `decide`) while `body` drives the world.
    func withController(
        _ world: ControllerWorld, decide: @escaping ScheduledTaskController.Decide = { Decision.plan(for: $0) },
        _ body: @Sendable (ScheduledTaskController) async throws -> Void
    ) async throws {
        let controller = world.controller(decide: decide)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await controller.run() }
            try await world.eventually("the informers synced") { controller.hasSynced }
            try await body(controller)
            group.cancelAll()
        }
    }

    func liveJobs(_ world: ControllerWorld) throws -> [Job] {
        try world.jobs().filter { $0.metadata.deletionTimestamp == nil }
    }

    @Test func templateRejectedByTheServerIsInvalidSpec() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            var task = minutelyTask("no-image")
            task.set(
                path: ["spec", "jobTemplate", "spec", "template", "spec", "containers"], to: [["name": "main"]])
            try world.createTask(task)
            try await withController(world) { _ in
                try await world.eventually("InvalidSpec from the dry run") {
                    try world.task("no-image").status?.conditions?.contains {
                        $0.type == "InvalidSpec" && $0.status == "True" && $0.reason == "JobRejected"
                    } ?? false
                }
                try await world.advance(by: .seconds(90))
                #expect(try world.jobs().isEmpty)
                let events = try world.store.list(GroupResource(group: "", resource: "events")).items
                #expect(events.contains { $0["reason"] == "InvalidSpec" && $0["type"] == "Warning" })
            }
            // A new leader takes the verdict from status: no second dry run for the same generation.
            let requests = RequestCounter()
            let (successor, client) = try world.controller(observedBy: requests, identity: "successor")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await successor.run() }
                try await world.eventually("the successor synced") { successor.hasSynced }
                try await world.advance(by: .seconds(90))
                group.cancelAll()
            }
            try await client.shutdown()
            #expect(requests.count(.create, "jobs") == 0, "the successor dry-ran or created the rejected Job")
            #expect(try world.task("no-image").status?.conditions?.first { $0.type == "InvalidSpec" }?.status == "True")
        }
    }

    @Test func queueDrainsHeldSlotsInOrder() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(
                minutelyTask(
                    "line", guarantee: "OnceOnly", policy: "Queue", runSeconds: 100,
                    extra: ["maxConcurrent": 1, "startingDeadlineSeconds": 900]))
            try await withController(world) { _ in
                try await world.advance(by: .seconds(30 + 4 * 60), step: .seconds(2))
                try await world.eventually("three slots started") { try world.jobs().count >= 3 }
                let jobs = try world.jobs()
                let bySlot = jobs.sorted {
                    ($0.metadata.annotations?[ScheduledTask.scheduledTimeAnnotation] ?? "")
                        < ($1.metadata.annotations?[ScheduledTask.scheduledTimeAnnotation] ?? "")
                }
                let created = bySlot.compactMap(\.metadata.creationTimestamp)
                #expect(created == created.sorted(), "slots start in slot order")
                #expect(
                    bySlot.prefix(3).compactMap(\.metadata.name)
                        == (0..<3).map { JobNaming.name(task: "line", slot: Self.slot($0)) })
                // One at a time: each later slot started only after the previous run ended (100 s).
                for (earlier, later) in zip(created, created.dropFirst()) {
                    #expect(later.timeIntervalSince(earlier) >= 100)
                }
            }
        }
    }

    struct DowntimeCase: CustomTestStringConvertible, Sendable {
        let name: String
        let guarantee: String
        let extra: [String: JSONValue]
        /// The slots (hours before the restart, rounded down to the hour) that get a Job.
        let expectedJobSlots: [Int]
        var testDescription: String { name }
    }

    static let downtimeCases: [DowntimeCase] = [
        DowntimeCase(
            name: "OnceMost: every slot Missed, none run late", guarantee: "OnceMost", extra: [:], expectedJobSlots: []),
        DowntimeCase(
            name: "OnceOnly: slots inside the catch-up window run late, oldest first", guarantee: "OnceOnly",
            extra: ["catchUpWindowSeconds": 7200], expectedJobSlots: [1, 0]),
        DowntimeCase(
            name: "Unlimited: only the latest missed slot", guarantee: "Unlimited", extra: [:], expectedJobSlots: [0]),
    ]

    @Test(arguments: downtimeCases)
    func sevenDaysOfDowntime(_ testCase: DowntimeCase) async throws {
        // Created at 00:00:30 with nobody running; the controller starts 7 days and 30 minutes later.
        try await ControllerWorld.with(start: Self.start) { world async throws in
            var task = minutelyTask("down", guarantee: testCase.guarantee, runSeconds: 5, extra: testCase.extra)
            task.set(path: ["spec", "schedule"], to: "0 * * * *")
            try world.createTask(task)
            world.clock.advance(by: .seconds(7 * 86_400 + 30 * 60))
            let latest = Date(timeIntervalSince1970: 1_767_225_600 + 7 * 86_400)
            let hourly = (0..<(7 * 24)).map { latest.addingTimeInterval(-3600 * Double($0)) }
            try await withController(world) { _ in
                try await world.eventually("the downtime is accounted for") {
                    let status = try world.task("down").status
                    let jobCount = try world.jobs().count
                    return status?.lastScheduleTime == latest
                        && (status?.missedRuns ?? 0) == Int64(hourly.count - testCase.expectedJobSlots.count)
                        && jobCount == testCase.expectedJobSlots.count
                }
                let slots = try world.jobs().compactMap {
                    $0.metadata.annotations?[ScheduledTask.scheduledTimeAnnotation].flatMap(KubeTime.parse)
                }
                #expect(Set(slots) == Set(testCase.expectedJobSlots.map { hourly[$0] }))
                try await world.advance(by: .seconds(20))
                #expect(try world.jobs().count == testCase.expectedJobSlots.count, "no further catch-up")
            }
        }
    }
}

/// Counts a client's requests by verb and resource.
final class RequestCounter: RequestObserver {
    private let counts = Mutex<[String: Int]>([:])

    func record(_ record: RequestRecord) {
        counts.withLock { $0["\(record.verb.rawValue) \(record.resource.plural)", default: 0] += 1 }
    }

    func count(_ verb: KubeVerb, _ resource: String) -> Int {
        counts.withLock { $0["\(verb.rawValue) \(resource)"] ?? 0 }
    }
}
