import Foundation

/// One line of the demo's run stream: something a user of the cluster could have seen happen.
///
/// Events are derived from the simulated API server's watch streams (Jobs, Pods, ScheduledTasks,
/// the Lease), from the alert sink given to the controllers, and from the demo's own action of
/// killing the leader; never from the controller's internal state.
struct DemoEvent: Sendable, Hashable {
    /// What happened, in the order of a run's story (see ``inStoryOrder(_:)``).
    enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A Job for a slot's first attempt was created.
        case created
        /// A Job for a later attempt of a slot was created.
        case retried
        /// A run's pod is running.
        case started
        case succeeded
        case failed
        /// A run was killed at its `activeDeadlineSeconds`.
        case deadline
        /// A slot was recorded Missed (not started within its deadline, or no leader at the time).
        case missed
        /// A slot was skipped by the concurrency policy.
        case skipped
        /// The controller raised an alert.
        case alerted
        /// A replica acquired the free Lease.
        case leader
        /// The demo stopped a replica abruptly.
        case killed
        /// A replica took the Lease over from another holder.
        case failover
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

extension DemoEvent {
    /// `events` sorted by time and, at the same instant, by their place in a run's story
    /// (created before started before succeeded ...), keeping the order of equal ones.
    ///
    /// Jobs, Pods, tasks and the Lease arrive on separate watch streams, so a pod's start can be
    /// seen a moment before its Job's creation; printing a short batch in story order reads right.
    static func inStoryOrder(_ events: [DemoEvent]) -> [DemoEvent] {
        let rank = Dictionary(uniqueKeysWithValues: Kind.allCases.enumerated().map { ($1, $0) })
        return events.enumerated().sorted { first, second in
            let left = (first.element.time, rank[first.element.kind] ?? 0, first.offset)
            let right = (second.element.time, rank[second.element.kind] ?? 0, second.offset)
            return left < right
        }.map(\.element)
    }
}
