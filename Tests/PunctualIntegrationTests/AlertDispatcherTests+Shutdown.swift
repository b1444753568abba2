import Alerting
import Foundation
import KubeClient
import Logging
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing

@testable import PunctualController

// MARK: - A graceful shutdown records the outcome of the delivery in progress

extension AlertDispatcherTests {
    /// Regression: a graceful shutdown cancelled the deliveries. A delivery that had reached its
    /// receiver lost its `sent` record with the cancelled ledger write, and the next leader sent
    /// the alert a second time (every rolling update could do it). The deliveries are now drained.
    @Test("on graceful shutdown the delivery in progress ends and is recorded sent; queued ones stay pending")
    func gracefulShutdownDrainsDeliveries() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try Self.createTaskAndSecret(in: world)
            let transport = GatedTransport()
            let dispatcher = Self.dispatcher(world, transport: CountingTransport())
            let delivery = AlertDelivery(
                transport: transport, addressGuard: AddressGuard(resolver: { _ in ["93.184.216.34"] }),
                clock: world.clock, logger: dispatcher.logger, metricsFactory: TestMetrics())
            let gated = AlertDispatcher(
                client: world.client, delivery: delivery, events: dispatcher.events, clock: world.clock,
                logger: dispatcher.logger)
            let services = ServiceGroup(
                configuration: ServiceGroupConfiguration(services: [.init(service: gated)], logger: dispatcher.logger))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                // Two alerts whose statuses are stored: the first is being delivered, the second waits.
                let failed = try await gated.dispatch(Self.failed, for: try world.task("report"))
                let missed = try await gated.dispatch(Self.missed, for: try world.task("report"))
                try await Self.storeRun(.failed, consecutiveFailures: 1, in: world)
                await failed.stored()
                await missed.stored()
                try await world.eventually("the first delivery reached the receiver") { transport.calls == 1 }

                await services.triggerGracefulShutdown()
                // The shutdown reaches the dispatcher asynchronously; the receiver answers only
                // once the drain has begun, or the queued alert could start before it.
                try await world.eventually("the deliveries are draining") { delivery.isDraining }
                transport.open()
                try await group.waitForAll()
            }
            #expect(transport.calls == 1, "the queued alert was not started")
            #expect(try Self.ledgerStatesByKind(in: world) == ["Failed": .sent, "Missed": .pending])
        }
    }
}

/// Holds every request until opened, then answers 200; counts them.
final class GatedTransport: AlertTransport {
    private struct State {
        var calls = 0
        var isOpen = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var calls: Int { state.withLock { $0.calls } }

    /// Lets the held requests and every later one through.
    func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    func send(_ request: OutgoingRequest, timeout: Duration) async throws(AlertingError) -> TransportResponse {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                state.calls += 1
                if !state.isOpen { state.waiting.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
        return TransportResponse(status: 200)
    }
}
