import Foundation

/// How a simulated Pod behaves, read from annotations on the Pod (for Job pods: on the Job's pod
/// template, which the pods copy).
///
/// - `sim.punctual.dev/pending-seconds` (default `0`): stay Pending, containers waiting with
///   reason `ContainerCreating`, this long after scheduling.
/// - `sim.punctual.dev/unschedulable` (`"true"`): stay Pending forever with condition
///   PodScheduled=False, reason `Unschedulable`.
/// - `sim.punctual.dev/image-pull-error` (`"true"`): stay Pending forever, containers waiting with
///   reason `ImagePullBackOff`.
/// - `sim.punctual.dev/run-seconds` (default `1` for Job pods, forever for other pods): how long
///   the containers run before they exit.
/// - `sim.punctual.dev/exit-code` (default `0`): `0` succeeds; anything else fails with reason
///   `Error` (restartPolicy OnFailure restarts the container in the same Pod instead).
/// - `sim.punctual.dev/exit-message` (default `simulated failure (exit code N)`): the failed
///   container's message.
/// - `sim.punctual.dev/termination-seconds` (default `0`): how long a deleted Pod stays
///   terminating (with its deletionTimestamp) before its containers are killed.
///
/// Values that do not parse (a negative or non-numeric number) fall back to the default, as a
/// kubelet ignores annotations it does not understand; ``problems`` lists them for logging.
public struct PodBehavior: Sendable, Hashable {
    public static let prefix = "sim.punctual.dev/"
    public static let pendingSecondsKey = prefix + "pending-seconds"
    public static let unschedulableKey = prefix + "unschedulable"
    public static let imagePullErrorKey = prefix + "image-pull-error"
    public static let runSecondsKey = prefix + "run-seconds"
    public static let exitCodeKey = prefix + "exit-code"
    public static let exitMessageKey = prefix + "exit-message"
    public static let terminationSecondsKey = prefix + "termination-seconds"

    /// The run time of Job pods without a `run-seconds` annotation.
    public static let defaultJobRunSeconds: Double = 1

    public var pendingSeconds: Double = 0
    public var isUnschedulable = false
    public var hasImagePullError = false
    /// `nil`: the containers never exit.
    public var runSeconds: Double?
    public var exitCode: Int = 0
    public var exitMessage: String?
    public var terminationSeconds: Double = 0
    /// Annotations that were present but could not be understood.
    public var problems: [String] = []

    public init(
        pendingSeconds: Double = 0, isUnschedulable: Bool = false, hasImagePullError: Bool = false,
        runSeconds: Double? = defaultJobRunSeconds, exitCode: Int = 0, exitMessage: String? = nil,
        terminationSeconds: Double = 0
    ) {
        self.pendingSeconds = pendingSeconds
        self.isUnschedulable = isUnschedulable
        self.hasImagePullError = hasImagePullError
        self.runSeconds = runSeconds
        self.exitCode = exitCode
        self.exitMessage = exitMessage
        self.terminationSeconds = terminationSeconds
    }

    /// Reads the behaviour from a Pod's annotations.
    /// - Parameters:
    ///   - annotations: the Pod's `metadata.annotations`.
    ///   - isJobPod: Job pods run for ``defaultJobRunSeconds`` unless told otherwise; other pods
    ///     (placeholders, hand-made pods) run until deleted.
    public init(annotations: [String: String], isJobPod: Bool) {
        self.init(runSeconds: isJobPod ? Self.defaultJobRunSeconds : nil)
        pendingSeconds = seconds(annotations, Self.pendingSecondsKey) ?? 0
        runSeconds = seconds(annotations, Self.runSecondsKey) ?? runSeconds
        terminationSeconds = seconds(annotations, Self.terminationSecondsKey) ?? 0
        isUnschedulable = flag(annotations, Self.unschedulableKey)
        hasImagePullError = flag(annotations, Self.imagePullErrorKey)
        exitMessage = annotations[Self.exitMessageKey]
        if let text = annotations[Self.exitCodeKey] {
            if let code = Int(text.trimmingCharacters(in: .whitespaces)), (0...255).contains(code) {
                exitCode = code
            } else {
                problems.append("\(Self.exitCodeKey): \"\(text)\" is not an exit code in 0...255")
            }
        }
    }

    /// The message of a failed container.
    public var failureMessage: String { exitMessage ?? "simulated failure (exit code \(exitCode))" }

    private mutating func seconds(_ annotations: [String: String], _ key: String) -> Double? {
        guard let text = annotations[key] else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value >= 0, value.isFinite else {
            problems.append("\(key): \"\(text)\" is not a non-negative number of seconds")
            return nil
        }
        return value
    }

    private mutating func flag(_ annotations: [String: String], _ key: String) -> Bool {
        guard let text = annotations[key] else { return false }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default:
            problems.append("\(key): \"\(text)\" is not true or false")
            return false
        }
    }
}
