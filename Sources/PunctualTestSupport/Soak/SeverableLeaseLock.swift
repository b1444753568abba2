import KubeRuntime
import Synchronization

/// A lease lock that can be cut off from the API server, for a leader that dies with kill -9.
///
/// A killed process cannot release its lease, but an in-process controller whose task is
/// cancelled would: severing the lock first makes every later lock call fail, so the lease stays
/// held until it expires, exactly as after a real kill -9.
public final class SeverableLeaseLock: LeaseLock {
    private let base: any LeaseLock
    private let isSevered = Mutex(false)

    public init(_ base: any LeaseLock) {
        self.base = base
    }

    /// Makes every later call fail as if the network were gone.
    public func sever() {
        isSevered.withLock { $0 = true }
    }

    public var lockDescription: String { base.lockDescription }

    public func get() async throws -> VersionedLeaderElectionRecord? {
        try check()
        return try await base.get()
    }

    public func create(_ record: LeaderElectionRecord) async throws -> VersionedLeaderElectionRecord {
        try check()
        return try await base.create(record)
    }

    public func update(
        _ record: LeaderElectionRecord, resourceVersion: String
    ) async throws -> VersionedLeaderElectionRecord {
        try check()
        return try await base.update(record, resourceVersion: resourceVersion)
    }

    public func watch() -> AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error> {
        if isSevered.withLock({ $0 }) {
            return AsyncThrowingStream { $0.finish(throwing: severedError) }
        }
        return base.watch()
    }

    private var severedError: LeaseLockError {
        LeaseLockError(code: .unavailable, lock: base.lockDescription, detail: "the process was killed")
    }

    private func check() throws(LeaseLockError) {
        if isSevered.withLock({ $0 }) { throw severedError }
    }
}
