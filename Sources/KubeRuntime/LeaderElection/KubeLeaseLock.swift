import Foundation
import KubeClient
import Synchronization

/// A ``LeaseLock`` over a coordination.k8s.io/v1 Lease.
///
/// Reads and writes go through the API server with the Lease's resourceVersion, so a stale
/// write answers 409 and becomes ``LeaseLockError/Code-swift.struct/conflict``. Updates start
/// from the last Lease read (a ``KubeObject``), so labels, annotations and fields this type
/// does not model survive a renewal. The watch lists the single Lease (field selector
/// `metadata.name`) and watches from that list's resourceVersion.
public final class KubeLeaseLock: LeaseLock {
    public let namespace: String
    public let name: String
    let leases: ResourceClient<KubeObject<Lease>>
    private let lastRead = Mutex<KubeObject<Lease>?>(nil)

    /// - Parameter client: the API client; the Lease lives in `namespace`.
    public init(client: KubeClient, namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
        self.leases = client.objects(Lease.self, namespace: namespace)
    }

    public var lockDescription: String { "\(namespace)/\(name)" }

    // MARK: - LeaseLock

    public func get() async throws -> VersionedLeaderElectionRecord? {
        do {
            let lease = try await leases.get(name)
            lastRead.withLock { $0 = lease }
            return try versioned(lease)
        } catch let error as KubeError where error.isNotFound {
            return nil
        } catch {
            throw lockError(error)
        }
    }

    public func create(_ record: LeaderElectionRecord) async throws -> VersionedLeaderElectionRecord {
        do {
            let lease = try KubeObject(
                Lease(metadata: ObjectMeta(name: name, namespace: namespace), spec: Self.spec(record))
            )
            let created = try await leases.create(lease)
            lastRead.withLock { $0 = created }
            return try versioned(created)
        } catch {
            throw lockError(error)
        }
    }

    public func update(
        _ record: LeaderElectionRecord,
        resourceVersion: String
    ) async throws -> VersionedLeaderElectionRecord {
        do {
            var lease = try lastRead.withLock { cached in
                if let cached, cached.metadata.resourceVersion == resourceVersion { return cached }
                return try KubeObject(Lease(metadata: ObjectMeta(name: name, namespace: namespace)))
            }
            lease.value.metadata.resourceVersion = resourceVersion
            lease.value.spec = Self.spec(record)
            let updated = try await leases.update(lease)
            lastRead.withLock { $0 = updated }
            return try versioned(updated)
        } catch {
            throw lockError(error)
        }
    }

    public func watch() -> AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error> {
        let (stream, continuation) = AsyncThrowingStream<VersionedLeaderElectionRecord?, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1)
        )
        let selector = "metadata.name=\(name)"
        // Owned by the stream: cancelled when the consumer stops iterating.
        let task = Task { [leases] in
            do {
                let list = try await leases.list(options: ListOptions(fieldSelector: selector))
                continuation.yield(try list.items.first.map(versioned))
                let events = try await leases.watch(
                    options: WatchOptions(
                        resourceVersion: list.resourceVersion,
                        fieldSelector: selector,
                        allowWatchBookmarks: true
                    )
                )
                for try await event in events {
                    switch event {
                    case .added(let lease), .modified(let lease):
                        continuation.yield(try versioned(lease))
                    case .deleted:
                        continuation.yield(nil)
                    case .bookmark:
                        continue
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    // MARK: - Mapping

    static func spec(_ record: LeaderElectionRecord) -> LeaseSpec {
        LeaseSpec(
            holderIdentity: record.holderIdentity,
            leaseDurationSeconds: Int32(clamping: record.leaseDurationSeconds),
            acquireTime: record.acquireTime.map(MicroTime.init),
            renewTime: record.renewTime.map(MicroTime.init),
            leaseTransitions: Int32(clamping: record.leaseTransitions)
        )
    }

    private func versioned(_ lease: KubeObject<Lease>) throws -> VersionedLeaderElectionRecord {
        let spec = lease.value.spec ?? LeaseSpec()
        return VersionedLeaderElectionRecord(
            record: LeaderElectionRecord(
                holderIdentity: spec.holderIdentity ?? "",
                leaseDurationSeconds: Int(spec.leaseDurationSeconds ?? 0),
                acquireTime: spec.acquireTime?.date,
                renewTime: spec.renewTime?.date,
                leaseTransitions: Int(spec.leaseTransitions ?? 0)
            ),
            resourceVersion: lease.metadata.resourceVersion ?? ""
        )
    }

    private func lockError(_ error: any Error) -> LeaseLockError {
        guard let error = error as? KubeError else {
            return LeaseLockError(code: .unavailable, lock: lockDescription, detail: "\(error)")
        }
        let code: LeaseLockError.Code =
            error.isConflict ? .conflict : error.isAlreadyExists ? .alreadyExists : .unavailable
        return LeaseLockError(code: code, lock: lockDescription, detail: "\(error)")
    }
}
