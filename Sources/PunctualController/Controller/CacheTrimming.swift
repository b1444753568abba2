import KubeClient

/// What the controller's informers keep of each Job and Pod: only the fields a decision reads.
///
/// With thousands of tasks the Job and Pod caches dominate the controller's memory, and most of
/// each object is the pod template or pod spec that the controller wrote itself (from the task's
/// template) and never reads again, or metadata other controllers added. Like a client-go cache
/// transform, these functions drop that before the object is cached. They are safe because cached
/// Jobs and Pods are never written back: the controller creates Jobs from the task's template and
/// deletes Jobs and Pods by name and uid. ScheduledTasks are cached whole (their spec builds every
/// Job, and their status is patched from what the cache holds).
///
/// Every label and annotation kept is listed here, next to what reads it; a new reader of a Job's
/// or Pod's metadata must add its key. Kept keys are this file's constants, so the cached
/// dictionaries share the keys' storage instead of holding a copy per object.
enum CacheTrimming {
    // MARK: - What is kept

    /// Job labels read: the task index (`ScheduledTaskController.taskKey`).
    static let jobLabels = [ScheduledTask.taskLabel]

    /// Job annotations read by `ObservedRun(job:pods:)`: the run's slot, attempt, trigger and
    /// failure counts.
    static let jobAnnotations = [
        ScheduledTask.scheduledTimeAnnotation, ScheduledTask.attemptAnnotation, ScheduledTask.triggerAnnotation,
        ScheduledTask.startupFailuresAnnotation, ScheduledTask.runFailuresAnnotation,
    ]

    /// Pod labels read: the task index, the Job a Pod belongs to (`Pod.belongs(to:)`) and a
    /// placeholder's slot (`Pod.placeholderSlot`).
    static let podLabels = [
        ScheduledTask.taskLabel, "batch.kubernetes.io/job-name", "job-name", PlaceholderBuilder.slotLabel,
    ]

    /// Pod annotations read: a placeholder's spec hash (pre-allocation replaces outdated ones).
    static let podAnnotations = [PlaceholderBuilder.specHashAnnotation]

    /// Job conditions read: `Complete` (when it finished) and `Failed` (when, and its reason and
    /// message for the run's status). `SuccessCriteriaMet`, `FailureTarget` and the rest are dropped.
    static let jobConditions: Set<String> = ["Complete", "Failed"]

    /// Pod conditions read: whether and why the scheduler placed the Pod (`isPlaced`,
    /// `schedulingRefusal`, `waitingProblem`).
    static let podConditions: Set<String> = ["PodScheduled"]

    // MARK: - Never decoded

    /// What the Jobs informer never parses nor decodes: the spec, which ``job(_:)`` drops (a Job's
    /// spec is its whole pod template, most of each listed Job), and the server's `managedFields`
    /// (not modelled). The decisions cannot tell: the trimmed Job is the same either way.
    static let jobOmitted = OmittedFields([["spec"], ["metadata", "managedFields"]])

    /// What the Pods informer never parses nor decodes: the optional parts of the spec that
    /// ``pod(_:)`` drops, and `managedFields`. The containers are required by `PodSpec`, so they
    /// are decoded and then dropped.
    static let podOmitted = OmittedFields([
        ["metadata", "managedFields"], ["spec", "initContainers"], ["spec", "affinity"], ["spec", "tolerations"],
        ["spec", "nodeSelector"], ["spec", "volumes"],
    ])

    // MARK: - Transforms

    /// A Job's metadata (the keys above of its labels and annotations) and its status with only
    /// the read conditions; its spec (the pod template) is dropped.
    @Sendable static func job(_ job: Job) -> Job {
        var trimmed = job
        trimmed.metadata = metadata(job.metadata, labels: jobLabels, annotations: jobAnnotations)
        trimmed.spec = nil
        trimmed.status = job.status.map(status)
        return trimmed
    }

    /// A Pod's metadata (the keys above of its labels and annotations), its status without the
    /// conditions no decision reads and without container images, and of its spec only `nodeName`
    /// (whether it was placed) and `priorityClassName`; containers, volumes, affinity and the rest
    /// are dropped.
    @Sendable static func pod(_ pod: Pod) -> Pod {
        var trimmed = pod
        trimmed.metadata = metadata(pod.metadata, labels: podLabels, annotations: podAnnotations)
        trimmed.spec = pod.spec.map { spec in
            PodSpec(containers: [], priorityClassName: spec.priorityClassName, nodeName: spec.nodeName)
        }
        trimmed.status = pod.status.map(status)
        return trimmed
    }

    // MARK: - Parts

    /// The identity, lifecycle and ownership of an object, and the listed labels and annotations.
    /// `generateName`, `generation`, `finalizers`, `deletionGracePeriodSeconds` and every other
    /// label and annotation are dropped.
    ///
    /// Equal strings decoded from different places are separate allocations; the cached copy
    /// shares one where it is cheap to see: an owner's `apiVersion` is the constant of its kind,
    /// and a label naming the owner (a Pod's `job-name`) holds the owner reference's string.
    static func metadata(_ metadata: ObjectMeta, labels: [String], annotations: [String]) -> ObjectMeta {
        var kept = ObjectMeta(name: metadata.name, namespace: metadata.namespace)
        kept.uid = metadata.uid
        kept.resourceVersion = metadata.resourceVersion
        kept.creationTimestamp = metadata.creationTimestamp
        kept.deletionTimestamp = metadata.deletionTimestamp
        kept.ownerReferences = metadata.ownerReferences?.map { owner in
            var owner = owner
            owner.apiVersion = shared(owner.apiVersion, among: ownerAPIVersions)
            return owner
        }
        let owners = kept.ownerReferences?.map(\.name) ?? []
        kept.labels = pick(labels, from: metadata.labels, sharing: owners)
        kept.annotations = pick(annotations, from: metadata.annotations, sharing: [])
        return kept
    }

    /// A Job's status with only the read conditions; a `Complete` condition's reason and message
    /// (always "the Job completed") are dropped too.
    static func status(_ status: JobStatus) -> JobStatus {
        var kept = status
        kept.conditions = status.conditions.map { conditions in
            conditions.filter { jobConditions.contains($0.type) }.map { condition in
                guard condition.type == "Complete" else { return condition }
                var complete = condition
                complete.reason = nil
                complete.message = nil
                return complete
            }
        }
        return kept
    }

    /// A Pod's status with only the read conditions, and container statuses without their image.
    static func status(_ status: PodStatus) -> PodStatus {
        var kept = status
        kept.conditions = status.conditions.map { conditions in conditions.filter { podConditions.contains($0.type) } }
        kept.containerStatuses = status.containerStatuses.map(withoutImages)
        kept.initContainerStatuses = status.initContainerStatuses.map(withoutImages)
        return kept
    }

    private static func withoutImages(_ statuses: [ContainerStatus]) -> [ContainerStatus] {
        statuses.map { status in
            var kept = status
            kept.image = nil
            return kept
        }
    }

    /// The `apiVersion`s of the owners of cached objects, stored once.
    private static let ownerAPIVersions = [ScheduledTask.resourceType.apiVersion, Job.resourceType.apiVersion]

    /// `value`, or the equal string of `candidates` (whose storage is then shared, not copied).
    private static func shared(_ value: String, among candidates: [String]) -> String {
        candidates.first { $0 == value } ?? value
    }

    /// The entries of `dictionary` under `keys`, keyed by the constants in `keys` and with values
    /// equal to one of `sharing` replaced by it (shared, not copied); nil when none is there.
    private static func pick(
        _ keys: [String], from dictionary: [String: String]?, sharing: [String]
    ) -> [String: String]? {
        guard let dictionary else { return nil }
        var picked: [String: String] = [:]
        for key in keys {
            if let value = dictionary[key] { picked[key] = shared(value, among: sharing) }
        }
        return picked.isEmpty ? nil : picked
    }
}
