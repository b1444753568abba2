import Synchronization

/// An in-memory lease shared by several ``InMemoryLeaseLock`` handles: the "API server" of
/// leader-election unit tests.
///
/// It keeps one record with a resource version that grows on every write, rejects stale
/// writes, and notifies watchers of every change, like the API server does for a Lease.
public final class InMemoryLeaseStore: Sendable {
    private struct State {
        var current: VersionedLeaderElectionRecord?
        var version = 0
        var nextWatcherID = 0
        var watchers: [Int: AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error>.Continuation] = [:]
    }

    /// `namespace/name`, for errors.
    public let lockDescription: String
    private let state = Mutex(State())

    public init(lockDescription: String = "default/leader") {
        self.lockDescription = lockDescription
    }

    /// The stored record, read directly (no faults).
    public var current: VersionedLeaderElectionRecord? { state.withLock { $0.current } }

    func get() -> VersionedLeaderElectionRecord? { current }

    func create(_ record: LeaderElectionRecord) throws -> VersionedLeaderElectionRecord {
        try write { current in
            if let current {
                throw LeaseLockError(
                    code: .alreadyExists,
                    lock: lockDescription,
                    detail: "exists at resourceVersion \(current.resourceVersion)"
                )
            }
            return record
        }
    }

    func update(_ record: LeaderElectionRecord, resourceVersion: String) throws -> VersionedLeaderElectionRecord {
        try write { current in
            guard let current else {
                throw LeaseLockError(code: .unavailable, lock: lockDescription, detail: "not found")
            }
            guard current.resourceVersion == resourceVersion else {
                throw LeaseLockError(
                    code: .conflict,
                    lock: lockDescription,
                    detail: "write against resourceVersion \(resourceVersion), stored \(current.resourceVersion)"
                )
            }
            return record
        }
    }

    private func write(
        _ validate: (VersionedLeaderElectionRecord?) throws -> LeaderElectionRecord
    ) throws -> VersionedLeaderElectionRecord {
        let (written, watchers) = try state.withLock { state in
            let record = try validate(state.current)
            state.version += 1
            let written = VersionedLeaderElectionRecord(record: record, resourceVersion: String(state.version))
            state.current = written
            return (written, Array(state.watchers.values))
        }
        for watcher in watchers { watcher.yield(written) }
        return written
    }

    func watch() -> AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error> {
        let (stream, continuation) = AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1)
        )
        let id = state.withLock { state in
            state.nextWatcherID += 1
            state.watchers[state.nextWatcherID] = continuation
            continuation.yield(state.current)
            return state.nextWatcherID
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }
}

/// One candidate's connection to an ``InMemoryLeaseStore``, with scriptable faults so tests
/// can partition a single candidate, make the store hang, or inject write conflicts.
public final class InMemoryLeaseLock: LeaseLock {
    /// How this handle reaches the store.
    public enum Reachability: Sendable, Equatable {
        /// Calls go through.
        case reachable
        /// Reads and writes go through but watches fail (a proxy that drops long requests).
        case watchesFailing
        /// Calls fail at once (a network partition that refuses connections).
        case failing
        /// Calls hang until the handle is reachable again or the caller is cancelled (a black
        /// hole); watches break.
        case hanging
    }

    private struct State {
        var reachability = Reachability.reachable
        var pendingConflicts = 0
        var requests = 0
        var hung: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextHungID = 0
        var watches: [Int: AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error>.Continuation] = [:]
        var nextWatchID = 0
    }

    public let store: InMemoryLeaseStore
    private let state = Mutex(State())

    public init(store: InMemoryLeaseStore) {
        self.store = store
    }

    public var lockDescription: String { store.lockDescription }

    /// Changes how this handle reaches the store; leaving `.reachable` breaks its watches.
    public func setReachability(_ reachability: Reachability) {
        let (released, broken) = state.withLock { state in
            state.reachability = reachability
            var released: [CheckedContinuation<Void, Never>] = []
            if reachability != .hanging {
                released = Array(state.hung.values)
                state.hung.removeAll()
            }
            var broken: [AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error>.Continuation] = []
            if reachability != .reachable {
                broken = Array(state.watches.values)
                state.watches.removeAll()
            }
            return (released, broken)
        }
        for continuation in released { continuation.resume() }
        for watch in broken { watch.finish(throwing: unreachableError()) }
    }

    /// How many get, create and update calls went through this handle (watches excluded), so
    /// tests can tell a watching standby from a polling one.
    public var requestCount: Int { state.withLock { $0.requests } }

    /// Makes the next `count` updates through this handle fail with a conflict, as if another
    /// writer had changed the lease just before.
    public func injectConflicts(_ count: Int) {
        state.withLock { $0.pendingConflicts += count }
    }

    // MARK: - LeaseLock

    public func get() async throws -> VersionedLeaderElectionRecord? {
        try await passFaults()
        return store.get()
    }

    public func create(_ record: LeaderElectionRecord) async throws -> VersionedLeaderElectionRecord {
        try await passFaults()
        return try store.create(record)
    }

    public func update(
        _ record: LeaderElectionRecord,
        resourceVersion: String
    ) async throws -> VersionedLeaderElectionRecord {
        try await passFaults()
        let conflict = state.withLock { state in
            guard state.pendingConflicts > 0 else { return false }
            state.pendingConflicts -= 1
            return true
        }
        if conflict {
            throw LeaseLockError(code: .conflict, lock: lockDescription, detail: "injected conflict")
        }
        return try store.update(record, resourceVersion: resourceVersion)
    }

    public func watch() -> AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error> {
        guard state.withLock({ $0.reachability == .reachable }) else {
            return AsyncThrowingStream { $0.finish(throwing: unreachableError()) }
        }
        let upstream = store.watch()
        let (stream, continuation) = AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1)
        )
        let id = state.withLock { state in
            state.nextWatchID += 1
            state.watches[state.nextWatchID] = continuation
            return state.nextWatchID
        }
        // The relay is owned by the returned stream: it ends when the consumer stops
        // iterating (onTermination cancels it) or when the handle breaks the watch.
        let relay = Task {
            do {
                for try await record in upstream { continuation.yield(record) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { [weak self] _ in
            relay.cancel()
            self?.state.withLock { _ = $0.watches.removeValue(forKey: id) }
        }
        return stream
    }

    // MARK: - Faults

    private func unreachableError() -> LeaseLockError {
        LeaseLockError(code: .unavailable, lock: lockDescription, detail: "store unreachable from this candidate")
    }

    private func passFaults() async throws {
        let reachability = state.withLock { state in
            state.requests += 1
            return state.reachability
        }
        switch reachability {
        case .reachable, .watchesFailing:
            return
        case .failing:
            throw unreachableError()
        case .hanging:
            let id = state.withLock { state in
                state.nextHungID += 1
                return state.nextHungID
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let stillHanging = state.withLock { state in
                        guard state.reachability == .hanging, !Task.isCancelled else { return false }
                        state.hung[id] = continuation
                        return true
                    }
                    if !stillHanging { continuation.resume() }
                }
            } onCancel: {
                let continuation = state.withLock { $0.hung.removeValue(forKey: id) }
                continuation?.resume()
            }
            try Task.checkCancellation()
            state.withLock { $0.requests -= 1 }
            try await passFaults()
        }
    }
}
