import Foundation
import KubeClient

/// The life of one simulated Pod as a value-type state machine: what a scheduler and a kubelet
/// would do to it, driven by its ``PodBehavior`` and the time.
///
/// ``advance(to:)`` applies every transition due by the given instant, each stamped with the
/// instant it was due (not the instant it was noticed), so a big jump of a manual clock yields
/// the same timestamps as watching in real time. ``status(for:)`` renders the Pod's `status`.
public struct SimulatedPod: Sendable, Hashable {
    /// Where the Pod is in its life.
    public enum Stage: Sendable, Hashable {
        /// Not bound to a node: never (``PodBehavior/isUnschedulable``) or not yet (waiting for
        /// room on a simulated node, see ``bind(at:node:hostIP:)``).
        case unschedulable
        /// Scheduled; containers are being created until `until`.
        case creating(until: Date)
        /// Scheduled; the image cannot be pulled, forever.
        case imagePullBackOff
        /// Containers run since `since`; they exit at `until` (never when `nil`).
        case running(since: Date, until: Date?)
        /// A container exited non-zero and waits to be restarted (restartPolicy OnFailure/Always).
        case crashLoopBackOff(until: Date)
        /// Finished; `exitCode` 0 means Succeeded, anything else Failed.
        case terminated(Termination)
    }

    /// How the containers ended.
    public struct Termination: Sendable, Hashable {
        public var exitCode: Int
        public var reason: String
        public var message: String?
        public var startedAt: Date?
        public var finishedAt: Date
    }

    public private(set) var stage: Stage
    public private(set) var scheduledAt: Date?
    public private(set) var restartCount = 0
    /// The last run that ended in a restart, shown as `lastState`.
    public private(set) var lastTermination: Termination?
    /// When the Pod became ready (Running), or `nil`.
    public private(set) var readySince: Date?
    public let behavior: PodBehavior
    public let restartPolicy: String
    /// The node the Pod runs on (``bind(at:node:hostIP:)``), and that node's address.
    public private(set) var nodeName: String = SimulatedPod.nodeName
    public private(set) var hostIP: String = SimulatedPod.hostIP
    /// Why the scheduler has not bound the Pod (its PodScheduled=False message); `nil` gives the
    /// message of ``PodBehavior/isUnschedulable`` Pods.
    public var schedulingMessage: String?
    /// The node a preemption was made for (`status.nominatedNodeName`).
    public var nominatedNodeName: String?
    /// Set when the scheduler evicts the Pod to make room for a more important one: rendered as
    /// the `DisruptionTarget` condition (reason `PreemptionByScheduler`).
    public var isPreempted = false

    /// The back-off before restarting a crashed container: 10 s doubling up to 5 minutes (kubelet).
    static func crashLoopBackOff(restarts: Int) -> Double {
        min(300, 10 * pow(2, Double(max(0, restarts - 1))))
    }

    /// A Pod created at `now`.
    /// - Parameter isBound: whether it is scheduled at once (no simulated nodes, or `spec.nodeName`
    ///   already set); otherwise it waits for ``bind(at:node:hostIP:)``. Unschedulable Pods never are.
    public init(behavior: PodBehavior, restartPolicy: String, createdAt now: Date, isBound: Bool = true) {
        self.behavior = behavior
        self.restartPolicy = restartPolicy
        stage = .unschedulable
        if isBound { start(at: now) }
    }

    /// Whether the Pod waits for the scheduler: not bound yet, and not unschedulable by annotation.
    public var isWaitingForNode: Bool { stage == .unschedulable && !behavior.isUnschedulable }

    /// Binds a waiting Pod to `node` at `time`: its containers start being created.
    public mutating func bind(at time: Date, node: String, hostIP: String) {
        guard isWaitingForNode else { return }
        nodeName = node
        self.hostIP = hostIP
        schedulingMessage = nil
        start(at: time)
    }

    private mutating func start(at time: Date) {
        guard !behavior.isUnschedulable else { return }
        scheduledAt = time
        stage = behavior.hasImagePullError ? .imagePullBackOff : .creating(until: time + behavior.pendingSeconds)
    }

    // MARK: - Transitions

    /// Whether the Pod has finished (phase Succeeded or Failed).
    public var isTerminal: Bool {
        if case .terminated = stage { return true }
        return false
    }

    /// `Pending`, `Running`, `Succeeded` or `Failed`.
    public var phase: String {
        switch stage {
        case .unschedulable, .creating, .imagePullBackOff: "Pending"
        case .running, .crashLoopBackOff: "Running"
        case .terminated(let end): end.exitCode == 0 ? "Succeeded" : "Failed"
        }
    }

    /// When the next transition is due, if any.
    public var nextTransition: Date? {
        switch stage {
        case .creating(let until), .crashLoopBackOff(let until): until
        case .running(_, let until): until
        case .unschedulable, .imagePullBackOff, .terminated: nil
        }
    }

    /// Applies every transition due at or before `now`.
    /// - Returns: whether anything changed.
    @discardableResult
    public mutating func advance(to now: Date) -> Bool {
        var changed = false
        // Bounded: a long jump through a crash loop stops after this many restarts per call.
        for _ in 0..<1_000 {
            guard let due = nextTransition, due <= now else { break }
            step(at: due)
            changed = true
        }
        return changed
    }

    private mutating func step(at time: Date) {
        switch stage {
        case .creating:
            stage = .running(since: time, until: behavior.runSeconds.map { time + $0 })
            readySince = time
        case .crashLoopBackOff:
            stage = .running(since: time, until: behavior.runSeconds.map { time + $0 })
            readySince = time
        case .running(let since, _):
            let failed = behavior.exitCode != 0
            let end = Termination(
                exitCode: behavior.exitCode, reason: failed ? "Error" : "Completed",
                message: failed ? behavior.failureMessage : nil, startedAt: since, finishedAt: time)
            readySince = nil
            let restarts = restartPolicy == "Always" || (restartPolicy == "OnFailure" && failed)
            if restarts {
                restartCount += 1
                lastTermination = end
                stage = .crashLoopBackOff(until: time + Self.crashLoopBackOff(restarts: restartCount))
            } else {
                stage = .terminated(end)
            }
        case .unschedulable, .imagePullBackOff, .terminated:
            break
        }
    }

    /// Kills the containers at `time` (deletion, Job deadline or backoff limit): the Pod fails
    /// with exit code 137 unless it has already finished.
    public mutating func kill(at time: Date, reason: String = "Error", message: String? = nil) {
        guard !isTerminal else { return }
        var startedAt: Date?
        if case .running(let since, _) = stage { startedAt = since }
        let neverRan = startedAt == nil
        stage = .terminated(
            Termination(
                exitCode: 137, reason: neverRan ? "ContainerStatusUnknown" : reason,
                message: message
                    ?? (neverRan ? "The container could not be located when the pod was terminated" : nil),
                startedAt: startedAt, finishedAt: time))
        readySince = nil
    }
}

// MARK: - Rendering

extension SimulatedPod {
    /// Fake node and network identity for scheduled Pods.
    static let nodeName = "sim-node-1"
    static let hostIP = "10.0.0.11"

    /// The message a real scheduler gives for a Pod that fits no node.
    static let unschedulableMessage =
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
        + "3 No preemption victims found for incoming pod."

    /// The Pod's `status` for its current stage.
    /// - Parameter pod: the Pod object (container names and images come from its spec).
    public func status(for pod: JSONValue) -> JSONValue {
        var status: [String: JSONValue] = ["phase": .string(phase), "qosClass": "BestEffort"]
        let created = pod[path: ["metadata", "creationTimestamp"]] ?? .null
        if let nominatedNodeName { status["nominatedNodeName"] = .string(nominatedNodeName) }
        guard let scheduledAt else {
            status["conditions"] = [
                condition(
                    "PodScheduled", false, at: created, reason: "Unschedulable",
                    message: schedulingMessage ?? Self.unschedulableMessage)
            ]
            return .object(status)
        }
        let scheduled = time(scheduledAt)
        status["startTime"] = scheduled
        status["hostIP"] = .string(hostIP)
        status["hostIPs"] = [["ip": .string(hostIP)]]
        let podIP = Self.podIP(for: pod)
        status["podIP"] = .string(podIP)
        status["podIPs"] = [["ip": .string(podIP)]]

        let containers = pod[path: ["spec", "containers"]]?.arrayValue ?? []
        status["containerStatuses"] = .array(containers.map { containerStatus(for: $0, pod: pod) })

        let readyAt = readySince.map(time)
        let isRunning = readySince != nil
        let notReady = isTerminal ? "Pod\(phase == "Succeeded" ? "Completed" : "Failed")" : "ContainersNotReady"
        let names = containers.compactMap { $0["name"]?.stringValue }.joined(separator: " ")
        let notReadyMessage: String? = isTerminal ? nil : "containers with unready status: [\(names)]"
        let sandboxReady = !isTerminal && stage != .imagePullBackOff && !isCreating
        var conditions: [JSONValue] = [
            condition("PodReadyToStartContainers", sandboxReady, at: readyAt ?? scheduled),
            condition("Initialized", true, at: scheduled),
            isRunning
                ? condition("Ready", true, at: readyAt ?? scheduled)
                : condition("Ready", false, at: scheduled, reason: notReady, message: notReadyMessage),
            isRunning
                ? condition("ContainersReady", true, at: readyAt ?? scheduled)
                : condition("ContainersReady", false, at: scheduled, reason: notReady, message: notReadyMessage),
            condition("PodScheduled", true, at: scheduled),
        ]
        if isPreempted {
            conditions.insert(
                condition(
                    "DisruptionTarget", true, at: endedAt.map(time) ?? scheduled, reason: "PreemptionByScheduler",
                    message: "default-scheduler: preempting to accommodate a higher priority pod"),
                at: 0)
        }
        status["conditions"] = .array(conditions)
        return .object(status)
    }

    private var endedAt: Date? {
        if case .terminated(let end) = stage { return end.finishedAt }
        return nil
    }

    private var isCreating: Bool {
        if case .creating = stage { return true }
        return false
    }

    private func containerStatus(for container: JSONValue, pod: JSONValue) -> JSONValue {
        let name = container["name"]?.stringValue ?? ""
        let image = container["image"]?.stringValue ?? ""
        var entry: [String: JSONValue] = [
            "name": .string(name), "image": .string(image), "imageID": "", "restartCount": .int(Int64(restartCount)),
            "ready": .bool(readySince != nil), "started": .bool(readySince != nil),
        ]
        switch stage {
        case .unschedulable:
            break
        case .creating:
            entry["state"] = ["waiting": ["reason": "ContainerCreating"]]
        case .imagePullBackOff:
            entry["state"] = [
                "waiting": ["reason": "ImagePullBackOff", "message": .string("Back-off pulling image \"\(image)\"")]
            ]
        case .running(let since, _):
            entry["state"] = ["running": ["startedAt": time(since)]]
        case .crashLoopBackOff:
            let delay = Int(Self.crashLoopBackOff(restarts: restartCount))
            let podName = pod[path: ["metadata", "name"]]?.stringValue ?? ""
            let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
            let uid = pod[path: ["metadata", "uid"]]?.stringValue ?? ""
            entry["state"] = [
                "waiting": [
                    "reason": "CrashLoopBackOff",
                    "message": .string(
                        "back-off \(delay)s restarting failed container=\(name) pod=\(podName)_\(namespace)(\(uid))"),
                ]
            ]
        case .terminated(let end):
            entry["state"] = ["terminated": terminated(end)]
        }
        if let lastTermination {
            entry["lastState"] = ["terminated": terminated(lastTermination)]
        }
        if readySince != nil || isTerminal {
            entry["imageID"] = .string("docker.io/library/\(image)")
            entry["containerID"] = .string("containerd://\(Self.containerID(for: pod, container: name))")
        }
        return .object(entry)
    }

    private func terminated(_ end: Termination) -> JSONValue {
        var members: [String: JSONValue] = [
            "exitCode": .int(Int64(end.exitCode)), "reason": .string(end.reason), "finishedAt": time(end.finishedAt),
        ]
        members["startedAt"] = end.startedAt.map(time) ?? .null
        if let message = end.message { members["message"] = .string(message) }
        return .object(members)
    }

    private func condition(
        _ type: String, _ isTrue: Bool, at time: JSONValue, reason: String? = nil, message: String? = nil
    ) -> JSONValue {
        var members: [String: JSONValue] = [
            "type": .string(type), "status": isTrue ? "True" : "False", "lastProbeTime": .null,
            "lastTransitionTime": time,
        ]
        if let reason { members["reason"] = .string(reason) }
        if let message { members["message"] = .string(message) }
        return .object(members)
    }

    private func time(_ date: Date) -> JSONValue { .string(KubeTime.format(date)) }

    /// A stable fake pod IP derived from the Pod's uid.
    static func podIP(for pod: JSONValue) -> String {
        let hash = stableHash(pod[path: ["metadata", "uid"]]?.stringValue ?? "")
        return "10.244.\((hash >> 8) % 250 + 1).\(hash % 250 + 2)"
    }

    static func containerID(for pod: JSONValue, container: String) -> String {
        let seed = (pod[path: ["metadata", "uid"]]?.stringValue ?? "") + "/" + container
        let first = stableHash(seed)
        let second = stableHash(seed + "#")
        return String(format: "%016llx%016llx", first, second)
    }

    /// FNV-1a: stable across runs, unlike `Hasher`.
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
