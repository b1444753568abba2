import Foundation

/// A coordination.k8s.io/v1 Lease: the lock of leader election.
///
/// `acquireTime` and `renewTime` are metav1.MicroTime (microsecond precision on the wire);
/// second precision would make a renewal within the same second look like no renewal.
public struct Lease: KubeResource, Hashable {
    public static let resourceType = ResourceType.leases

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: LeaseSpec?

    public init(metadata: ObjectMeta, spec: LeaseSpec? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// Who holds a Lease and until when.
public struct LeaseSpec: Codable, Sendable, Hashable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int32?
    public var acquireTime: MicroTime?
    public var renewTime: MicroTime?
    public var leaseTransitions: Int32?

    public init(
        holderIdentity: String? = nil, leaseDurationSeconds: Int32? = nil, acquireTime: MicroTime? = nil,
        renewTime: MicroTime? = nil, leaseTransitions: Int32? = nil
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}
