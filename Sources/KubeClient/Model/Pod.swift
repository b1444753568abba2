import Foundation

/// A core/v1 Pod, limited to what Punctual schedules (placeholders) and watches (run start,
/// start-up failures, exit codes).
public struct Pod: KubeResource, Hashable {
    public static let resourceType = ResourceType.pods

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec? = nil, status: PodStatus? = nil) {
        self.apiVersion = Self.resourceType.apiVersion
        self.kind = Self.resourceType.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// A pod template as Jobs embed it.
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?

    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// The pod fields that matter for scheduling and running. Affinity and tolerations are passed
/// through untouched: Punctual copies them to placeholder pods but never interprets them.
public struct PodSpec: Codable, Sendable, Hashable {
    public var containers: [Container]
    public var initContainers: [Container]?
    /// `Always`, `OnFailure` or `Never`.
    public var restartPolicy: String?
    public var nodeSelector: [String: String]?
    public var affinity: JSONValue?
    public var tolerations: [JSONValue]?
    public var priorityClassName: String?
    public var priority: Int32?
    public var serviceAccountName: String?
    public var nodeName: String?
    public var terminationGracePeriodSeconds: Int64?

    public init(
        containers: [Container], initContainers: [Container]? = nil, restartPolicy: String? = nil,
        nodeSelector: [String: String]? = nil, affinity: JSONValue? = nil, tolerations: [JSONValue]? = nil,
        priorityClassName: String? = nil, priority: Int32? = nil, serviceAccountName: String? = nil,
        nodeName: String? = nil, terminationGracePeriodSeconds: Int64? = nil
    ) {
        self.containers = containers
        self.initContainers = initContainers
        self.restartPolicy = restartPolicy
        self.nodeSelector = nodeSelector
        self.affinity = affinity
        self.tolerations = tolerations
        self.priorityClassName = priorityClassName
        self.priority = priority
        self.serviceAccountName = serviceAccountName
        self.nodeName = nodeName
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
    }
}

/// One container of a pod.
public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    /// Environment entries, passed through (`valueFrom` has many shapes).
    public var env: [JSONValue]?
    public var resources: ResourceRequirements?

    public init(
        name: String, image: String? = nil, command: [String]? = nil, args: [String]? = nil,
        env: [JSONValue]? = nil, resources: ResourceRequirements? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.resources = resources
    }
}

/// Requests and limits of a container, e.g. `["cpu": "500m", "memory": "128Mi"]`.
public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var requests: [String: Quantity]?
    public var limits: [String: Quantity]?

    public init(requests: [String: Quantity]? = nil, limits: [String: Quantity]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

/// The observed state of a pod.
public struct PodStatus: Codable, Sendable, Hashable {
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String?
    /// `PodScheduled` (reason `Unschedulable`), `Initialized`, `ContainersReady`, `Ready`.
    public var conditions: [Condition]?
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?
    public var startTime: Date?
    public var reason: String?
    public var message: String?
    public var nominatedNodeName: String?

    public init(
        phase: String? = nil, conditions: [Condition]? = nil, containerStatuses: [ContainerStatus]? = nil,
        initContainerStatuses: [ContainerStatus]? = nil, startTime: Date? = nil, reason: String? = nil,
        message: String? = nil, nominatedNodeName: String? = nil
    ) {
        self.phase = phase
        self.conditions = conditions
        self.containerStatuses = containerStatuses
        self.initContainerStatuses = initContainerStatuses
        self.startTime = startTime
        self.reason = reason
        self.message = message
        self.nominatedNodeName = nominatedNodeName
    }
}

/// The state of one container of a pod.
public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    public var ready: Bool?
    public var restartCount: Int32?
    public var image: String?
    public var state: ContainerState?
    public var lastState: ContainerState?

    public init(
        name: String, ready: Bool? = nil, restartCount: Int32? = nil, image: String? = nil,
        state: ContainerState? = nil, lastState: ContainerState? = nil
    ) {
        self.name = name
        self.ready = ready
        self.restartCount = restartCount
        self.image = image
        self.state = state
        self.lastState = lastState
    }
}

/// Exactly one of the three states is set.
public struct ContainerState: Codable, Sendable, Hashable {
    public var waiting: Waiting?
    public var running: Running?
    public var terminated: Terminated?

    public init(waiting: Waiting? = nil, running: Running? = nil, terminated: Terminated? = nil) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }

    /// Not yet running, e.g. reason `ImagePullBackOff`, `ErrImagePull`, `CreateContainerConfigError`.
    public struct Waiting: Codable, Sendable, Hashable {
        public var reason: String?
        public var message: String?

        public init(reason: String? = nil, message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    public struct Running: Codable, Sendable, Hashable {
        public var startedAt: Date?

        public init(startedAt: Date? = nil) { self.startedAt = startedAt }
    }

    /// Finished, e.g. reason `Completed` (exit 0), `Error`, `OOMKilled`.
    public struct Terminated: Codable, Sendable, Hashable {
        public var exitCode: Int32
        public var signal: Int32?
        public var reason: String?
        public var message: String?
        public var startedAt: Date?
        public var finishedAt: Date?

        public init(
            exitCode: Int32, signal: Int32? = nil, reason: String? = nil, message: String? = nil,
            startedAt: Date? = nil, finishedAt: Date? = nil
        ) {
            self.exitCode = exitCode
            self.signal = signal
            self.reason = reason
            self.message = message
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }
    }
}
