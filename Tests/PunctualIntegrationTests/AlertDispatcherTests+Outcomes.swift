import Alerting
import Foundation
import KubeClient
import Testing

@testable import PunctualController

// MARK: - What the ledger records when a delivery does not go out

extension AlertDispatcherTests {
    @Test("an alert its receiver's full queue turns away stays pending and goes out at the next maintenance pass")
    func fullQueueDefersTheAlert() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(world, transport: transport, delivery: .init(queueCapacity: 1))
            // The receiver's one queue place is taken (its deliveries are not running yet).
            let ops = try #require(await dispatcher.receivers(of: try world.task("report")).receivers.first)
            let earlier = Alert(
                namespace: "default", task: "report", kind: .failed, scheduledTime: Self.start, attempt: 1,
                job: nil, reason: nil, message: "an earlier alert", consecutiveFailures: 1, severity: .warning,
                firedAt: Self.start)
            #expect(dispatcher.delivery.enqueue(Delivery(receiver: ops, content: .alert(earlier))))

            // The status recording the failure is stored; its alert finds the queue full.
            let held = try await dispatcher.dispatch(Self.failed, for: try world.task("report"))
            try await Self.storeRun(.failed, consecutiveFailures: 1, in: world)
            await held.stored()
            var ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(ledger.entries.map(\.state) == [.pending], "not given up: nothing answered it")

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await dispatcher.delivery.run() }
                try await world.eventually("the earlier alert is delivered") { transport.count == 1 }
                await dispatcher.maintain([try world.task("report")])
                try await world.eventually("the deferred alert is delivered and recorded sent") {
                    let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
                    return transport.count == 2 && ledger.entries.map(\.state) == [.sent]
                }
                await dispatcher.maintain([try world.task("report")])
                try await world.settle()
                group.cancelAll()
            }
            #expect(transport.count == 2, "sent once")
            ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(ledger.entries.first?.reason == nil)
        }
    }

    @Test("a delivery the receiver rejects is recorded failed with the receiver's answer, and not retried")
    func rejectedDeliveryRecordsWhy() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport(status: 404)
            let dispatcher = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await dispatcher.delivery.run() }
                let held = try await dispatcher.dispatch(Self.failed, for: try world.task("report"))
                try await Self.storeRun(.failed, consecutiveFailures: 1, in: world)
                await held.stored()
                try await world.eventually("the delivery ends") {
                    AlertLedger(annotations: try world.task("report").metadata.annotations).pending.isEmpty
                }
                await dispatcher.maintain([try world.task("report")])
                try await world.settle()
                group.cancelAll()
            }
            #expect(transport.count == 1)
            let entry = try #require(
                AlertLedger(annotations: try world.task("report").metadata.annotations).entries.first)
            #expect(entry.state == .failed)
            #expect(
                entry.reason == "delivery failed: rejected (webhook receiver ops (host hooks.example.com)): "
                    + "no such hook [HTTP 404]")
            #expect(entry.reason?.contains("secretpath") == false, "the URL's path (its secret) is not recorded")
        }
    }

    @Test("a pending alert whose receiver was removed from the task is finished unsent, naming the receiver")
    func removedReceiverEndsThePendingAlert() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = CountingTransport()
            // A leader records the alert and dies before its status is stored.
            try await Self.dispatcher(world, transport: transport).dispatch(Self.failed, for: try world.task("report"))
            try await Self.storeRun(.failed, consecutiveFailures: 1, in: world)
            // The receiver is renamed: `ops` is gone.
            let tasks = world.client.resource(ScheduledTask.self, namespace: "default")
            let receivers: JSONValue = [
                ["name": "oncall", "webhook": ["urlSecretRef": ["name": "alerts", "key": "hook-url"]]]
            ]
            _ = try await tasks.patch(
                "report", patch: .merge(["spec": ["alerting": ["receivers": receivers]]]))

            try await Self.maintainOnce(Self.dispatcher(world, transport: transport), in: world)
            #expect(transport.count == 0)
            let entry = try #require(
                AlertLedger(annotations: try world.task("report").metadata.annotations).entries.first)
            #expect(entry.state == .failed)
            #expect(entry.reason == "not sent: receiver ops is no longer configured")
        }
    }
}
