import Foundation
import KubeClient
import Logging

/// What a candidate knows about the lease, guarded by the elector's mutex.
struct ElectorState {
    /// The record last read, written or watched.
    var observed: VersionedLeaderElectionRecord?
    /// When, on the local clock, `observed` last changed: the start of its validity.
    var observedTime: WallInstant?
    /// Start of the last successful acquire or renew, the base of the renew deadline.
    var lastRenewalStart: WallInstant?
    var isLeader = false
    var isRunning = false
    var isWatchHealthy = false

    /// Records `lease` as seen at `now`; the validity clock restarts only when it changed.
    mutating func observe(_ lease: VersionedLeaderElectionRecord?, at now: WallInstant) {
        guard lease != observed else { return }
        observed = lease
        observedTime = now
    }

    /// When the observed holder's claim runs out on our clock; `nil` if the lease is free.
    var observedExpiry: WallInstant? {
        guard let observed, !observed.record.holderIdentity.isEmpty, let observedTime else { return nil }
        return observedTime.advanced(by: .seconds(observed.record.leaseDurationSeconds))
    }
}

extension LeaderElector {
    enum Attempt: Sendable, Equatable {
        /// The lease is ours (acquired or renewed).
        case acquired
        /// Another holder's claim is still valid by our observation.
        case heldByOther
        /// The lock could not be read or written (error or conflict): try again later.
        case failed
    }

    // MARK: - One attempt

    /// client-go's `tryAcquireOrRenew`: read the record, and write ourselves as holder if it is
    /// free, expired by our observation, or already ours. Every write is conditional on the
    /// version read, so two candidates acquiring at once cannot both succeed.
    func tryAcquireOrRenew() async -> Attempt {
        let now = clock.now
        var desired = LeaderElectionRecord(
            holderIdentity: config.identity,
            leaseDurationSeconds: config.leaseDurationSeconds,
            acquireTime: now.date,
            renewTime: now.date,
            leaseTransitions: 0
        )
        let current: VersionedLeaderElectionRecord?
        do {
            current = try await lock.get()
        } catch {
            logger.warning("reading the lease failed", metadata: ["error": "\(error)"])
            return .failed
        }
        guard let current else {
            return await write(now: now) { try await lock.create(desired) }
        }
        state.withLock { $0.observe(current, at: now) }

        let holder = current.record.holderIdentity
        if !holder.isEmpty, holder != config.identity {
            let expiry = state.withLock { $0.observedExpiry }
            if let expiry, now < expiry { return .heldByOther }
        }
        if holder == config.identity {
            desired.acquireTime = current.record.acquireTime
            desired.leaseTransitions = current.record.leaseTransitions
        } else {
            desired.leaseTransitions = current.record.leaseTransitions + 1
        }
        return await write(now: now) {
            try await lock.update(desired, resourceVersion: current.resourceVersion)
        }
    }

    private func write(
        now: WallInstant,
        _ operation: () async throws -> VersionedLeaderElectionRecord
    ) async -> Attempt {
        do {
            let written = try await operation()
            state.withLock { state in
                state.observe(written, at: now)
                state.lastRenewalStart = now
            }
            return .acquired
        } catch {
            logger.warning("writing the lease failed", metadata: ["error": "\(error)"])
            return .failed
        }
    }

    // MARK: - Standing by

    /// Stands by until the lease is acquired.
    ///
    /// A child task watches the lock and signals every change; the loop sleeps once, until
    /// the observed expiry (or `retryPeriod` after a failed attempt, or also `retryPeriod`
    /// while the watch is broken), and attempts only when the sleep ends or it observes the
    /// lease free or expired. No jitter is needed: expiry instants differ per observation and
    /// every write is conditional.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled.
    func acquire() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchLease() }
            defer { group.cancelAll() }
            var shouldAttempt = true
            var lastAttemptFailed = false
            while true {
                try Task.checkCancellation()
                if shouldAttempt {
                    let attempt = await tryAcquireOrRenew()
                    if attempt == .acquired { return }
                    lastAttemptFailed = attempt == .failed
                }
                let now = clock.now
                let (expiry, isWatchHealthy) = state.withLock { ($0.observedExpiry, $0.isWatchHealthy) }
                let wake: WallInstant
                if lastAttemptFailed {
                    wake = now.advanced(by: config.retryPeriod)
                } else if let expiry, expiry > now {
                    wake = isWatchHealthy ? expiry : min(expiry, now.advanced(by: config.retryPeriod))
                } else {
                    // Free or expired by our observation: go for it.
                    shouldAttempt = true
                    continue
                }
                switch try await leaseChanged.wait(until: wake, on: clock) {
                case .deadline:
                    shouldAttempt = true
                case .signalled:
                    // A change we observed: try only if it freed the lease (e.g. a release) or
                    // it already expired; otherwise sleep again until the new expiry.
                    let expiry = state.withLock { $0.observedExpiry }
                    shouldAttempt = expiry.map { clock.now >= $0 } ?? true
                    if !shouldAttempt { lastAttemptFailed = false }
                }
            }
        }
    }

    /// Keeps a watch on the lock open, recording every observed record; after the watch breaks
    /// it waits `retryPeriod` and watches again. Runs until cancelled.
    private func watchLease() async {
        while !Task.isCancelled {
            do {
                for try await lease in lock.watch() {
                    let now = clock.now
                    state.withLock { state in
                        state.isWatchHealthy = true
                        state.observe(lease, at: now)
                    }
                    leaseChanged.signal()
                }
            } catch {
                logger.debug("lease watch broke; polling until it is re-established", metadata: ["error": "\(error)"])
            }
            state.withLock { $0.isWatchHealthy = false }
            leaseChanged.signal()
            do {
                try await clock.sleep(for: config.retryPeriod)
            } catch {
                return
            }
        }
    }

    // MARK: - Releasing

    /// Gives the lease up (client-go's ReleaseOnCancel): holder "", `leaseDurationSeconds` 1,
    /// renewTime now, so a standby that observes it acquires at once. Runs shielded from the
    /// caller's cancellation (it is part of shutting down) but bounded by `renewDeadline`.
    func release() async {
        let observed = state.withLock { $0.observed }
        guard let observed, observed.record.holderIdentity == config.identity else { return }
        let now = clock.now
        let released = LeaderElectionRecord(
            holderIdentity: "",
            leaseDurationSeconds: 1,
            acquireTime: now.date,
            renewTime: now.date,
            leaseTransitions: observed.record.leaseTransitions
        )
        let lock = self.lock
        let clock = self.clock
        let deadline = now.advanced(by: config.renewDeadline)
        // A fresh task so that the caller's cancellation (the very reason we release) does not
        // abort the write; it is awaited right here, so it never outlives this call.
        let result = await Task {
            await withTaskGroup(of: Result<VersionedLeaderElectionRecord, any Error>?.self) { group in
                group.addTask {
                    do {
                        return .success(try await Self.writeRelease(released, over: observed, lock: lock))
                    } catch {
                        return .failure(error)
                    }
                }
                group.addTask {
                    try? await clock.sleep(until: deadline, tolerance: nil)
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }.value
        switch result {
        case .success(let written):
            state.withLock { $0.observe(written, at: now) }
            logger.info("released the lease")
        case .failure(let error):
            logger.warning("releasing the lease failed", metadata: ["error": "\(error)"])
        case nil:
            logger.warning("releasing the lease timed out")
        }
    }
}

extension LeaderElector {
    /// Writes the released record over `observed`. A renewal still in flight when the candidacy
    /// stopped may have moved the Lease on (our own write, so still ours): on a conflict the
    /// record is read again and, while we still hold it, released at its new version. A Lease
    /// someone else holds by then is left alone.
    static func writeRelease(
        _ released: LeaderElectionRecord, over observed: VersionedLeaderElectionRecord, lock: any LeaseLock
    ) async throws -> VersionedLeaderElectionRecord {
        var version = observed.resourceVersion
        var conflicts = 0
        while true {
            do {
                return try await lock.update(released, resourceVersion: version)
            } catch let error as LeaseLockError where error.code == .conflict && conflicts < 2 {
                conflicts += 1
                guard let current = try await lock.get(),
                    current.record.holderIdentity == observed.record.holderIdentity
                else { throw error }
                version = current.resourceVersion
            }
        }
    }
}

extension WallInstant {
    /// An instant later than any real one, for "no deadline".
    static let distantFuture = WallInstant(.distantFuture)
}
