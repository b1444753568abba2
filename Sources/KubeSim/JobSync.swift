import Foundation
import KubeClient

/// The decision half of the simulated Job controller: from a Job, its Pods and the time, what to
/// do next. Pure, so the rules are tested with tables; ``JobRuntime`` performs the plan.
///
/// It follows the batch/v1 Job controller with pod tracking finalizers: a finished Pod is counted
/// once in `status.succeeded` / `status.failed` and its `batch.kubernetes.io/job-tracking`
/// finalizer is then removed; the Job gets `SuccessCriteriaMet` then `Complete`, or
/// `FailureTarget` then `Failed` (reasons `BackoffLimitExceeded`, `DeadlineExceeded`) once no Pod
/// is left running; `suspend` deletes active Pods and sets `Suspended`;
/// `podReplacementPolicy: Failed` waits for terminating Pods to finish before replacing them; a
/// failed Pod is replaced after the controller's back-off (10 s doubling, capped at 6 minutes).
///
/// Simplifications: non-indexed completion mode only (Indexed Jobs run like NonIndexed ones),
/// no `podFailurePolicy`, `successPolicy`, `backoffLimitPerIndex`, `ttlSecondsAfterFinished`, and no
/// Events.
public enum JobSync {
    /// The tracking finalizer the Job controller puts on its Pods.
    public static let trackingFinalizer = "batch.kubernetes.io/job-tracking"

    /// The controller's back-off before replacing failed Pods.
    public struct Backoff: Sendable, Hashable {
        public var base: Double
        public var cap: Double

        public init(base: Double = 10, cap: Double = 360) {
            self.base = base
            self.cap = cap
        }

        /// The delay after `failures` consecutive failures (none before the first).
        func delay(afterFailures failures: Int) -> Double {
            guard failures > 0, base > 0 else { return 0 }
            return min(cap, base * pow(2, Double(min(failures - 1, 30))))
        }
    }

    /// One Pod of the Job as the controller sees it.
    public struct PodView: Sendable {
        public var name: String
        public var uid: String
        public var isTerminating: Bool
        public var hasTrackingFinalizer: Bool
        public var simulation: SimulatedPod
        /// Terminated by the controller (suspension) and therefore not counted as a failure.
        public var isExemptFromCounting: Bool

        public init(
            name: String, uid: String, isTerminating: Bool, hasTrackingFinalizer: Bool, simulation: SimulatedPod,
            isExemptFromCounting: Bool = false
        ) {
            self.name = name
            self.uid = uid
            self.isTerminating = isTerminating
            self.hasTrackingFinalizer = hasTrackingFinalizer
            self.simulation = simulation
            self.isExemptFromCounting = isExemptFromCounting
        }
    }

    /// What to do.
    public struct Plan: Sendable {
        /// New Pods to create from the template.
        public var podsToCreate = 0
        /// Pods to delete (active Pods of a finished, failing or suspended Job).
        public var podsToDelete: [String] = []
        /// Whether the deleted Pods stay out of the failure count (suspension, surplus after success).
        public var deletedPodsAreExempt = false
        /// Pods that are now counted and lose the tracking finalizer.
        public var finalizersToRemove: [String] = []
        /// The Job's new `status`.
        public var status: JSONValue
        /// When the Job needs looking at again even if nothing changes (deadline, back-off).
        public var wakeAt: Date?
    }

    /// Decides the next step for a Job.
    ///
    /// - Parameters:
    ///   - job: the Job object.
    ///   - pods: its Pods (controller ownerReference to this Job's uid), already advanced to `now`.
    ///   - now: the current time.
    ///   - backoff: the replacement back-off.
    public static func plan(job: JSONValue, pods: [PodView], now: Date, backoff: Backoff = Backoff()) -> Plan {
        let spec = job["spec"] ?? [:]
        var status = JobStatus(job["status"] ?? [:])
        var plan = Plan(status: job["status"] ?? [:])

        // Count finished Pods once, then release their finalizer.
        for pod in pods where pod.simulation.isTerminal && pod.hasTrackingFinalizer {
            if !pod.isExemptFromCounting {
                if pod.simulation.phase == "Succeeded" { status.succeeded += 1 } else { status.failed += 1 }
            }
            plan.finalizersToRemove.append(pod.name)
        }
        let active = pods.filter { !$0.simulation.isTerminal && !$0.isTerminating }
        let terminating = pods.filter { !$0.simulation.isTerminal && $0.isTerminating }
        status.active = active.count
        status.terminating = terminating.count
        status.ready = active.filter { $0.simulation.readySince != nil }.count

        if status.isFinished {
            plan.podsToDelete = active.map(\.name)
            plan.deletedPodsAreExempt = true
            plan.status = status.json
            return plan
        }

        // Suspension: active Pods go, the clock of activeDeadlineSeconds stops.
        if spec["suspend"]?.boolValue == true {
            plan.podsToDelete = active.map(\.name)
            plan.deletedPodsAreExempt = true
            if status.condition("Suspended")?.isTrue != true {
                status.setCondition("Suspended", reason: "JobSuspended", message: "Job suspended", at: now)
            }
            status.active = 0
            plan.status = status.json
            return plan
        }
        if status.condition("Suspended")?.isTrue == true {
            status.setCondition("Suspended", isTrue: false, reason: "JobResumed", message: "Job resumed", at: now)
            status.startTime = now
        }
        let startTime = status.startTime ?? now
        status.startTime = startTime

        let restartPolicy = spec[path: ["template", "spec", "restartPolicy"]]?.stringValue ?? "Never"
        let restarts = restartPolicy == "OnFailure" ? pods.reduce(0) { $0 + $1.simulation.restartCount } : 0
        let backoffLimit = Int(spec["backoffLimit"]?.intValue ?? 6)
        let completions = spec["completions"]?.intValue.map(Int.init)
        let parallelism = Int(spec["parallelism"]?.intValue ?? 1)

        // Success, failure and deadline, in the Job controller's order.
        if status.condition("FailureTarget") == nil && status.condition("SuccessCriteriaMet") == nil {
            let isComplete = completions.map { status.succeeded >= $0 } ?? (status.succeeded > 0 && active.isEmpty)
            if isComplete {
                let finish = pods.compactMap(\.simulation.finishedAt).max() ?? now
                status.setCondition(
                    "SuccessCriteriaMet", reason: "CompletionsReached",
                    message: "Reached expected number of succeeded pods", at: finish)
            } else if let deadline = spec["activeDeadlineSeconds"]?.intValue,
                now >= startTime + Double(deadline)
            {
                status.setCondition(
                    "FailureTarget", reason: "DeadlineExceeded",
                    message: "Job was active longer than specified deadline", at: startTime + Double(deadline))
            } else if status.failed + restarts > backoffLimit {
                let lastFailure = pods.compactMap(\.simulation.lastFailureAt).max() ?? now
                status.setCondition(
                    "FailureTarget", reason: "BackoffLimitExceeded",
                    message: "Job has reached the specified backoff limit", at: lastFailure)
            }
        }
        if let target = status.condition("FailureTarget") {
            plan.podsToDelete = active.map(\.name)
            if active.isEmpty && terminating.isEmpty {
                status.setCondition("Failed", reason: target.reason, message: target.message, at: target.time)
            }
            plan.status = status.json
            return plan
        }
        if let met = status.condition("SuccessCriteriaMet") {
            plan.podsToDelete = active.map(\.name)
            plan.deletedPodsAreExempt = true
            if active.isEmpty && terminating.isEmpty {
                status.setCondition("Complete", reason: met.reason, message: met.message, at: met.time)
                status.completionTime = met.time
            }
            plan.status = status.json
            return plan
        }

        // Start Pods up to parallelism and the completions still missing.
        let wanted = completions.map { min(parallelism, max(0, $0 - status.succeeded)) } ?? parallelism
        let replacementWaitsForTermination = spec["podReplacementPolicy"]?.stringValue == "Failed"
        let running = active.count + (replacementWaitsForTermination ? terminating.count : 0)
        let missing = wanted - running
        if missing > 0 {
            let delay = restartPolicy == "Never" ? backoff.delay(afterFailures: status.failed) : 0
            let lastFailure = pods.compactMap(\.simulation.lastFailureAt).max()
            if let lastFailure, delay > 0, now < lastFailure + delay {
                plan.wakeAt = lastFailure + delay
            } else {
                plan.podsToCreate = missing
            }
        }
        if let deadline = spec["activeDeadlineSeconds"]?.intValue {
            let due = startTime + Double(deadline)
            plan.wakeAt = min(plan.wakeAt ?? due, due)
        }
        plan.status = status.json
        return plan
    }
}

// MARK: - Pod facts the controller reads

extension SimulatedPod {
    /// When the Pod finished, if it has.
    var finishedAt: Date? {
        if case .terminated(let end) = stage { return end.finishedAt }
        return nil
    }

    /// When the Pod last failed (a failed finish, or the last crash of a restarting container).
    var lastFailureAt: Date? {
        if case .terminated(let end) = stage, end.exitCode != 0 { return end.finishedAt }
        return lastTermination?.finishedAt
    }
}
