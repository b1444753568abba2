import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import PunctualController
import Testing

/// A leader that concludes a failed attempt and creates its retry, then dies before any status
/// write lands: the next leader must still find the retry and record it (the soak's "a finished
/// Job no status shows", retry Jobs `-r2` of Unlimited tasks).
@Suite(.serialized) struct RetryHandOverTests {
    /// 2026-01-01T00:00:30Z: half a minute before a minutely slot.
    static let start = Date(timeIntervalSince1970: 1_767_225_630)
    static let slot = Date(timeIntervalSince1970: 1_767_225_660)

    @Test func retryCreatedByALeaderWhoseStatusWasLostIsRecordedByTheNext() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            // Every run fails after 5 s (one pod, no pod retries); one retry at once; no failed Job
            // kept beyond open slots.
            var task = minutelyTask(
                "flaky", runSeconds: 5,
                extra: ["retry": ["maxFailureRetries": 1, "backoffSeconds": 0], "history": ["failedJobsLimit": 0]],
                podAnnotations: [PodBehavior.exitCodeKey: "1"])
            task.set(path: ["spec", "jobTemplate", "spec", "backoffLimit"], to: 0)
            try world.createTask(task)
            let retryName = JobNaming.name(task: "flaky", slot: Self.slot, attempt: 2)
            // No status write of the first leader lands: it dies with Jobs created and nothing recorded.
            world.server.faults.fail(.init(verb: "patch", resource: "scheduledtasks", count: 100_000, code: 500))
            let doomed = world.controller(identity: "doomed")
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await doomed.run() }
                try await world.eventually("synced") { doomed.hasSynced }
                // It dies as soon as the retry exists, before the retry finishes.
                var seconds = 0
                while try !world.jobs().contains(where: { $0.metadata.name == retryName }) && seconds < 60 {
                    try await world.advance(by: .seconds(1))
                    seconds += 1
                }
                group.cancelAll()
            }
            try #require(try world.jobs().contains { $0.metadata.name == retryName }, "the retry was never created")
            #expect(try world.task("flaky").status?.runs == nil)
            world.server.faults.reset()
            let successor = world.controller(identity: "successor")
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await successor.run() }
                try await world.eventually("synced") { successor.hasSynced }
                try await world.advance(by: .seconds(30))
                try await world.eventually("the retry is recorded") {
                    (try world.task("flaky").status?.runs ?? []).contains { $0.job == retryName && $0.phase.isFinished }
                }
                let runs = try world.task("flaky").status?.runs ?? []
                #expect(
                    runs.map { "\($0.attempt) \($0.phase.rawValue)" } == ["1 Failed", "2 Failed"],
                    "status of both attempts: \(runs)")
                group.cancelAll()
            }
        }
    }
}
