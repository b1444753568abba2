import Foundation
import KubeClient
import Logging

/// The state and work of one ``JobRuntime/run()`` loop. It lives inside that single task, so it
/// needs no lock: store changes and timer wake-ups arrive as ``JobRuntime/Trigger``s.
struct RuntimeLoop {
    /// What the runtime remembers about a Pod beyond the store: its exact timeline.
    struct PodRecord {
        var simulation: SimulatedPod
        /// When the runtime first saw the Pod's deletionTimestamp.
        var terminatingSince: Date?
        /// Deleted by the Job controller for a reason that does not count as a failure.
        var isExempt = false
    }

    let runtime: JobRuntime
    var records: [String: PodRecord] = [:]
    var dirty: Set<JobRuntime.WorkKey> = []
    /// The scheduler's view: nodes, the Pods waiting for one, the queue order.
    var scheduling = SchedulingState()
    private var scheduled: [JobRuntime.WorkKey: Date] = [:]
    /// Which Pods each Job controls, kept from the events so a Job's sync reads only its Pods.
    private var podsByJob: [JobRuntime.WorkKey: Set<String>] = [:]
    /// The reverse of `podsByJob`, keyed by `.pod(namespace:name:)`.
    private var jobByPod: [JobRuntime.WorkKey: JobRuntime.WorkKey] = [:]
    /// The FailedCreate Event of each Job whose Pods were refused (see `JobRuntime+Events.swift`).
    var failedCreateEvents: [JobRuntime.WorkKey: FailedCreateRecord] = [:]

    init(runtime: JobRuntime) {
        self.runtime = runtime
    }

    var store: SimStore { runtime.store }
    var logger: Logger { runtime.logger }

    // MARK: - Triggers

    mutating func note(_ trigger: JobRuntime.Trigger) {
        switch trigger {
        case .resync:
            let jobs = (try? store.list(JobRuntime.jobs).items) ?? []
            for job in jobs { dirty.insert(.job(namespace: job.metadataNamespace, name: job.metadataName)) }
            let pods = (try? store.list(JobRuntime.pods).items) ?? []
            podsByJob.removeAll()
            jobByPod.removeAll()
            for pod in pods { dirty.insert(index(pod, isDeleted: false)) }
            scheduling.resync(nodes: (try? store.list(SchedulerNode.resource).items) ?? [], pods: pods)
        case .changed(let event):
            if event.resource == SchedulerNode.resource {
                scheduling.noteNode(event.object, isDeleted: event.type == .deleted)
            } else if event.resource == JobRuntime.jobs {
                dirty.insert(.job(namespace: event.object.metadataNamespace, name: event.object.metadataName))
            } else if event.resource == JobRuntime.pods {
                let podKey = JobRuntime.WorkKey.pod(
                    namespace: event.object.metadataNamespace, name: event.object.metadataName)
                // A Pod that stopped belonging to a Job (orphaned) makes both sides dirty.
                if let previousOwner = jobByPod[podKey] { dirty.insert(previousOwner) }
                if event.type == .deleted { records[event.object.metadataUID] = nil }
                dirty.insert(index(event.object, isDeleted: event.type == .deleted))
                scheduling.notePod(event.object, isDeleted: event.type == .deleted)
            }
        case .wake(let key):
            if let due = scheduled[key], due <= runtime.clock.currentDate { scheduled[key] = nil }
            dirty.insert(key)
        }
    }

    /// Reconciles every dirty key.
    /// - Returns: the wake-ups to schedule (only those earlier than one already scheduled).
    mutating func work() -> [(JobRuntime.WorkKey, Date)] {
        schedulePending(now: runtime.clock.currentDate)
        var wakes: [(JobRuntime.WorkKey, Date)] = []
        let keys = dirty
        dirty.removeAll()
        for key in keys {
            let wake: Date?
            switch key {
            case .job(let namespace, let name): wake = syncJob(namespace: namespace, name: name)
            case .pod(let namespace, let name): wake = syncPod(namespace: namespace, name: name)
            }
            guard let wake else { continue }
            if let existing = scheduled[key], existing <= wake, existing > runtime.clock.currentDate { continue }
            scheduled[key] = wake
            wakes.append((key, wake))
        }
        return wakes
    }

    // MARK: - Jobs

    private mutating func syncJob(namespace: String, name: String) -> Date? {
        let now = runtime.clock.currentDate
        let job = try? store.get(JobRuntime.jobs, namespace: namespace, name: name)
        let names = podsByJob[.job(namespace: namespace, name: name)] ?? []
        let pods = names.sorted().compactMap { podName -> JSONValue? in
            guard let pod = try? store.get(JobRuntime.pods, namespace: namespace, name: podName),
                let owner = Self.controllingJob(of: pod), owner.name == name
            else { return nil }
            return job.map { owner.uid == $0.metadataUID ? pod : nil } ?? pod
        }
        do {
            var wake = try advance(pods, isJobPod: true, now: now)
            guard let job else {
                // The Job is gone: its Pods are being collected; release the ones that finished.
                forgetFailedCreate(namespace: namespace, name: name)
                try releaseUncounted(pods, includingRunning: false)
                return wake
            }
            let views = pods.compactMap { pod -> JobSync.PodView? in
                guard let record = records[pod.metadataUID] else { return nil }
                return JobSync.PodView(
                    name: pod.metadataName, uid: pod.metadataUID, isTerminating: pod.isBeingDeleted,
                    hasTrackingFinalizer: pod.finalizers.contains(JobSync.trackingFinalizer),
                    simulation: record.simulation, isExemptFromCounting: record.isExempt)
            }
            let plan = JobSync.plan(job: job, pods: views, now: now, backoff: runtime.configuration.podFailureBackoff)
            try perform(plan, job: job, pods: pods, now: now)
            wake = earliest(wake, plan.wakeAt)
            return wake
        } catch {
            return retryLater(after: error, writing: "job", "\(namespace)/\(name)", now: now)
        }
    }

    private mutating func perform(_ plan: JobSync.Plan, job: JSONValue, pods: [JSONValue], now: Date) throws(Status) {
        let namespace = job.metadataNamespace
        let name = job.metadataName
        // Status first, then the finalizers: a Pod is released only once it is counted.
        if plan.status != job["status"] ?? [:] {
            try store.modify(JobRuntime.jobs, namespace: namespace, name: name, subresource: .status) { object in
                object["status"] = plan.status
            }
        }
        for podName in plan.finalizersToRemove {
            try removeTrackingFinalizer(namespace: namespace, name: podName)
        }
        for podName in plan.podsToDelete {
            guard let pod = pods.first(where: { $0.metadataName == podName }), !pod.isBeingDeleted else { continue }
            if plan.deletedPodsAreExempt { records[pod.metadataUID]?.isExempt = true }
            do {
                try store.delete(JobRuntime.pods, namespace: namespace, name: podName)
            } catch  where error.code == 404 {
                // Already gone.
            }
        }
        for _ in 0..<plan.podsToCreate {
            let pod = Self.pod(for: job, bindingTo: scheduling.hasNodes ? nil : SimulatedPod.nodeName)
            let created: JSONValue
            do {
                created = try store.create(JobRuntime.pods, namespace: namespace, object: pod)
            } catch {
                recordFailedCreate(of: job, error: error, now: now)
                throw error
            }
            // Indexed now, not when its event arrives: a sync in between must not create it again.
            _ = index(created, isDeleted: false)
            scheduling.notePod(created, isDeleted: false)
            records[created.metadataUID] = PodRecord(simulation: simulation(for: created, isJobPod: true, now: now))
        }
    }

    // MARK: - Pods without a Job

    private mutating func syncPod(namespace: String, name: String) -> Date? {
        let now = runtime.clock.currentDate
        guard let pod = try? store.get(JobRuntime.pods, namespace: namespace, name: name),
            Self.controllingJob(of: pod) == nil
        else { return nil }
        do {
            let wake = try advance([pod], isJobPod: false, now: now)
            try releaseUncounted([pod], includingRunning: true)
            return wake
        } catch {
            return retryLater(after: error, writing: "pod", "\(namespace)/\(name)", now: now)
        }
    }

    // MARK: - Kubelet

    /// Advances every Pod to `now` (terminating deleted ones) and writes changed statuses.
    /// - Returns: the earliest future transition.
    private mutating func advance(_ pods: [JSONValue], isJobPod: Bool, now: Date) throws(Status) -> Date? {
        var wake: Date?
        for pod in pods {
            let uid = pod.metadataUID
            var record = records[uid] ?? PodRecord(simulation: simulation(for: pod, isJobPod: isJobPod, now: now))
            if pod.isBeingDeleted && !record.simulation.isTerminal {
                let since = record.terminatingSince ?? now
                record.terminatingSince = since
                // A Pod never bound to a node has no kubelet to wait for: it goes at once, as the API
                // server deletes unscheduled Pods without a grace period.
                let grace = record.simulation.scheduledAt == nil ? 0 : record.simulation.behavior.terminationSeconds
                let end = since.addingTimeInterval(grace)
                if now >= end {
                    record.simulation.advance(to: end)
                    record.simulation.kill(at: end)
                } else {
                    record.simulation.advance(to: now)
                    wake = earliest(wake, end)
                }
            } else {
                record.simulation.advance(to: now)
            }
            records[uid] = record
            wake = earliest(wake, record.simulation.nextTransition)

            let status = record.simulation.status(for: pod)
            if pod["status"] != status {
                do {
                    try store.modify(
                        JobRuntime.pods, namespace: pod.metadataNamespace, name: pod.metadataName, subresource: .status
                    ) { object in
                        object["status"] = status
                    }
                } catch  where error.code == 404 {
                    records[uid] = nil
                }
            }
        }
        return wake
    }

    /// Removes the tracking finalizer from Pods no Job counts any more: finished (or killed) ones,
    /// and, when `includingRunning`, orphans that are not being deleted (as the Job controller
    /// releases the Pods of a Job deleted with `propagationPolicy: Orphan`).
    private func releaseUncounted(_ pods: [JSONValue], includingRunning: Bool) throws(Status) {
        for pod in pods where pod.finalizers.contains(JobSync.trackingFinalizer) {
            let isTerminal = records[pod.metadataUID]?.simulation.isTerminal == true
            guard isTerminal || (includingRunning && !pod.isBeingDeleted) else { continue }
            try removeTrackingFinalizer(namespace: pod.metadataNamespace, name: pod.metadataName)
        }
    }

    private func removeTrackingFinalizer(namespace: String, name: String) throws(Status) {
        do {
            try store.modify(JobRuntime.pods, namespace: namespace, name: name) { object in
                let remaining = object.finalizers.filter { $0 != JobSync.trackingFinalizer }
                object.set(
                    path: ["metadata", "finalizers"],
                    to: remaining.isEmpty ? nil : .array(remaining.map(JSONValue.string)))
            }
        } catch  where error.code == 404 {
            // Already gone.
        }
    }

    // MARK: - Helpers

    /// Records which Job (if any) controls a Pod.
    /// - Returns: the key whose sync handles the Pod.
    private mutating func index(_ pod: JSONValue, isDeleted: Bool) -> JobRuntime.WorkKey {
        let podKey = JobRuntime.WorkKey.pod(namespace: pod.metadataNamespace, name: pod.metadataName)
        if let previousOwner = jobByPod.removeValue(forKey: podKey) {
            podsByJob[previousOwner]?.remove(pod.metadataName)
            if podsByJob[previousOwner]?.isEmpty == true { podsByJob[previousOwner] = nil }
        }
        let key = Self.workKey(forPod: pod)
        if case .job = key, !isDeleted {
            podsByJob[key, default: []].insert(pod.metadataName)
            jobByPod[podKey] = key
        }
        return key
    }

    /// Logs a failed write (usually a conflict with another writer) and says when to try again.
    private func retryLater(after error: Status, writing kind: String, _ key: String, now: Date) -> Date {
        logger.debug(
            "simulated cluster write failed; retrying",
            metadata: [kind: "\(key)", "error": "\(error.message ?? "")", "code": "\(error.code ?? 0)"])
        return now.addingTimeInterval(runtime.configuration.retryDelay.timeInterval)
    }

    private func earliest(_ lhs: Date?, _ rhs: Date?) -> Date? {
        switch (lhs, rhs) {
        case (let lhs?, let rhs?): min(lhs, rhs)
        case (let lhs?, nil): lhs
        case (nil, let rhs): rhs
        }
    }

    /// The Job that controls a Pod (its controller ownerReference), if any.
    static func controllingJob(of pod: JSONValue) -> (name: String, uid: String)? {
        let references = pod[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        for reference in references where reference["controller"]?.boolValue == true {
            guard reference["kind"] == "Job", reference["apiVersion"]?.stringValue?.hasPrefix("batch/") == true,
                let name = reference["name"]?.stringValue, let uid = reference["uid"]?.stringValue
            else { return nil }
            return (name, uid)
        }
        return nil
    }

    static func workKey(forPod pod: JSONValue) -> JobRuntime.WorkKey {
        if let job = controllingJob(of: pod) { return .job(namespace: pod.metadataNamespace, name: job.name) }
        return .pod(namespace: pod.metadataNamespace, name: pod.metadataName)
    }

    static func annotations(of object: JSONValue) -> [String: String] {
        object[path: ["metadata", "annotations"]]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
    }

    /// A new simulation for a Pod first seen at `now`: running at once when it names its node or
    /// when there are no simulated nodes, otherwise waiting for the scheduler.
    func simulation(for pod: JSONValue, isJobPod: Bool, now: Date) -> SimulatedPod {
        let behavior = PodBehavior(annotations: Self.annotations(of: pod), isJobPod: isJobPod)
        let restartPolicy = pod[path: ["spec", "restartPolicy"]]?.stringValue ?? "Always"
        let isBound = !scheduling.hasNodes || pod[path: ["spec", "nodeName"]]?.stringValue?.isEmpty == false
        return SimulatedPod(behavior: behavior, restartPolicy: restartPolicy, createdAt: now, isBound: isBound)
    }

    /// A new Pod for a Job, as the Job controller makes it from the template.
    /// - Parameter node: the node to bind it to at once (no simulated nodes), or `nil` to leave
    ///   it to the scheduler.
    static func pod(for job: JSONValue, bindingTo node: String?) -> JSONValue {
        let name = job.metadataName
        let uid = job.metadataUID
        let template = job[path: ["spec", "template"]] ?? [:]
        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels["batch.kubernetes.io/job-name"] = .string(name)
        labels["job-name"] = .string(name)
        labels["batch.kubernetes.io/controller-uid"] = .string(uid)
        labels["controller-uid"] = .string(uid)
        var metadata: [String: JSONValue] = [
            "generateName": .string("\(name)-"),
            "namespace": .string(job.metadataNamespace),
            "labels": .object(labels),
            "ownerReferences": [
                [
                    "apiVersion": "batch/v1", "kind": "Job", "name": .string(name), "uid": .string(uid),
                    "controller": true, "blockOwnerDeletion": true,
                ]
            ],
            "finalizers": [.string(JobSync.trackingFinalizer)],
        ]
        if let annotations = template[path: ["metadata", "annotations"]] { metadata["annotations"] = annotations }
        var spec = template["spec"] ?? [:]
        let behavior = PodBehavior(annotations: annotations(of: template), isJobPod: true)
        if let node, !behavior.isUnschedulable && spec["nodeName"] == nil {
            spec["nodeName"] = .string(node)
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": spec]
    }
}
