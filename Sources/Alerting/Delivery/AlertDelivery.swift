import Foundation
import KubeClient
import Logging
import Metrics
import Synchronization

/// Delivers alerts without ever holding up scheduling.
///
/// - Every receiver has its own bounded queue (``Configuration/queueCapacity``); ``enqueue(_:)``
///   never waits: when the queue is full the delivery is dropped and counted.
/// - A receiver's deliveries go one at a time, in order (a resolution never overtakes the alert
///   it resolves); at most ``Configuration/concurrency`` deliveries run at once overall.
/// - Each attempt has a timeout. 5xx answers, timeouts and connection errors are retried with
///   exponential backoff (``Configuration/initialBackoff`` doubled per attempt, capped); 4xx
///   answers and refused destinations are not.
/// - Every outcome is counted in `punctual_alerts_total{receiver_type,kind,result}` with
///   result `sent`, `failed` (retries ran out), `rejected` (4xx), `refused` (address guard,
///   bad URL), `dropped` (queue full) or `withheld` (its sender may no longer send it, see
///   ``Delivery/mayAttempt``).
///
/// Waiting (backoff) happens on the injected clock, so tests run retries in virtual time.
/// Deliveries still queued when ``run()`` is cancelled are abandoned without an outcome; the
/// controller's durable record of pending alerts is what brings them back after a restart.
/// ``drain()`` is the graceful version: the attempts in progress end and report their outcome,
/// nothing else starts.
public final class AlertDelivery: Sendable {
    /// Limits and timing; the defaults suit chat and paging endpoints.
    public struct Configuration: Sendable, Hashable {
        /// Deliveries waiting per receiver before new ones are dropped.
        public var queueCapacity: Int
        /// Deliveries in flight at once, over all receivers.
        public var concurrency: Int
        /// The longest wait for one attempt's answer.
        public var timeout: Duration
        /// Attempts per delivery, the first included.
        public var maximumAttempts: Int
        /// The wait before the second attempt; doubled for each further one.
        public var initialBackoff: Duration
        /// The longest wait between attempts.
        public var maximumBackoff: Duration
        /// How long a firing Alertmanager alert lasts unless re-posted (its `endsAt`).
        public var firingTTL: Duration

        public init(
            queueCapacity: Int = 100, concurrency: Int = 4, timeout: Duration = .seconds(10), maximumAttempts: Int = 5,
            initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(60),
            firingTTL: Duration = .seconds(300)
        ) {
            self.queueCapacity = max(1, queueCapacity)
            self.concurrency = max(1, concurrency)
            self.timeout = timeout
            self.maximumAttempts = max(1, maximumAttempts)
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.firingTTL = firingTTL
        }

        /// The wait after attempt `attempt` (1-based) failed.
        public func backoff(afterAttempt attempt: Int) -> Duration {
            let doublings = min(max(0, attempt - 1), 30)
            let wait = initialBackoff * (1 << doublings)
            return min(wait, maximumBackoff)
        }
    }

    /// The name of the outcome counter.
    public static let metricName = "punctual_alerts_total"

    private struct Lane {
        var continuation: AsyncStream<Delivery>.Continuation
    }

    private let configuration: Configuration
    private let transport: any AlertTransport
    private let addressGuard: AddressGuard
    private let clock: any WallClock
    private let logger: Logger
    private let metricsFactory: any MetricsFactory
    private let lanes = Mutex<[Receiver: Lane]>([:])
    private let newLanes: AsyncStream<AsyncStream<Delivery>>
    private let newLaneContinuation: AsyncStream<AsyncStream<Delivery>>.Continuation
    private let permits: AsyncSemaphore
    private let drainRequested = Mutex(false)

    /// - Parameters:
    ///   - transport: how POSTs are sent (``HTTPAlertTransport`` in production).
    ///   - addressGuard: which destinations are refused.
    ///   - clock: what backoff waits on.
    ///   - metricsFactory: where the counter goes; the process-wide `MetricsSystem` when nil.
    public init(
        configuration: Configuration = Configuration(), transport: any AlertTransport,
        addressGuard: AddressGuard = AddressGuard(), clock: any WallClock,
        logger: Logger = Logger(label: "punctual.alerts"), metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.configuration = configuration
        self.transport = transport
        self.addressGuard = addressGuard
        self.clock = clock
        self.logger = logger
        self.metricsFactory = metricsFactory ?? MetricsSystem.factory
        (newLanes, newLaneContinuation) = AsyncStream.makeStream()
        permits = AsyncSemaphore(configuration.concurrency)
    }

    // MARK: - Enqueueing

    /// Queues `delivery` behind the others of its receiver; never waits.
    ///
    /// - Returns: false when the receiver's queue is full (the delivery is dropped, counted,
    ///   and its outcome handler is called with ``Delivery/Outcome/dropped`` by the caller's
    ///   choice: this method does not call it, so it stays synchronous).
    @discardableResult
    public func enqueue(_ delivery: Delivery) -> Bool {
        guard !isDraining else { return false }
        let result = lanes.withLock { lanes -> AsyncStream<Delivery>.Continuation.YieldResult in
            if let lane = lanes[delivery.receiver] { return lane.continuation.yield(delivery) }
            let (stream, continuation) = AsyncStream.makeStream(
                of: Delivery.self, bufferingPolicy: .bufferingOldest(configuration.queueCapacity))
            lanes[delivery.receiver] = Lane(continuation: continuation)
            newLaneContinuation.yield(stream)
            return continuation.yield(delivery)
        }
        if case .dropped = result {
            count(delivery, result: "dropped")
            logger.warning(
                "alert queue full; delivery not queued",
                metadata: ["receiver": "\(delivery.receiver)", "alert": "\(delivery.alert.identity)"])
            return false
        }
        return true
    }

    // MARK: - Running

    /// Stops delivering, for a graceful shutdown: the attempts in progress end and report their
    /// outcome (so a delivery that went out is recorded as sent, not sent again by the next
    /// leader); queued deliveries, new ones and further retries are not started and report none
    /// (their ledger entries stay pending for the next leader). ``run()`` returns once the
    /// attempts in progress have ended; a delivery waiting to retry ends after its wait.
    public func drain() {
        drainRequested.withLock { $0 = true }
        lanes.withLock { lanes in
            for lane in lanes.values { lane.continuation.finish() }
        }
        newLaneContinuation.finish()
    }

    /// Whether ``drain()`` was called: from then on nothing new is started.
    public var isDraining: Bool { drainRequested.withLock { $0 } }

    /// Delivers until cancelled, or until drained (``drain()``): one consumer per receiver,
    /// sharing the concurrency limit.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await lane in newLanes {
                group.addTask { await self.consume(lane) }
            }
        }
    }

    private func consume(_ lane: AsyncStream<Delivery>) async {
        for await delivery in lane {
            guard !isDraining else { return }
            await permits.acquire()
            let outcome = Task.isCancelled || isDraining ? nil : await deliver(delivery)
            await permits.release()
            guard let outcome else { return }
            await delivery.onOutcome(outcome)
        }
    }

    /// Performs one delivery with its retries; nil when cancelled midway.
    func deliver(_ delivery: Delivery) async -> Delivery.Outcome? {
        let receiver = delivery.receiver
        do {
            try await addressGuard.check(receiver.url, receiver: receiver.description)
        } catch {
            return finish(delivery, .failed(error), result: "refused")
        }
        var attempt = 1
        while true {
            guard delivery.mayAttempt() else { return finish(delivery, .withheld, result: "withheld") }
            let error: AlertingError
            do {
                let request = try delivery.request(at: clock.currentDate, firingFor: configuration.firingTTL)
                let response = try await transport.send(request, timeout: configuration.timeout)
                switch response.status {
                case 200..<300:
                    return finish(delivery, .sent(attempts: attempt), result: "sent")
                case 500..<600:
                    error = AlertingError(
                        .unavailable, receiver: receiver.description, detail: Self.excerpt(response.body),
                        status: response.status)
                default:
                    let rejection = AlertingError(
                        .rejected, receiver: receiver.description, detail: Self.excerpt(response.body),
                        status: response.status)
                    return finish(delivery, .failed(rejection), result: "rejected")
                }
            } catch let failure {
                guard failure.isRetryable else {
                    return finish(delivery, .failed(failure), result: failure.code == .encoding ? "failed" : "refused")
                }
                error = AlertingError(failure.code, receiver: receiver.description, detail: failure.detail)
            }
            guard attempt < configuration.maximumAttempts else {
                return finish(delivery, .failed(error), result: "failed")
            }
            // Shutting down: no further attempt, and no outcome (the next leader sends it).
            guard !isDraining else { return nil }
            let wait = configuration.backoff(afterAttempt: attempt)
            logger.debug(
                "alert delivery failed; retrying",
                metadata: ["receiver": "\(receiver)", "attempt": "\(attempt)", "error": "\(error)", "wait": "\(wait)"])
            do {
                try await clock.sleep(for: wait)
            } catch {
                return nil
            }
            guard !isDraining else { return nil }
            attempt += 1
        }
    }

    private func finish(_ delivery: Delivery, _ outcome: Delivery.Outcome, result: String) -> Delivery.Outcome {
        count(delivery, result: result)
        if case .failed(let error) = outcome {
            logger.warning(
                "alert not delivered",
                metadata: [
                    "receiver": "\(delivery.receiver)", "alert": "\(delivery.alert.identity)", "error": "\(error)",
                ])
        }
        return outcome
    }

    private func count(_ delivery: Delivery, result: String) {
        let dimensions = [
            ("receiver_type", delivery.receiver.type), ("kind", delivery.metricKind.rawValue), ("result", result),
        ]
        Counter(label: Self.metricName, dimensions: dimensions, factory: metricsFactory).increment()
    }

    /// The start of a response body, on one line, for error messages.
    static func excerpt(_ body: String) -> String {
        let line = body.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}
