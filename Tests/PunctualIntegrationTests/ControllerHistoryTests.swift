import Foundation
import KubeClient
import KubeSim
import PunctualController
import Synchronization
import Testing

/// History pruning, end to end in virtual time.
@Suite(.serialized) struct ControllerHistoryTests {
    static func slot(_ index: Int) -> Date { ControllerIntegrationTests.slot(index) }

    /// Regression: a Job beyond the history limit is pruned only once a stored status records
    /// its outcome. When the watch event of that status write came before the write's answer,
    /// the decision it brought still saw the status as unwritten and put the prune off, and
    /// nothing brought the task back before its next slot. The controller now decides again once
    /// the write lands. CI met this race once in the successor test of the integration suite.
    @Test func aJobBeyondTheLimitIsPrunedWhenTheStatusEventBeatsTheWriteAnswer() async throws {
        try await ControllerWorld.with(start: ControllerIntegrationTests.start) { world async throws in
            try world.createTask(minutelyTask("pruned", extra: ["history": ["successfulJobsLimit": 1]]))
            let slowAnswers = SlowStatusAnswers()
            let (controller, client) = try world.controller(observedBy: slowAnswers, identity: "test")
            // The client is shut down on failure too, or its deinit stops the test process.
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await controller.run() }
                    try await world.eventually("the informers synced") { controller.hasSynced }
                    // Two slots run to the end (5 s each); then virtual time stands still, well
                    // before the third slot.
                    try await world.advance(
                        by: .seconds(Int64(Self.slot(1).timeIntervalSince(world.clock.currentDate)) + 10))
                    try await world.eventually("both runs are recorded") {
                        (try world.task("pruned").status?.runs ?? []).filter { $0.phase == .succeeded }.count == 2
                    }
                    try await world.eventually("the first slot's Job was pruned", within: .seconds(10)) {
                        try world.jobs().compactMap(\.metadata.name) == [
                            JobNaming.name(task: "pruned", slot: Self.slot(1))
                        ]
                    }
                    #expect(slowAnswers.delayed > 0, "status write answers were held back")
                    group.cancelAll()
                }
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }
}

/// Holds back the answer of every status write (a PATCH of a ScheduledTask) for 300 ms of real
/// time, after the server stored it: its watch event reaches the controller's cache first.
final class SlowStatusAnswers: RequestObserver {
    private let count = Mutex(0)

    var delayed: Int { count.withLock { $0 } }

    func record(_ record: RequestRecord) {
        guard record.verb == .patch, record.resource.plural == "scheduledtasks", record.statusCode == 200 else {
            return
        }
        count.withLock { $0 += 1 }
        Thread.sleep(forTimeInterval: 0.3)
    }
}
