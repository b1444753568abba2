import Foundation

/// A status condition as Jobs, Pods and most other kinds report it (and metav1.Condition, which
/// adds `observedGeneration`).
public struct Condition: Codable, Sendable, Hashable {
    /// e.g. `Complete`, `Failed`, `PodScheduled`, `Ready`.
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: Date?
    public var lastProbeTime: Date?
    public var observedGeneration: Int64?

    public init(
        type: String, status: String, reason: String? = nil, message: String? = nil,
        lastTransitionTime: Date? = nil, lastProbeTime: Date? = nil, observedGeneration: Int64? = nil
    ) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.lastProbeTime = lastProbeTime
        self.observedGeneration = observedGeneration
    }

    /// Whether `status` is `True`.
    public var isTrue: Bool { status == "True" }
}

extension Array where Element == Condition {
    /// The condition of the given type, if present.
    public func first(ofType type: String) -> Condition? { first { $0.type == type } }
}

/// A reference to another object (core/v1 ObjectReference), as events use it.
public struct ObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var resourceVersion: String?
    public var fieldPath: String?

    public init(
        apiVersion: String? = nil, kind: String? = nil, namespace: String? = nil, name: String? = nil,
        uid: String? = nil, resourceVersion: String? = nil, fieldPath: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }
}

/// A timestamp with microsecond precision (metav1.MicroTime), used by Leases and
/// events.k8s.io Events; plain `Date` fields encode at second precision (metav1.Time).
public struct MicroTime: Codable, Sendable, Hashable, Comparable {
    public var date: Date

    public init(_ date: Date) { self.date = date }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = KubeTime.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an RFC 3339 micro time, got \"\(text)\"")
        }
        self.date = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(KubeTime.formatMicro(date))
    }

    public static func < (lhs: MicroTime, rhs: MicroTime) -> Bool { lhs.date < rhs.date }
}

/// A resource quantity (`100m`, `128Mi`, `2`). Kept as the canonical string the server sends;
/// numbers written by hand in JSON are accepted and turned into their decimal string.
public struct Quantity: Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var value: String

    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = text
        } else if let number = try? container.decode(Int64.self) {
            value = String(number)
        } else {
            value = String(try container.decode(Double.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
}
