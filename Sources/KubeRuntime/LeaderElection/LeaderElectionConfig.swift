/// The validated settings of one leader-election candidate.
///
/// Mirrors client-go's `LeaderElectionConfig` and checks the same invariants when it is built,
/// so a misconfiguration is reported at start-up with the field and rule that failed rather
/// than as split-brain in production:
///
/// - `leaseDuration > renewDeadline`: a leader gives up (and cancels its work) before any
///   standby may consider the lease expired;
/// - `renewDeadline > retryPeriod × 1.2` (client-go's `JitterFactor`): there is room for at
///   least one retry before the deadline;
/// - every duration is positive; the identity and the lock's name and namespace are non-empty.
public struct LeaderElectionConfig: Sendable, Equatable {
    /// client-go's `JitterFactor`; the renew deadline must leave room for a jittered retry.
    public static let jitterFactor = 1.2

    /// The namespace of the Lease.
    public let lockNamespace: String
    /// The name of the Lease.
    public let lockName: String
    /// This candidate's unique identity (see ``LeaderElectionIdentity``).
    public let identity: String
    /// How long a lease is valid after a standby last saw it change (client-go: 15 s).
    public let leaseDuration: Duration
    /// How long the leader keeps retrying a failed renewal before it gives up (client-go: 10 s).
    public let renewDeadline: Duration
    /// How often the leader renews and a standby without a working watch polls (client-go: 2 s).
    public let retryPeriod: Duration
    /// Whether a graceful stop releases the lease so a successor takes over at once.
    public let releaseOnCancel: Bool
    /// What ``LeaderElector/run(leading:)`` does after losing the lease.
    public let onLostLeadership: LostLeadershipPolicy

    /// What a candidate does when it loses leadership.
    public enum LostLeadershipPolicy: Sendable, Equatable {
        /// `run` returns ``LeaderElectionOutcome/lostLeadership``; the command exits so that the
        /// Deployment restarts the pod with fresh state (the default, as in most controllers).
        case exit
        /// Stand by again and compete for the lease.
        case returnToCandidacy
    }

    /// Builds and validates a configuration.
    ///
    /// - Throws: ``LeaderElectionConfigError`` naming the first rule that does not hold.
    public init(
        lockNamespace: String,
        lockName: String,
        identity: String,
        leaseDuration: Duration = .seconds(15),
        renewDeadline: Duration = .seconds(10),
        retryPeriod: Duration = .seconds(2),
        releaseOnCancel: Bool = true,
        onLostLeadership: LostLeadershipPolicy = .exit
    ) throws(LeaderElectionConfigError) {
        func fail(_ field: String, _ rule: String) -> LeaderElectionConfigError {
            LeaderElectionConfigError(field: field, message: rule)
        }
        guard !lockNamespace.isEmpty else { throw fail("lockNamespace", "must not be empty") }
        guard !lockName.isEmpty else { throw fail("lockName", "must not be empty") }
        guard !identity.isEmpty else { throw fail("identity", "must not be empty") }
        guard leaseDuration > .zero else {
            throw fail("leaseDuration", "must be greater than zero, got \(leaseDuration.secondsDescription)")
        }
        guard renewDeadline > .zero else {
            throw fail("renewDeadline", "must be greater than zero, got \(renewDeadline.secondsDescription)")
        }
        guard retryPeriod > .zero else {
            throw fail("retryPeriod", "must be greater than zero, got \(retryPeriod.secondsDescription)")
        }
        guard leaseDuration > renewDeadline else {
            throw fail(
                "leaseDuration",
                "must be greater than renewDeadline (\(renewDeadline.secondsDescription)), "
                    + "got \(leaseDuration.secondsDescription)"
            )
        }
        let minimumDeadline = retryPeriod * Self.jitterFactor
        guard renewDeadline > minimumDeadline else {
            throw fail(
                "renewDeadline",
                "must be greater than retryPeriod × \(Self.jitterFactor) (\(minimumDeadline.secondsDescription)), "
                    + "got \(renewDeadline.secondsDescription)"
            )
        }
        guard leaseDuration.components.attoseconds == 0 else {
            throw fail(
                "leaseDuration",
                "must be a whole number of seconds (Lease.spec.leaseDurationSeconds), "
                    + "got \(leaseDuration.secondsDescription)"
            )
        }
        self.lockNamespace = lockNamespace
        self.lockName = lockName
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.releaseOnCancel = releaseOnCancel
        self.onLostLeadership = onLostLeadership
    }

    /// The lease duration as the whole seconds written to `leaseDurationSeconds`.
    public var leaseDurationSeconds: Int { Int(leaseDuration.components.seconds) }
}

/// A leader-election setting that breaks one of ``LeaderElectionConfig``'s rules.
public struct LeaderElectionConfigError: Error, Equatable, CustomStringConvertible {
    /// The offending field, e.g. `renewDeadline`.
    public let field: String
    /// The rule it breaks, with the values involved.
    public let message: String

    public var description: String { "invalid leader election config: \(field): \(message)" }
}

extension Duration {
    /// A compact rendering in seconds for messages: `10s`, `2.5s`.
    var secondsDescription: String {
        let seconds = timeInterval
        if seconds == seconds.rounded() { return "\(Int64(seconds))s" }
        return "\(seconds)s"
    }
}
