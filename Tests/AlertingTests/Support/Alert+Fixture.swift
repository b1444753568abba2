import Alerting
import Foundation

/// Named instants of the alerting tests.
enum Instants {
    /// The slot: 2026-11-21T02:00:00Z.
    static let slot = Date(timeIntervalSince1970: 1_795_226_400)
    /// When the failure was decided, 41 s after the slot.
    static let decided = slot.addingTimeInterval(41)
}

extension Alert {
    /// A failed first attempt of `batch/report`, the second failure in a row.
    static func fixture(kind: AlertKind = .failed, consecutiveFailures: Int = 2) -> Alert {
        Alert(
            namespace: "batch", task: "report", kind: kind, scheduledTime: Instants.slot, attempt: 1,
            job: "report-29920440", reason: "BackoffLimitExceeded",
            message: "container main exited with code 1: cannot reach db <primary> & replica",
            consecutiveFailures: consecutiveFailures, severity: .error, firedAt: Instants.decided)
    }
}
