import Alerting
import Foundation
import KubeClient
import KubeSim
import MetricsTestKit
import ServiceLifecycle
import Testing

@testable import PunctualController

// MARK: - An outcome whose ledger write failed is written again

/// Regression: a delivery that went out while the API server refused writes (an outage that
/// also cost the leader its lease) left its `sent` record only in the leader's memory, and the
/// next leader sent the alert again. The soak showed it twice in one run of seed 5.
extension AlertDispatcherTests {
    /// Dispatches the Failed alert and stores its run; the alert goes out while the API server
    /// refuses the next `refusedWrites` writes to the task, so its `sent` record is not stored
    /// (the caller runs `dispatcher`'s deliveries).
    static func deliverWithItsRecordRefused(
        by dispatcher: AlertDispatcher, transport: CountingTransport, in world: ControllerWorld,
        refusedWrites: Int = 1, code: Int = 400
    ) async throws {
        let held = try await dispatcher.dispatch(Self.failed, for: try world.task("report"))
        try await Self.storeRun(.failed, consecutiveFailures: 1, in: world)
        world.server.faults.fail(.init(verb: "patch", resource: "scheduledtasks", count: refusedWrites, code: code))
        await held.stored()
        try await world.eventually("delivered, and the write of its record failed") {
            transport.count == 1 && dispatcher.unstoredOutcomeCount == 1
        }
    }

    @Test("an outcome whose ledger write failed is written at the next maintenance pass, and not sent again")
    func maintenanceStoresOutcomesWhoseWriteFailed() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await dispatcher.delivery.run() }
                try await Self.deliverWithItsRecordRefused(by: dispatcher, transport: transport, in: world)
                #expect(try Self.ledgerStatesByKind(in: world) == ["Failed": .pending])

                await dispatcher.maintain([try world.task("report")])
                #expect(try Self.ledgerStatesByKind(in: world) == ["Failed": .sent])
                #expect(dispatcher.unstoredOutcomeCount == 0)
                try await world.settle()
                group.cancelAll()
            }
            #expect(transport.count == 1, "sent once")
        }
    }

    struct DrainCase: CustomTestStringConvertible, Sendable {
        let name: String
        /// How many ledger writes the API server refuses from the `sent` record on.
        let refusedWrites: Int
        let ledgerAfter: AlertLedger.State
        var testDescription: String { name }
    }

    static let drainCases = [
        DrainCase(name: "the server answers again → written in the drain", refusedWrites: 1, ledgerAfter: .sent),
        DrainCase(
            name: "the server refuses writes throughout → the drain ends at its limit", refusedWrites: 1_000,
            ledgerAfter: .pending),
    ]

    @Test("an outcome whose ledger write failed is written in the drain at shutdown", arguments: drainCases)
    func drainStoresOutcomesWhoseWriteFailed(_ testCase: DrainCase) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(world, transport: transport)
            let services = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [.init(service: dispatcher)], logger: dispatcher.logger))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                try await Self.deliverWithItsRecordRefused(
                    by: dispatcher, transport: transport, in: world, refusedWrites: testCase.refusedWrites)
                #expect(try Self.ledgerStatesByKind(in: world) == ["Failed": .pending])

                // Only the drain writes it: no maintenance pass comes within the drain limit
                // (15 s), after which the dispatcher ends whatever is left.
                await services.triggerGracefulShutdown()
                try await world.advance(by: .seconds(16))
                try await group.waitForAll()
            }
            world.server.faults.reset()
            #expect(try Self.ledgerStatesByKind(in: world) == ["Failed": testCase.ledgerAfter])
            #expect(transport.count == 1, "sent once")
        }
    }
}
