import Foundation
import PunctualController
import Synchronization

/// An alert sink that delivers nothing and counts every delivery, per receiver, for the soak's
/// "one alert per receiver per event" invariant.
///
/// It fans an alert out to the receivers named in the task's `spec.alerting.receivers`, as the
/// dispatcher does, and counts (task, kind, slot, attempt, receiver). It is shared by every
/// controller of a soak, the way a real receiver sees every replica's alerts.
public final class CountingAlertSink: Sendable {
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

    private let counts = Mutex<[Delivery: Int]>([:])

    public init() {}

    /// The sink to give a controller.
    public var sink: PlanExecutor.AlertSink {
        { [self] alert, task in record(alert, task: task) }
    }

    /// Counts `alert` once for each receiver of `task`.
    public func record(_ alert: PlannedAlert, task: ScheduledTask) {
        let key = "\(task.metadata.namespace ?? "")/\(task.metadata.name ?? "")"
        counts.withLock { counts in
            for receiver in Self.receivers(of: task) {
                let delivery = Delivery(
                    task: key, kind: alert.kind, slot: alert.scheduledTime, attempt: alert.attempt, receiver: receiver)
                counts[delivery, default: 0] += 1
            }
        }
    }

    /// The receiver names of a task (unnamed receivers by position), as the dispatcher addresses them.
    public static func receivers(of task: ScheduledTask) -> [String] {
        (task.spec.alerting?.receivers ?? []).enumerated().map { $1.name ?? "receiver-\($0)" }
    }

    /// Every delivery so far with how often it happened.
    public var deliveries: [Delivery: Int] { counts.withLock { $0 } }
}
