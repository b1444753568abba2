import Foundation

/// One message for one receiver, with what to call when its fate is known.
public struct Delivery: Sendable {
    /// What is sent.
    public enum Content: Sendable, Hashable {
        /// An alert in the receiver's own format (for Alertmanager: firing, or resolving when
        /// the alert is not a problem).
        case alert(Alert)
        /// Alertmanager only: resolve a previously firing alert (its labels identify it).
        case resolve(Alert)
    }

    /// How a delivery ended.
    public enum Outcome: Sendable, Hashable {
        /// The receiver accepted it (2xx), after `attempts` tries.
        case sent(attempts: Int)
        /// It was not delivered: refused destination, 4xx, or retries ran out.
        case failed(AlertingError)
        /// The receiver's queue was full.
        case dropped
        /// Not attempted: its sender may no longer send it (``Delivery/mayAttempt`` said no,
        /// e.g. a leader whose lease is not current). Whoever leads sends it instead.
        case withheld
    }

    public var receiver: Receiver
    public var content: Content
    /// Called once with the outcome (not called when delivery stops because of shutdown).
    public var onOutcome: @Sendable (Outcome) async -> Void
    /// Asked before each attempt; false ends the delivery with ``Outcome/withheld``.
    public var mayAttempt: @Sendable () -> Bool

    public init(
        receiver: Receiver, content: Content, onOutcome: @escaping @Sendable (Outcome) async -> Void = { _ in },
        mayAttempt: @escaping @Sendable () -> Bool = { true }
    ) {
        self.receiver = receiver
        self.content = content
        self.onOutcome = onOutcome
        self.mayAttempt = mayAttempt
    }

    /// The alert concerned.
    public var alert: Alert {
        switch content {
        case .alert(let alert), .resolve(let alert): alert
        }
    }

    /// The metric's `kind` label: the alert's kind, `Recovered` for a resolution.
    public var metricKind: AlertKind {
        switch content {
        case .alert(let alert): alert.kind
        case .resolve: .recovered
        }
    }
}
