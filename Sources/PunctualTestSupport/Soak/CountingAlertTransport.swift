import Alerting
import Foundation
import KubeClient
import PunctualController
import Synchronization

/// The receivers of a soak: an ``AlertTransport`` that answers every request 200 and counts the
/// firing alerts it carried, per receiver, for the soak's "one alert per receiver per event" invariant.
///
/// Every replica's ``AlertDispatcher`` sends through it, the way a real receiver sees every
/// replica's alerts; the replicas share nothing else but the cluster. The receiver is named by the
/// first label of the URL's host (``url(of:)``), and each request body is decoded as a
/// `punctual.dev/v1` webhook payload. Resolutions (`status: resolved`) are not counted: the
/// invariant is about first sends of firing alerts.
public final class CountingAlertTransport: AlertTransport {
    /// One alert as a receiver sees it.
    public struct Delivery: Sendable, Hashable, Comparable {
        public var task: String
        public var kind: PlannedAlert.Kind
        public var slot: Date
        public var attempt: Int
        public var receiver: String

        public init(task: String, kind: PlannedAlert.Kind, slot: Date, attempt: Int, receiver: String) {
            self.task = task
            self.kind = kind
            self.slot = slot
            self.attempt = attempt
            self.receiver = receiver
        }

        public static func < (lhs: Delivery, rhs: Delivery) -> Bool {
            (lhs.task, lhs.slot, lhs.attempt, lhs.kind.rawValue, lhs.receiver)
                < (rhs.task, rhs.slot, rhs.attempt, rhs.kind.rawValue, rhs.receiver)
        }
    }

    /// One request of a delivery: which replica sent it, and when on the soak's clock.
    public struct Sending: Sendable, Hashable, CustomStringConvertible {
        /// The replica's identity and the instant, e.g. `replica-3 at 2026-01-01T00:02:00Z`.
        public let description: String
        public let identity: String
        public let at: Date

        public init(identity: String, at: Date) {
            (self.identity, self.at) = (identity, at)
            description = "\(identity) at \(KubeTime.format(at))"
        }
    }

    /// The parts of a webhook payload the count needs.
    private struct Payload: Decodable {
        struct Task: Decodable {
            var namespace: String
            var name: String
        }

        struct Run: Decodable {
            var scheduledTime: String
            var attempt: Int
        }

        var status: String
        var kind: String
        var task: Task
        var run: Run
    }

    private struct State {
        var counts: [Delivery: Int] = [:]
        /// Who sent each delivery and when (``sender(_:clock:)``): the clue to a doubled alert.
        var senders: [Delivery: [Sending]] = [:]
        var unreadable: [String] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The webhook URL of receiver `name`, as the soak's Secret holds it. Host names are never
    /// resolved by the soak (its address guard resolves nothing), and nothing connects to them.
    public static func url(of name: String) -> String {
        "https://\(name).alerts.soak.test/hook"
    }

    /// The receiver names of a task (unnamed receivers by position), as the dispatcher addresses them.
    public static func receivers(of task: ScheduledTask) -> [String] {
        (task.spec.alerting?.receivers ?? []).enumerated().map { $1.name ?? "receiver-\($0)" }
    }

    // MARK: - AlertTransport

    public func send(_ request: OutgoingRequest, timeout: Duration) async throws(AlertingError) -> TransportResponse {
        receive(request, sending: nil)
    }

    /// The same receivers as seen from one replica: each delivery is also noted with `identity`
    /// and the time on `clock`.
    public func sender(_ identity: String, clock: any WallClock) -> any AlertTransport {
        Sender(receivers: self, identity: identity, clock: clock)
    }

    private struct Sender: AlertTransport {
        let receivers: CountingAlertTransport
        let identity: String
        let clock: any WallClock

        func send(_ request: OutgoingRequest, timeout: Duration) async throws(AlertingError) -> TransportResponse {
            receivers.receive(request, sending: Sending(identity: identity, at: clock.currentDate))
        }
    }

    private func receive(_ request: OutgoingRequest, sending: Sending?) -> TransportResponse {
        let receiver = request.url.host?.split(separator: ".").first.map(String.init) ?? "?"
        guard let payload = try? JSONDecoder().decode(Payload.self, from: request.body),
            let kind = PlannedAlert.Kind(rawValue: payload.kind),
            let slot = KubeTime.parse(payload.run.scheduledTime)
        else {
            state.withLock { $0.unreadable.append("\(receiver): \(String(decoding: request.body, as: UTF8.self))") }
            return TransportResponse(status: 400, body: "not a punctual.dev/v1 webhook payload")
        }
        guard payload.status == "firing" else { return TransportResponse(status: 200) }
        let delivery = Delivery(
            task: "\(payload.task.namespace)/\(payload.task.name)", kind: kind, slot: slot,
            attempt: payload.run.attempt, receiver: receiver)
        state.withLock { state in
            state.counts[delivery, default: 0] += 1
            if let sending { state.senders[delivery, default: []].append(sending) }
        }
        return TransportResponse(status: 200)
    }

    // MARK: - Inspection

    /// Every firing alert received so far with how often it came.
    public var deliveries: [Delivery: Int] { state.withLock { $0.counts } }

    /// Who sent each delivery and when, for those sent through a ``sender(_:clock:)``.
    public var senders: [Delivery: [Sending]] { state.withLock { $0.senders } }

    /// Request bodies that were not webhook payloads (answered 400); empty unless the payload changed.
    public var unreadable: [String] { state.withLock { $0.unreadable } }
}
