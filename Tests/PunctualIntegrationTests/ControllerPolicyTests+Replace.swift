import Foundation
import KubeClient
import KubeSim
import PunctualController
import Synchronization
import Testing

// MARK: - Replace, end to end

extension ControllerPolicyTests {
    @Test func replaceDeletesTheRunningJobAndStartsTheNewSlot() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(minutelyTask("swap", policy: "Replace", runSeconds: 600))
            let first = JobNaming.name(task: "swap", slot: Self.slot(0))
            let second = JobNaming.name(task: "swap", slot: Self.slot(1))
            try await withController(world) { _ in
                try await world.advance(by: .seconds(35))
                try await world.eventually("the first run is active") {
                    try liveJobs(world).compactMap(\.metadata.name) == [first]
                }
                try await world.advance(by: .seconds(60))
                try await world.eventually("the second slot replaced the first") {
                    try liveJobs(world).compactMap(\.metadata.name) == [second]
                }
                try await world.eventually("status records the first run Replaced once its Job is gone") {
                    let status = try world.task("swap").status
                    let run = status?.runs?.first { $0.job == first }
                    return run?.phase == .failed && run?.reason == "Replaced"
                        && status?.active?.map(\.name) == [second]
                }
            }
        }
    }

    @Test func replacedJobThatCompletedJustBeforeTheDeleteIsRecordedSucceeded() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(minutelyTask("race", policy: "Replace", runSeconds: 600))
            let first = JobNaming.name(task: "race", slot: Self.slot(0))
            let second = JobNaming.name(task: "race", slot: Self.slot(1))
            // The first time a plan deletes a replaced Job, the Job completes after the controller
            // read its cache and before the delete reaches the server.
            let raced = Mutex<Set<String>>([])
            let decide: ScheduledTaskController.Decide = { observation in
                let plan = Decision.plan(for: observation)
                for deletion in plan.jobDeletions where deletion.reason == .replaced {
                    guard raced.withLock({ $0.insert(deletion.name).inserted }) else { continue }
                    try? world.completeJob(deletion.name)
                }
                return plan
            }
            try await withController(world, decide: decide) { _ in
                try await world.advance(by: .seconds(35))
                try await world.eventually("the first run is running") {
                    try world.task("race").status?.runs?.first { $0.job == first }?.phase == .running
                }
                try await world.advance(by: .seconds(60))
                try await world.eventually("status records the first run Succeeded, the second active") {
                    let status = try world.task("race").status
                    return status?.runs?.first { $0.job == first }?.phase == .succeeded
                        && status?.active?.map(\.name) == [second]
                }
                #expect(raced.withLock { $0 } == [first], "the delete never raced the completion")
                let jobs = try world.jobs()
                #expect(jobs.map { $0.metadata.name ?? "" } == [first, second], "the completed Job was deleted")
                let run = try world.task("race").status?.runs?.first { $0.job == first }
                #expect(run?.reason == "Completed")
            }
        }
    }
}
