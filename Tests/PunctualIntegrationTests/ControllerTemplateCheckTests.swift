import Foundation
import KubeClient
import KubeSim
import PunctualController
import Testing

/// How the controller has the API server check a task's Job template: a due task's first Job
/// create is the check itself (no dry run before it), a task that is not due is dry-run.
@Suite(.serialized) struct ControllerTemplateCheckTests {
    static let start = ControllerIntegrationTests.start
    static let firstSlot = ControllerIntegrationTests.firstSlot

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// Whether the controller starts after the first slot (the task is due at once).
        let dueAtStart: Bool
        /// Whether the template is one the server rejects (a container without an image).
        let rejected: Bool
        /// Job create requests (real and dry-run) until the verdict is known.
        let creates: Int
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "due: the create is the check", dueAtStart: true, rejected: false, creates: 1),
        Case(name: "due and rejected: the refused create reports it", dueAtStart: true, rejected: true, creates: 1),
        Case(name: "not due: a dry run", dueAtStart: false, rejected: false, creates: 1),
        Case(name: "not due and rejected: the dry run reports it", dueAtStart: false, rejected: true, creates: 1),
    ])
    func templateIsCheckedOncePerGeneration(_ check: Case) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            var task = minutelyTask("checked")
            if check.rejected {
                task.set(
                    path: ["spec", "jobTemplate", "spec", "template", "spec", "containers"], to: [["name": "main"]])
            }
            try world.createTask(task)
            if check.dueAtStart { world.clock.advance(to: WallInstant(Self.firstSlot.addingTimeInterval(1))) }
            let requests = RequestCounter()
            let (controller, client) = try world.controller(observedBy: requests, identity: "test")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await controller.run() }
                try await world.eventually("the verdict is known") {
                    if check.rejected {
                        return try world.task("checked").status?.conditions?.contains {
                            $0.type == "InvalidSpec" && $0.status == "True" && $0.reason == "JobRejected"
                        } ?? false
                    }
                    // The request is counted once its answer arrived, after the Job was stored.
                    let stored = check.dueAtStart ? try world.jobs().count : 0
                    return requests.count(.create, "jobs") == 1 && stored == (check.dueAtStart ? 1 : 0)
                }
                try await world.settle()
                #expect(requests.count(.create, "jobs") == check.creates)
                #expect(try world.jobs().count == (check.dueAtStart && !check.rejected ? 1 : 0))
                group.cancelAll()
            }
            try await client.shutdown()
        }
    }
}
