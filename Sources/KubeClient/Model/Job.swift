import Foundation

/// A batch/v1 Job, limited to the fields Punctual creates and observes.
public struct Job: KubeResource, Hashable {
    public static let resourceType = ResourceType.jobs

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: JobSpec?
    public var status: JobStatus?

    public init(metadata: ObjectMeta, spec: JobSpec? = nil, status: JobStatus? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// The desired behaviour of a Job.
public struct JobSpec: Codable, Sendable, Hashable {
    public var template: PodTemplateSpec
    /// Retries before the Job is marked failed (Kubernetes default 6).
    public var backoffLimit: Int32?
    /// Runtime limit in seconds, after which the Job fails with reason `DeadlineExceeded`.
    public var activeDeadlineSeconds: Int64?
    /// `TerminatingOrFailed` (default) or `Failed`: when a replacement pod may be created.
    public var podReplacementPolicy: String?
    public var parallelism: Int32?
    public var completions: Int32?
    public var suspend: Bool?
    public var ttlSecondsAfterFinished: Int32?

    public init(
        template: PodTemplateSpec, backoffLimit: Int32? = nil, activeDeadlineSeconds: Int64? = nil,
        podReplacementPolicy: String? = nil, parallelism: Int32? = nil, completions: Int32? = nil,
        suspend: Bool? = nil, ttlSecondsAfterFinished: Int32? = nil
    ) {
        self.template = template
        self.backoffLimit = backoffLimit
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.podReplacementPolicy = podReplacementPolicy
        self.parallelism = parallelism
        self.completions = completions
        self.suspend = suspend
        self.ttlSecondsAfterFinished = ttlSecondsAfterFinished
    }
}

/// The observed state of a Job, as the Job controller reports it.
public struct JobStatus: Codable, Sendable, Hashable {
    /// `Complete`, `Failed`, `SuccessCriteriaMet`, `FailureTarget`, `Suspended`.
    public var conditions: [Condition]?
    public var startTime: Date?
    public var completionTime: Date?
    public var active: Int32?
    public var succeeded: Int32?
    public var failed: Int32?
    public var ready: Int32?

    public init(
        conditions: [Condition]? = nil, startTime: Date? = nil, completionTime: Date? = nil, active: Int32? = nil,
        succeeded: Int32? = nil, failed: Int32? = nil, ready: Int32? = nil
    ) {
        self.conditions = conditions
        self.startTime = startTime
        self.completionTime = completionTime
        self.active = active
        self.succeeded = succeeded
        self.failed = failed
        self.ready = ready
    }
}

extension Job {
    /// Whether the Job has a `Complete` condition that is true.
    public var isComplete: Bool { status?.conditions?.first(ofType: "Complete")?.isTrue ?? false }

    /// Whether the Job has a `Failed` condition that is true.
    public var isFailed: Bool { status?.conditions?.first(ofType: "Failed")?.isTrue ?? false }

    /// Whether the Job reached a terminal state.
    public var isFinished: Bool { isComplete || isFailed }
}
