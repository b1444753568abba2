import KubeClient
import Logging
import Metrics
import Synchronization

/// How ``LeaderElector/run(leading:)`` ended.
public enum LeaderElectionOutcome: Sendable, Equatable {
    /// The calling task was cancelled (graceful shutdown); a held lease was released if
    /// ``LeaderElectionConfig/releaseOnCancel`` is set.
    case stopped
    /// Renewal failed for longer than the renew deadline, or another candidate took the lease;
    /// the leader work was cancelled first. The command should exit (policy ``LeaderElectionConfig/LostLeadershipPolicy/exit``).
    case lostLeadership
    /// The leader work returned by itself; the lease was released.
    case finished
}

/// Runs one candidate of a client-go style leader election over a ``LeaseLock``.
///
/// **Acquiring.** A candidate takes the lease only when it is free (empty holder) or expired by
/// the *local* observation: the instant this candidate last saw the record change, on the
/// injected clock, plus the record's `leaseDurationSeconds`. The remote `renewTime` is never
/// trusted, so clock skew between nodes cannot make two leaders.
///
/// **Standing by.** Instead of polling with jitter, a standby watches the lock and sleeps once
/// until the observed expiry; it wakes early when it observes a change (a release makes it try
/// at once). While the watch is broken it also polls every `retryPeriod`.
///
/// **Leading is a scope.** ``run(leading:)`` runs the leader work in a child task while another
/// child renews every `retryPeriod`. If no renewal has succeeded within `renewDeadline` of the
/// start of the last successful one, or another holder shows up, the work is cancelled at once.
/// Because `renewDeadline < leaseDuration`, that happens before any standby can consider the
/// lease expired. The leader work asks ``holdsCurrentLease`` before each write, so a leader
/// whose renew loop is starved stops writing at the deadline anyway. There is no fencing on the
/// server's side: work already sent to the API server is not undone.
///
/// **Stopping.** Cancelling the task that calls `run` is a graceful stop: the work is cancelled,
/// then the lease is released (holder "", `leaseDurationSeconds` 1) so a standby takes over
/// immediately rather than after the lease duration.
public final class LeaderElector: Sendable {
    public let config: LeaderElectionConfig
    let lock: any LeaseLock
    let clock: any WallClock
    let logger: Logger
    let leaderGauge: Gauge
    let state = Mutex(ElectorState())
    let leaseChanged = WakeupSignal()

    /// - Parameters:
    ///   - config: the validated settings.
    ///   - lock: where the record lives (a Lease, or an in-memory lock in tests).
    ///   - clock: the clock every expiry, renewal and wait is measured on.
    ///   - logger: receives transitions (acquired, lost, released) and lock errors.
    ///   - metricsFactory: where the `leader` gauge goes (1 while leading, else 0), labelled
    ///     `name=<lock name>`; defaults to the process-wide `MetricsSystem`.
    public init(
        config: LeaderElectionConfig,
        lock: any LeaseLock,
        clock: any WallClock,
        logger: Logger = Logger(label: "punctual.leader-election"),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.config = config
        self.lock = lock
        self.clock = clock
        var logger = logger
        logger[metadataKey: "identity"] = "\(config.identity)"
        logger[metadataKey: "lease"] = "\(config.lockNamespace)/\(config.lockName)"
        self.logger = logger
        self.leaderGauge = Gauge(
            label: "leader",
            dimensions: [("name", config.lockName)],
            factory: metricsFactory ?? MetricsSystem.factory
        )
        leaderGauge.record(0)
    }

    // MARK: - Inspection

    /// Whether this candidate currently leads (set before the leader work starts, cleared the
    /// moment leadership is lost, before the work is cancelled).
    public var isLeader: Bool { state.withLock { $0.isLeader } }

    /// Whether this candidate may act as the leader at this instant: it leads, and its last
    /// successful renewal started less than `renewDeadline` ago on its clock.
    ///
    /// ``isLeader`` is cleared when the renew loop notices a missed deadline. A starved process
    /// (paused, or short of CPU) may run its other work first, long after the deadline passed,
    /// when a standby may hold the lease already. Asked right before each write a leader makes,
    /// this stops the writes at the deadline itself. It narrows the window without closing it: a
    /// write held up between this check and the API server still lands (the API server has no
    /// fencing tokens).
    public var holdsCurrentLease: Bool {
        let now = clock.now
        return state.withLock { state in
            guard state.isLeader, let renewed = state.lastRenewalStart else { return false }
            return now < renewed.advanced(by: config.renewDeadline)
        }
    }

    /// The holder this candidate last observed, if any ("" when the lease is free).
    public var observedHolder: String? { state.withLock { $0.observed?.record.holderIdentity } }

    /// The record this candidate last read, wrote or watched, with its resourceVersion.
    public var observedRecord: VersionedLeaderElectionRecord? { state.withLock { $0.observed } }

    /// Whether a standby currently has a working watch on the lock (otherwise it also polls).
    public var isWatchingLease: Bool { state.withLock { $0.isWatchHealthy } }

    /// Whether the candidacy loop is running (for a readiness check: "election loop alive").
    public var isRunning: Bool { state.withLock { $0.isRunning } }

    // MARK: - Running

    /// Competes for the lease and runs `leading` while it is held. Call it once per elector.
    ///
    /// - Parameter leading: the leader work. It is cancelled when leadership ends and must
    ///   return promptly when cancelled.
    /// - Returns: why the election ended (see ``LeaderElectionOutcome``). With policy
    ///   ``LeaderElectionConfig/LostLeadershipPolicy/returnToCandidacy`` a loss starts a new
    ///   candidacy instead of returning.
    /// - Throws: the error thrown by `leading`, after the lease was released.
    public func run(leading: @escaping @Sendable () async throws -> Void) async throws -> LeaderElectionOutcome {
        state.withLock { $0.isRunning = true }
        defer { state.withLock { $0.isRunning = false } }
        while true {
            do {
                try await acquire()
            } catch {
                return .stopped
            }
            let outcome = try await lead(leading)
            if outcome == .lostLeadership, config.onLostLeadership == .returnToCandidacy {
                logger.info("returning to candidacy after losing the lease")
                continue
            }
            return outcome
        }
    }

    // MARK: - Leading

    private enum LeadingEnd: Sendable {
        case workFinished
        case workFailed(any Error)
        case renewalFailed
        case cancelled
    }

    private func lead(_ leading: @escaping @Sendable () async throws -> Void) async throws -> LeaderElectionOutcome {
        setLeader(true)
        logger.info("acquired the lease, leading")
        let end = await withTaskGroup(of: LeadingEnd.self) { group in
            group.addTask {
                do {
                    try await leading()
                    return .workFinished
                } catch is CancellationError {
                    return .cancelled
                } catch {
                    return .workFailed(error)
                }
            }
            group.addTask { await self.keepRenewing() }
            let first = await group.next() ?? .cancelled
            // Leadership ends here, before the leader work is even told to stop.
            setLeader(false)
            group.cancelAll()
            for await _ in group {}
            return first
        }
        if case .renewalFailed = end {
            logger.error("lost the lease: renewal did not succeed within the renew deadline")
            return .lostLeadership
        }
        if Task.isCancelled {
            if config.releaseOnCancel { await release() }
            return .stopped
        }
        await release()
        if case .workFailed(let error) = end { throw error }
        return .finished
    }

    /// Renews every `retryPeriod`; returns when a renewal cycle misses its deadline or another
    /// holder is observed (`renewalFailed`), or when cancelled.
    private func keepRenewing() async -> LeadingEnd {
        var lastRenewal = state.withLock { $0.lastRenewalStart } ?? clock.now
        while true {
            do {
                try await clock.sleep(until: lastRenewal.advanced(by: config.retryPeriod), tolerance: nil)
            } catch {
                return .cancelled
            }
            let deadline = lastRenewal.advanced(by: config.renewDeadline)
            let cycle = await withTaskGroup(of: RenewalCycle.self) { group in
                group.addTask { await self.renewUntilSuccess() }
                group.addTask { [clock] in
                    do {
                        try await clock.sleep(until: deadline, tolerance: nil)
                        return .deadlinePassed
                    } catch {
                        return .cancelled
                    }
                }
                let first = await group.next() ?? .cancelled
                group.cancelAll()
                return first
            }
            switch cycle {
            case .renewed(let start):
                lastRenewal = start
            case .deadlinePassed, .heldByOther:
                return .renewalFailed
            case .cancelled:
                return .cancelled
            }
        }
    }

    private enum RenewalCycle: Sendable {
        case renewed(WallInstant)
        case heldByOther
        case deadlinePassed
        case cancelled
    }

    private func renewUntilSuccess() async -> RenewalCycle {
        while !Task.isCancelled {
            let start = clock.now
            switch await tryAcquireOrRenew() {
            case .acquired:
                return .renewed(start)
            case .heldByOther:
                return .heldByOther
            case .failed:
                do {
                    try await clock.sleep(until: start.advanced(by: config.retryPeriod), tolerance: nil)
                } catch {
                    return .cancelled
                }
            }
        }
        return .cancelled
    }

    private func setLeader(_ isLeader: Bool) {
        state.withLock { $0.isLeader = isLeader }
        leaderGauge.record(isLeader ? 1 : 0)
    }
}
