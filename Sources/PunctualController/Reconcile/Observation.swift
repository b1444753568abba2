import Foundation
import KubeClient

/// Everything one reconcile decision sees: the task, the Jobs and Pods labelled with its name,
/// the current instant and the controller's settings.
///
/// Built by the controller from its informer caches; tests build it from fixtures. Nothing else
/// is consulted, which is what makes ``Decision`` a pure function.
public struct Observation: Sendable {
    public var task: ScheduledTask
    /// Jobs labelled `punctual.dev/task=<name>` in the task's namespace (the decision ignores
    /// those controlled by another object, e.g. a deleted task's namesake).
    public var jobs: [Job]
    /// Pods labelled `punctual.dev/task=<name>`.
    public var pods: [Pod]
    public var now: Date
    public var settings: ControllerSettings
    /// Whether `task.status` is stored on the server. It is not while the controller decides from
    /// a status it submitted but the cache does not show yet (``StatusWriter/overlay(for:)``): a
    /// crash would lose it. The decision then holds back deletes whose only record is that status
    /// (a replaced run's Job), so a new leader never finds a run gone that no stored status named.
    public var isStatusStored: Bool

    public init(
        task: ScheduledTask, jobs: [Job] = [], pods: [Pod] = [], now: Date, settings: ControllerSettings = .init(),
        isStatusStored: Bool = true
    ) {
        self.task = task
        self.jobs = jobs
        self.pods = pods
        self.now = now
        self.settings = settings
        self.isStatusStored = isStatusStored
    }

    /// The task's runs as seen in its Jobs and Pods, oldest slot first.
    public var runs: [ObservedRun] {
        jobs.filter { isOurs($0.metadata) }
            .compactMap { job in ObservedRun(job: job, pods: pods) }
            .sorted { ($0.slot, $0.attempt, $0.jobName) < ($1.slot, $1.attempt, $1.jobName) }
    }

    /// The task's placeholder Pods (label `punctual.dev/placeholder-for`), without those another
    /// object controls (a deleted namesake's, left to the garbage collector).
    public var placeholders: [Pod] {
        pods.filter { $0.metadata.labels?[PlaceholderBuilder.slotLabel] != nil && isOurs($0.metadata) }
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }

    /// Whether an object is the task's: controlled by it, or by nothing.
    private func isOurs(_ metadata: ObjectMeta) -> Bool {
        guard let owner = metadata.ownerReferences?.first(where: { $0.controller == true }) else { return true }
        return task.metadata.uid == nil || owner.uid == task.metadata.uid
    }
}

/// Controller-wide settings the decision needs; defaults suit production.
public struct ControllerSettings: Sendable, Hashable {
    /// How long a run may stay Pending when the task sets no `startingDeadlineSeconds`;
    /// `nil` means one schedule interval (the slot's distance to the next slot).
    public var defaultPendingLimit: TimeInterval?
    /// How late a OnceMost slot without `startingDeadlineSeconds` may still be created. Later
    /// than this it was missed while no controller ran, and is recorded Missed, not run late.
    public var onTimeWindow: TimeInterval
    /// The most catch-up slots created in one reconcile; the rest follow immediately after.
    public var maximumCatchUpSlots: Int
    /// The most missed slots counted one by one after a downtime; beyond it the count is a floor.
    public var maximumCountedMisses: Int
    /// How long an active run's Job may be absent from the cache before it is judged deleted.
    public var vanishedJobGrace: TimeInterval
    /// Lateness of a Job create above which it is recorded on the run and its event.
    public var latenessThreshold: TimeInterval
    /// The image of pre-allocation placeholder Pods (`--placeholder-image`): it must start and
    /// idle with next to no resources of its own, like the pause image.
    public var placeholderImage: String

    public init(
        defaultPendingLimit: TimeInterval? = nil, onTimeWindow: TimeInterval = 300, maximumCatchUpSlots: Int = 64,
        maximumCountedMisses: Int = 1000, vanishedJobGrace: TimeInterval = 60, latenessThreshold: TimeInterval = 5,
        placeholderImage: String = PlaceholderBuilder.defaultImage
    ) {
        self.defaultPendingLimit = defaultPendingLimit
        self.onTimeWindow = onTimeWindow
        self.maximumCatchUpSlots = maximumCatchUpSlots
        self.maximumCountedMisses = maximumCountedMisses
        self.vanishedJobGrace = vanishedJobGrace
        self.latenessThreshold = latenessThreshold
        self.placeholderImage = placeholderImage
    }
}
