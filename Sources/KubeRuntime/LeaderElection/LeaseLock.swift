import Foundation

/// The leader-election state stored in a lock (a coordination.k8s.io/v1 Lease's spec).
public struct LeaderElectionRecord: Sendable, Equatable {
    /// Who holds the lease; empty when it is free (e.g. after a graceful release).
    public var holderIdentity: String
    /// How long, after a candidate last saw the record change, the holder's claim is valid.
    public var leaseDurationSeconds: Int
    /// When the current holder acquired the lease.
    public var acquireTime: Date?
    /// When the holder last renewed it. Informational only: expiry is judged on the local
    /// clock from the moment a change was observed, never from this remote timestamp.
    public var renewTime: Date?
    /// How many times the lease changed hands.
    public var leaseTransitions: Int

    public init(
        holderIdentity: String,
        leaseDurationSeconds: Int,
        acquireTime: Date? = nil,
        renewTime: Date? = nil,
        leaseTransitions: Int = 0
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}

/// A record as read from or written to the lock, with the version to write it back against.
public struct VersionedLeaderElectionRecord: Sendable, Equatable {
    public var record: LeaderElectionRecord
    /// The lock's optimistic-concurrency token (the Lease's `metadata.resourceVersion`).
    public var resourceVersion: String

    public init(record: LeaderElectionRecord, resourceVersion: String) {
        self.record = record
        self.resourceVersion = resourceVersion
    }
}

/// Where leader election keeps its record: a role, so the elector is tested against an
/// in-memory lock and runs against a Lease in production.
///
/// Every write is conditional: ``update(_:resourceVersion:)`` with a stale version must fail
/// with ``LeaseLockError/Code-swift.struct/conflict``, and ``create(_:)`` of an existing lock
/// with ``LeaseLockError/Code-swift.struct/alreadyExists``. This is what makes two candidates
/// acquiring at once safe. Like client-go's locks, it does not fence the leader's other writes.
public protocol LeaseLock: Sendable {
    /// `namespace/name` of the lock, for logs and errors.
    var lockDescription: String { get }

    /// Reads the record; `nil` when the lock does not exist yet.
    func get() async throws -> VersionedLeaderElectionRecord?

    /// Creates the lock holding `record`.
    func create(_ record: LeaderElectionRecord) async throws -> VersionedLeaderElectionRecord

    /// Replaces the record if the lock is still at `resourceVersion`.
    func update(
        _ record: LeaderElectionRecord,
        resourceVersion: String
    ) async throws -> VersionedLeaderElectionRecord

    /// Observes the lock: first its current state, then every change (`nil` while it does not
    /// exist). The sequence ends or throws when the watch breaks; the elector then falls back
    /// to polling and watches again.
    func watch() -> AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error>
}

/// A failed lock operation, with the lock and the reason.
public struct LeaseLockError: Error, CustomStringConvertible {
    /// What went wrong, in terms the elector acts on.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case conflict, alreadyExists, unavailable
        }

        private let base: Base

        /// The lock changed since it was read (stale resourceVersion).
        public static let conflict = Code(base: .conflict)
        /// Creating a lock that another candidate created first.
        public static let alreadyExists = Code(base: .alreadyExists)
        /// The lock could not be reached or answered with an unexpected error.
        public static let unavailable = Code(base: .unavailable)

        public var description: String {
            switch base {
            case .conflict: "conflict"
            case .alreadyExists: "already exists"
            case .unavailable: "unavailable"
            }
        }
    }

    public let code: Code
    /// `namespace/name` of the lock.
    public let lock: String
    /// Details: the versions involved or the underlying error.
    public let detail: String

    public init(code: Code, lock: String, detail: String) {
        self.code = code
        self.lock = lock
        self.detail = detail
    }

    public var description: String { "lease \(lock): \(code): \(detail)" }
}
