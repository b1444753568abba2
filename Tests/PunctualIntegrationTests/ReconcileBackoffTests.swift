import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import PunctualController
import Synchronization
import Testing

/// A task whose reconciles fail through an API outage is reconciled again within the backoff cap
/// once the server answers, not after client-go's up to 1000 s.
@Suite(.serialized) struct ReconcileBackoffTests {
    /// 2026-01-01T00:59:50Z: ten seconds before an hourly slot.
    static let start = Date(timeIntervalSince1970: 1_767_229_190)
    static let slot = Date(timeIntervalSince1970: 1_767_229_200)

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let cap: Duration
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the default cap of 60 s", cap: ScheduledTaskController.Configuration.defaultMaxReconcileBackoff),
        Case(name: "a cap of 20 s", cap: .seconds(20)),
    ]

    /// The instants (virtual) at which the controller decided about the task.
    final class Decisions: Sendable {
        private let instants = Mutex<[Date]>([])

        func record(_ observation: Observation) -> Plan {
            instants.withLock { $0.append(observation.now) }
            return Decision.plan(for: observation)
        }

        var all: [Date] { instants.withLock { $0 } }
    }

    @Test(arguments: cases)
    func failedReconcilesAreRetriedWithinTheCapAfterAnOutage(_ testCase: Case) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(
                minutelyTask(
                    "hourly", guarantee: "OnceOnly", extra: ["schedule": "0 * * * *", "catchUpWindowSeconds": 3600]))
            // The outage as the task sees it: every Job create fails for 20 minutes. The next slot
            // is an hour away, so only the backoff brings the task back (uncapped, the 17th failure
            // waits 655 s). 507 is a server error the client does not retry by itself: each failed
            // reconcile is one request, and only the work queue spaces them out.
            world.server.faults.fail(.init(verb: "create", resource: "jobs", count: 100_000, code: 507))
            let decisions = Decisions()
            let controller = world.controller(maxReconcileBackoff: testCase.cap, decide: decisions.record)
            try await withThrowingTaskGroup(of: Void.self) { group async throws in
                group.addTask { try await controller.run() }
                try await world.eventually("synced") { controller.hasSynced }
                try await world.advance(by: .seconds(20 * 60), step: .seconds(10))
                let failed = decisions.all.filter { $0 >= Self.slot }.count
                let failedAt = decisions.all.map { Int($0.timeIntervalSince(Self.slot)) }
                // The cap, plus three of the test's 10 s steps: the backoff runs from the end of the
                // failed reconcile, and virtual time moves on while its request is in flight (CI
                // once saw the retry start exactly 70 s after the server answered, with a 60 s cap).
                let limit = testCase.cap + .seconds(30)
                // Enough failures that client-go's uncapped backoff (5 ms × 2^failures) would wait
                // longer than the limit below: otherwise this test could not tell a cap from none.
                let uncapped = Duration.milliseconds(5) * (1 << min(failed, 40))
                #expect(
                    uncapped > limit,
                    "only \(failed) failed reconciles (uncapped next wait \(uncapped)), at \(failedAt) s after the slot"
                )
                #expect(try world.jobs().isEmpty)

                world.server.faults.reset()
                let recovered = world.clock.currentDate
                try await world.advance(by: limit, step: .seconds(10))
                // Virtual time stands still now: a retry due by now is decided, however long the
                // machine takes to get to it.
                let waitedSince = ContinuousClock.now
                while !decisions.all.contains(where: { $0 > recovered }),
                    ContinuousClock.now - waitedSince < .seconds(10)
                {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let next = decisions.all.first { $0 > recovered }
                let offsets = decisions.all.map { Int($0.timeIntervalSince(Self.slot)) }
                let queueState = controller.queueState(of: "default/hourly")
                #expect(
                    next != nil,
                    "no reconcile within \(limit) of the server answering again at \(recovered); decided at \(offsets) s after the slot; queue: \(queueState)"
                )
                try await world.eventually("the slot's Job exists") { try world.jobs().count == 1 }
                group.cancelAll()
            }
        }
    }
}
