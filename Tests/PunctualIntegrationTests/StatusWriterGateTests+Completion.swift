import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import PunctualController
import Synchronization
import Testing

// MARK: - Per-submission completion

extension StatusWriterGateTests {
    /// What the writer told the completions, in order: `stored n` or `abandoned n`.
    final class CompletionLog: Sendable {
        private let lines = Mutex<[String]>([])

        var all: [String] { lines.withLock { $0 } }

        func completion(_ name: String) -> StatusWriter.Completion {
            StatusWriter.Completion(
                stored: { self.lines.withLock { $0.append("stored \(name)") } },
                abandoned: { self.lines.withLock { $0.append("abandoned \(name)") } })
        }
    }

    @Test func submissionsFoldedIntoOnePatchAreAllCompletedByItAndNotBefore() async throws {
        try await withFixture { fixture async throws in
            let log = CompletionLog()
            let (pending, podNotCreated) = fixture.burst
            fixture.gate.enter()
            fixture.writer.submit(.init(task: fixture.current, status: pending), completion: log.completion("1"))
            try await fixture.writerWaits()
            fixture.writer.submit(.init(task: fixture.current, status: podNotCreated), completion: log.completion("2"))
            try await fixture.writerWaits()
            #expect(log.all.isEmpty, "nothing is stored while the write waits for its turn")

            fixture.gate.leave()
            try await fixture.world.eventually("both submissions are completed") { log.all.count == 2 }
            try await fixture.world.settle()
            #expect(Set(log.all) == ["stored 1", "stored 2"])
            #expect(fixture.patches.value.withLock { $0 } == 1, "one patch covered both")
            #expect(try fixture.written()?.runs == podNotCreated.runs)
        }
    }

    @Test func aRetriedWriteCompletesItsSubmissionOnceItSucceeds() async throws {
        try await withFixture { fixture async throws in
            let log = CompletionLog()
            fixture.world.server.faults.fail(.init(verb: "patch", resource: "scheduledtasks", count: 1, code: 500))
            fixture.writer.submit(
                .init(task: fixture.current, status: fixture.burst.pending), completion: log.completion("1"))
            try await fixture.world.eventually("the write failed once") {
                fixture.world.server.faults.pendingFailures.isEmpty
            }
            #expect(log.all.isEmpty, "a write to be retried is not given up")
            try await fixture.world.eventually("the retry stored the status") {
                fixture.world.clock.advance(by: .milliseconds(200))
                return !log.all.isEmpty
            }
            #expect(log.all == ["stored 1"])
            #expect(try fixture.written()?.runs == fixture.burst.pending.runs)

            // A later submission waits for a write of its own.
            fixture.gate.enter()
            fixture.writer.submit(
                .init(task: fixture.current, status: fixture.burst.podNotCreated), completion: log.completion("2"))
            try await fixture.writerWaits()
            #expect(log.all == ["stored 1"])
            fixture.gate.leave()
            try await fixture.world.eventually("the second write stored it") { log.all.count == 2 }
            #expect(log.all == ["stored 1", "stored 2"])
        }
    }

    struct GiveUpCase: Sendable, CustomTestStringConvertible {
        var name: String
        /// What happens while the write waits for its turn.
        var giveUp: @Sendable (Fixture) async throws -> Void
        var testDescription: String { name }
    }

    static let giveUpCases: [GiveUpCase] = [
        GiveUpCase(name: "the task is deleted (404 on the patch)") { fixture in
            try fixture.world.store.delete(
                GroupResource(group: "punctual.dev", resource: "scheduledtasks"), namespace: "default", name: "exec")
        },
        GiveUpCase(name: "the status is refused (422)") { fixture in
            fixture.world.server.faults.fail(
                .init(verb: "patch", resource: "scheduledtasks", count: 5, code: 422))
        },
        GiveUpCase(name: "the controller forgets the task") { fixture in
            fixture.writer.forget("default/exec")
        },
    ]

    @Test(arguments: giveUpCases)
    func aWriteGivenUpAbandonsItsSubmissions(_ testCase: GiveUpCase) async throws {
        try await withFixture { fixture async throws in
            let log = CompletionLog()
            fixture.gate.enter()
            fixture.writer.submit(
                .init(task: fixture.current, status: fixture.burst.pending), completion: log.completion("1"))
            try await fixture.writerWaits()
            try await testCase.giveUp(fixture)
            fixture.gate.leave()
            try await fixture.world.eventually("the submission is completed") { !log.all.isEmpty }
            try await fixture.world.settle()
            #expect(log.all == ["abandoned 1"])
        }
    }

    @Test func aWriterStoppedBeforeItsWriteAbandonsItsSubmissionsAndLaterOnes() async throws {
        try await ControllerWorld.with(start: Self.slot.addingTimeInterval(1)) { world async throws in
            try world.createTask(minutelyTask("exec"))
            let gateClock = ManualClock(start: Self.slot.addingTimeInterval(1))
            let gate = ForegroundGate(clock: gateClock, bound: Self.bound)
            let writer = StatusWriter(client: world.client, clock: world.clock, gate: gate)
            let log = CompletionLog()
            gate.enter()
            var status = ScheduledTaskStatus()
            status.lastScheduleTime = Self.slot
            let task = try world.task("exec")
            // Leadership is lost while the write waits for its turn: the leading scope is cancelled.
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await writer.run(workers: 1) }
                writer.submit(.init(task: task, status: status), completion: log.completion("1"))
                try? await world.eventually("the writer waits for its turn") { gateClock.sleeperCount == 1 }
                group.cancelAll()
            }
            gate.leave()
            #expect(log.all == ["abandoned 1"])
            // A reconcile that ends after the leading scope submits to a stopped writer.
            writer.submit(.init(task: task, status: status), completion: log.completion("2"))
            #expect(log.all == ["abandoned 1", "abandoned 2"])
            try await world.settle()
            #expect(try world.task("exec").status?.lastScheduleTime == nil, "nothing was written")
        }
    }
}
