import Foundation
import KubeClient
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
    /// alert could be sent again). The write is now conditional on the version it was read at.
    @Test func ledgerWriteFromAStaleCopyKeepsTheNewerRecords() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            // What the next leader's cache still shows when it takes over.
            let stale = try world.task("report")
            // The previous leader records the Failed alert (and dies before delivering it).
            try await Self.dispatcher(world, transport: transport).dispatch(Self.failed, for: stale)

            let successor = Self.dispatcher(world, transport: transport)
            try await successor.dispatch(Self.missed, for: stale)
            let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(ledger.entries.map(\.receiver) == ["ops", "ops"], "\(ledger.entries.map(\.key))")
            #expect(ledger.entries.map(\.state) == [.pending, .pending])
            #expect(Set(ledger.entries.compactMap(\.alert?.kind)) == [.failed, .missed])

            // The successor now knows the previous leader's record: deciding it again adds nothing.
            try await successor.dispatch(Self.failed, for: stale)
            let again = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(again == ledger)
            #expect(transport.count == 0, "nothing was delivered: no delivery loop runs here")
        }
    }
}
