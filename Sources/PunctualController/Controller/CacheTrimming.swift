import KubeClient

/// What the controller's informers keep of each Job and Pod: only the fields a decision reads.
///
/// With thousands of tasks the Job and Pod caches dominate the controller's memory, and most of
/// each object is the pod template or pod spec that the controller wrote itself (from the task's
/// template) and never reads again. Like a client-go cache transform, these functions drop that
/// before the object is cached. They are safe because cached Jobs and Pods are never written
/// back: the controller creates Jobs from the task's template and deletes Jobs and Pods by name
/// and uid. ScheduledTasks are cached whole (their spec builds every Job, and their status is
/// patched from what the cache holds).
enum CacheTrimming {
    /// A Job's metadata and status; its spec (the pod template) is dropped.
    @Sendable static func job(_ job: Job) -> Job {
        var trimmed = job
        trimmed.spec = nil
        return trimmed
    }

    /// A Pod's metadata and status, and of its spec only `nodeName` (whether it was placed) and
    /// `priorityClassName`; containers, volumes, affinity and the rest are dropped.
    @Sendable static func pod(_ pod: Pod) -> Pod {
        var trimmed = pod
        trimmed.spec = pod.spec.map { spec in
            PodSpec(containers: [], priorityClassName: spec.priorityClassName, nodeName: spec.nodeName)
        }
        return trimmed
    }
}
