import Foundation

/// One line of the demo's run stream: something a user of the cluster could have seen happen.
///
/// Events are derived from the simulated API server's watch streams (Jobs, Pods, ScheduledTasks,
/// the Lease), from the alert sink given to the controllers, and from the demo's own action of
/// killing the leader; never from the controller's internal state.
struct DemoEvent: Sendable, Hashable {
    /// What happened.
    enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A Job for a slot's first attempt was created.
        case created
        /// A run's pod is running.
        case started
        case succeeded
        case failed
        /// A slot was recorded Missed (not started within its deadline, or no leader at the time).
        case missed
        /// A slot was skipped by the concurrency policy.
        case skipped
        /// A run was killed at its `activeDeadlineSeconds`.
        case deadline
        /// A Job for a later attempt of a slot was created.
        case retried
        /// The controller raised an alert.
        case alerted
        /// A replica acquired the free Lease.
        case leader
        /// A replica took the Lease over from another holder.
        case failover
        /// The demo stopped a replica abruptly.
        case killed
    }

    /// The instant on the simulation clock.
    var time: Date
    var kind: Kind
    /// The task (namespace omitted for `default`) or, for election events, the replica.
    var subject: String
    var detail: String
    /// For ``Kind/failover``: the replica that held the Lease before.
    var previousHolder: String?

    init(time: Date, kind: Kind, subject: String, detail: String, previousHolder: String? = nil) {
        self.time = time
        self.kind = kind
        self.subject = subject
        self.detail = detail
        self.previousHolder = previousHolder
    }
}
