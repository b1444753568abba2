import Alerting
import Foundation
import KubeClient
import KubeSim
import Testing

@testable import PunctualController

// MARK: - A ledger copy that is behind never overwrites a newer ledger

extension AlertDispatcherTests {
    static let missed = PlannedAlert(
        kind: .missed, scheduledTime: slot.addingTimeInterval(60), attempt: 1, job: nil,
        message: "slot 2026-01-01T00:02:00Z was missed", reason: "StartingDeadlineExceeded", consecutiveFailures: 2)

    /// Regression: the ledger annotation is written whole, from the dispatcher's own copy or, for
    /// a task it has not written yet, from its cache. A new leader whose cache did not show the
    /// previous leader's last ledger write yet overwrote it, so that record was lost (and its
    /// alert could be sent again). The write is now conditional on the ledger it was derived from.
    @Test("a ledger write from a copy that is behind keeps the newer records")
    func ledgerWriteFromAStaleCopyKeepsTheNewerRecords() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            // What the next leader's cache still shows when it takes over: no ledger yet.
            let stale = try world.task("report")
            // The previous leader records the Failed alert (and dies before delivering it).
            try await Self.dispatcher(world, transport: transport).dispatch(Self.failed, for: stale)

            let successor = Self.dispatcher(world, transport: transport)
            try await successor.dispatch(Self.missed, for: stale)
            let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(ledger.entries.map(\.state) == [.pending, .pending])
            #expect(Set(ledger.entries.compactMap(\.alert?.kind)) == [.failed, .missed])

            // The successor now knows the previous leader's record: deciding it again adds nothing.
            try await successor.dispatch(Self.failed, for: stale)
            #expect(AlertLedger(annotations: try world.task("report").metadata.annotations) == ledger)
            #expect(transport.count == 0, "nothing was released: no status was stored here")
        }
    }

    /// The carry-over: an outcome whose own write failed lives only in this process. A write that
    /// finds the stored ledger changed re-reads it, and must not take that outcome back to
    /// `pending` (the maintenance pass would then send the alert a second time).
    @Test("a re-read after a conflicting ledger write keeps the outcomes only this process knows")
    func conflictingWriteCarriesOverOutcomesKnownHere() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            let leader = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await leader.delivery.run() }
                // Delivered, but recording `sent` fails: the cluster still says pending.
                try await Self.deliverWithItsRecordRefused(by: leader, transport: transport, in: world, code: 403)
                try await world.settle()
                world.server.faults.reset()
                #expect(
                    AlertLedger(annotations: try world.task("report").metadata.annotations).entries.map(\.state)
                        == [.pending])

                // Another writer records a Missed alert meanwhile (a replica that briefly led).
                try await Self.dispatcher(world, transport: transport).dispatch(
                    Self.missed, for: try world.task("report"))

                // The leader records the same Missed alert from its own, older copy: the condition
                // fails, the ledger is read again and what the leader knows is carried over.
                try await leader.dispatch(Self.missed, for: try world.task("report"))
                group.cancelAll()
            }
            #expect(try Self.ledgerStatesByKind(in: world) == ["Failed": .sent, "Missed": .pending])

            // The next leader's maintenance pass has nothing of the Failed alert to send again.
            try await Self.maintainOnce(Self.dispatcher(world, transport: transport), in: world)
            #expect(transport.count == 1, "the Failed alert went out once")
        }
    }
}

// MARK: - One task's ledger write never waits for another's

extension AlertDispatcherTests {
    /// A `sent` record must not queue behind other tasks' writes: until it is stored, a leader
    /// that dies leaves the alert to be sent again (the soak saw alerts resent by the next leader
    /// after kills within a second or two of delivery, in bursts of ledger writes).
    @Test("a ledger write goes ahead while another task's ledger write is in progress")
    func ledgerWritesOfDifferentTasksDoNotWaitForEachOther() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let dispatcher = Self.dispatcher(world, transport: CountingTransport())
            // Another task's write holds its gate (and does not finish during this test).
            let other = dispatcher.writeGate(for: "default/other")
            await other.acquire()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await dispatcher.dispatch(Self.failed, for: try world.task("report")) }
                do {
                    try await world.eventually("the alert is recorded while the other write is held") {
                        !AlertLedger(annotations: try world.task("report").metadata.annotations).entries.isEmpty
                    }
                } catch {
                    // Let a write stuck behind the other gate end, so the failure is reported.
                    await other.release()
                    throw error
                }
                try await group.waitForAll()
            }
            await other.release()
        }
    }
}
