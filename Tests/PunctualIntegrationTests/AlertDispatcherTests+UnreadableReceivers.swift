import Foundation
import KubeClient
import KubeSim
import Testing

@testable import PunctualController

// MARK: - A receiver Secret unreadable for a passing reason delays the alert, never loses it

extension AlertDispatcherTests {
    /// The Secret read answering a passing error (the receivers are unknown, not removed).
    static let unreadableCases = unsafeAlertCases.filter(\.isSecretRead)

    /// Regression: the maintenance pass took a receiver whose Secret it could not read for one
    /// that was removed, and abandoned the previous leader's pending alert (recorded `failed`).
    @Test(arguments: unreadableCases)
    func maintenanceKeepsPendingAlertsWhileReceiversAreUnreadable(_ testCase: FaultCase) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            // A leader records the alert and dies before delivering it.
            try await Self.dispatcher(world, transport: transport).dispatch(Self.failed, for: try world.task("report"))
            let successor = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await successor.delivery.run() }
                world.server.faults.fail(
                    .init(verb: "get", resource: "secrets", count: 50, code: testCase.code, retryAfterSeconds: 1))
                let task = try world.task("report")
                _ = try await Self.advancingClock(of: world) { await successor.maintain([task]) }
                world.server.faults.reset()
                try await world.settle()
                #expect(transport.count == 0)
                let kept = AlertLedger(annotations: try world.task("report").metadata.annotations)
                #expect(kept.entries.map(\.state) == [.pending], "not abandoned: the receiver still exists")

                // Sent once the stored status records the failure it describes.
                try await Self.storeRun(.failed, in: world)
                await successor.maintain([try world.task("report")])
                try await world.eventually("the pending alert is delivered and recorded sent") {
                    let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
                    return transport.count == 1 && ledger.entries.map(\.state) == [.sent]
                }
                group.cancelAll()
            }
        }
    }
}
