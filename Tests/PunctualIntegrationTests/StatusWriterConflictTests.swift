import Foundation
import KubeClient
import KubeSim
import Logging
import PunctualController
import Synchronization
import Testing

/// Status writes are conditional on the resourceVersion they were computed against: a status
/// stored meanwhile by another writer (a replaced leader that does not know it yet, a user) is
/// never overwritten field by field. A change to other fields is merged with the decided one; a
/// change to the same fields drops the decided status and asks for a new decision.
@Suite struct StatusWriterConflictTests {
    static let tasks = GroupResource(group: "punctual.dev", resource: "scheduledtasks")
    static let first = Date(timeIntervalSince1970: 1_767_225_660)
    static let second = first.addingTimeInterval(60)

    /// What the writer reported: the keys it asked to decide again, and the completions.
    final class Reports: Sendable {
        let conflicts = Mutex<[String]>([])
        let completions = Mutex<[String]>([])

        func completion(_ name: String) -> StatusWriter.Completion {
            StatusWriter.Completion(
                stored: { self.completions.withLock { $0.append("stored \(name)") } },
                abandoned: { self.completions.withLock { $0.append("abandoned \(name)") } })
        }
    }

    struct Fixture {
        let world: ControllerWorld
        /// The task as a decision read it, before anyone wrote its status.
        let task: ScheduledTask
        let writer: StatusWriter
        let reports: Reports

        /// Stores `change` as another writer would, bypassing this writer.
        func otherWriter(_ subresource: Subresource = .status, _ change: (inout JSONValue) -> Void) throws {
            _ = try world.store.modify(
                StatusWriterConflictTests.tasks, namespace: "default", name: "exec", subresource: subresource
            ) { object in change(&object) }
        }

        /// Runs the writer until `condition` holds.
        func write(until description: String, _ condition: @escaping @Sendable () throws -> Bool) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { await writer.run(workers: 1) }
                defer { group.cancelAll() }
                try await world.eventually(description, condition)
            }
        }

        func stored() throws -> ScheduledTaskStatus? { try world.task("exec").status }
    }

    private func withFixture(_ body: @Sendable (Fixture) async throws -> Void) async throws {
        try await ControllerWorld.with(start: Self.second.addingTimeInterval(1)) { world async throws in
            try world.createTask(minutelyTask("exec"))
            let reports = Reports()
            let writer = StatusWriter(client: world.client, clock: world.clock) { _ in
            } onConflict: { key in
                reports.conflicts.withLock { $0.append(key) }
            }
            try await body(Fixture(world: world, task: try world.task("exec"), writer: writer, reports: reports))
        }
    }

    /// The status a leader decides for one created run.
    static func started(_ slot: Date) -> ScheduledTaskStatus {
        var status = ScheduledTaskStatus()
        status.lastScheduleTime = slot
        status.runs = [
            .init(scheduledTime: slot, attempt: 1, job: JobNaming.name(task: "exec", slot: slot), phase: .pending)
        ]
        return status
    }

    static func storedJSON(_ status: ScheduledTaskStatus) throws -> JSONValue { try JSONValue(encoding: status) }

    @Test func aStatusStoredMeanwhileInTheSameFieldsIsNotOverwritten() async throws {
        try await withFixture { fixture async throws in
            // The leader that replaced this one stored its run of the next slot.
            let newer = try Self.storedJSON(Self.started(Self.second))
            try fixture.otherWriter { $0["status"] = newer }
            // This (replaced) leader still writes what it decided from the older status.
            fixture.writer.submit(
                .init(task: fixture.task, status: Self.started(Self.first)), completion: fixture.reports.completion("1")
            )
            try await fixture.write(until: "the write is dropped") {
                !fixture.reports.completions.withLock { $0.isEmpty }
            }
            #expect(try fixture.stored() == Self.started(Self.second), "the newer status is kept whole")
            #expect(fixture.reports.completions.withLock { $0 } == ["abandoned 1"])
            #expect(fixture.reports.conflicts.withLock { $0 } == ["default/exec"], "the task is decided again")
            // Until the cache shows it, the next decision starts from the status just read.
            #expect(fixture.writer.overlay(for: fixture.task) == Self.started(Self.second))
            #expect(!fixture.writer.hasPendingWrites)
        }
    }

    @Test func aChangeToOtherFieldsIsKeptAndTheDecidedOneWrittenOnTop() async throws {
        try await withFixture { fixture async throws in
            try fixture.otherWriter {
                $0.set(path: ["status", "lastSuccessfulTime"], to: .string(KubeTime.format(Self.first)))
            }
            fixture.writer.submit(
                .init(task: fixture.task, status: Self.started(Self.second)),
                completion: fixture.reports.completion("1"))
            try await fixture.write(until: "the status is written") {
                fixture.reports.completions.withLock { $0 } == ["stored 1"]
            }
            var expected = Self.started(Self.second)
            expected.lastSuccessfulTime = Self.first
            #expect(try fixture.stored() == expected)
            #expect(fixture.reports.conflicts.withLock { $0 }.isEmpty)
            #expect(fixture.writer.overlay(for: fixture.task) == expected, "the overlay holds the merged status")
        }
    }

    @Test func aMetadataOnlyChangeIsWrittenOverWithoutANewDecision() async throws {
        try await withFixture { fixture async throws in
            // The alert ledger, a trigger or a label: the resourceVersion moves, the status does not.
            try fixture.otherWriter(.main) { $0.set(path: ["metadata", "annotations", "touched"], to: "1") }
            fixture.writer.submit(
                .init(task: fixture.task, status: Self.started(Self.second)),
                completion: fixture.reports.completion("1"))
            try await fixture.write(until: "the status is written") {
                fixture.reports.completions.withLock { $0 } == ["stored 1"]
            }
            #expect(try fixture.stored() == Self.started(Self.second))
            #expect(try fixture.world.task("exec").metadata.annotations?["touched"] == "1")
            #expect(fixture.reports.conflicts.withLock { $0 }.isEmpty)
        }
    }

    @Test func aConflictWhoseReadFailsIsRetried() async throws {
        try await withFixture { fixture async throws in
            try fixture.otherWriter(.main) { $0.set(path: ["metadata", "annotations", "touched"], to: "1") }
            fixture.world.server.faults.fail(.init(verb: "get", resource: "scheduledtasks", count: 1, code: 500))
            fixture.writer.submit(
                .init(task: fixture.task, status: Self.started(Self.second)),
                completion: fixture.reports.completion("1"))
            try await fixture.write(until: "the status is written after the retry") {
                fixture.world.clock.advance(by: .milliseconds(200))
                return fixture.reports.completions.withLock { $0 } == ["stored 1"]
            }
            #expect(fixture.world.server.faults.pendingFailures.isEmpty, "the read failed once")
            #expect(try fixture.stored() == Self.started(Self.second))
            #expect(fixture.reports.conflicts.withLock { $0 }.isEmpty)
        }
    }

    @Test func aTaskRecreatedUnderTheWriteAbandonsTheSubmission() async throws {
        try await withFixture { fixture async throws in
            fixture.writer.submit(
                .init(task: fixture.task, status: Self.started(Self.second)),
                completion: fixture.reports.completion("1"))
            // Deleted and created again by name: a new uid, and a newer resourceVersion.
            _ = try fixture.world.store.delete(Self.tasks, namespace: "default", name: "exec")
            try fixture.world.createTask(minutelyTask("exec"))
            try await fixture.write(until: "the submission is given up") {
                !fixture.reports.completions.withLock { $0.isEmpty }
            }
            #expect(fixture.reports.completions.withLock { $0 } == ["abandoned 1"])
            #expect(try fixture.stored()?.runs == nil, "nothing of the old task's status reached the new one")
            #expect(fixture.reports.conflicts.withLock { $0 }.isEmpty)
        }
    }

    @Test func aVersionTheAlertLedgerStoredIsTheNextWritesPrecondition() async throws {
        try await withFixture { fixture async throws in
            let conflicts = Mutex(0)
            let observer = ClosureRequestObserver { record in
                if record.verb == .patch, record.statusCode == 409 { conflicts.withLock { $0 += 1 } }
            }
            var logger = Logger(label: "test.ledger")
            logger.logLevel = .critical
            let client = try KubeClient(
                configuration: ClientConfiguration(server: fixture.world.baseURL, qps: 10_000, burst: 10_000),
                clock: fixture.world.clock, logger: logger, observer: observer)
            let writer = StatusWriter(client: client, clock: fixture.world.clock)
            // The ledger's annotation write, between the decision and its status write.
            try fixture.otherWriter(.main) {
                $0.set(path: ["metadata", "annotations", "punctual.dev/alerts"], to: "{}")
            }
            writer.noteStored(try fixture.world.task("exec"))
            writer.submit(.init(task: fixture.task, status: Self.started(Self.second)))
            do {
                try await withThrowingTaskGroup(of: Void.self) { group async throws in
                    group.addTask { await writer.run(workers: 1) }
                    defer { group.cancelAll() }
                    try await fixture.world.eventually("the status is written") {
                        try fixture.stored() == Self.started(Self.second)
                    }
                }
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
            #expect(conflicts.withLock { $0 } == 0, "the write was conditional on the ledger's version")
        }
    }

    @Test func aDecisionFromAnOlderStatusThanTheNewestKnownIsMergedOrRefused() async throws {
        try await withFixture { fixture async throws in
            // Decided and not written yet: the newest status of the task.
            let decided = Self.started(Self.first)
            fixture.writer.submit(.init(task: fixture.task, status: decided))
            // A decision that started from the stored (empty) status, not from the newest, and
            // changed another field: its change is carried over.
            var other = ScheduledTaskStatus()
            other.missedRuns = 2
            fixture.writer.submit(.init(task: fixture.task, status: other), completion: fixture.reports.completion("2"))
            var merged = decided
            merged.missedRuns = 2
            #expect(fixture.writer.overlay(for: fixture.task) == merged)
            // One that changed the same field differently is refused and decided again.
            fixture.writer.submit(
                .init(task: fixture.task, status: Self.started(Self.second)),
                completion: fixture.reports.completion("3"))
            #expect(fixture.writer.overlay(for: fixture.task) == merged)
            #expect(fixture.reports.completions.withLock { $0 } == ["abandoned 3"])
            #expect(fixture.reports.conflicts.withLock { $0 } == ["default/exec"])

            try await fixture.write(until: "the merged status is written") {
                fixture.reports.completions.withLock { $0 }.contains("stored 2")
            }
            #expect(try fixture.stored() == merged)
        }
    }
}
