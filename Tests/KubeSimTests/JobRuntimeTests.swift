import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// A store with admission and a running ``JobRuntime``, all on one manual clock.
struct RuntimeHarness {
    let clock: ManualClock
    let store: SimStore

    static let jobs = GroupResource(group: "batch", resource: "jobs")
    static let pods = GroupResource(group: "", resource: "pods")

    /// Runs `body` with a fresh store and runtime; the runtime is stopped afterwards.
    static func with(
        configuration: JobRuntime.Configuration = JobRuntime.Configuration(),
        _ body: (RuntimeHarness) async throws -> Void
    ) async throws {
        let clock = ManualClock(start: podStart)
        let store = SimStore(clock: clock, admission: [Admission()])
        let runtime = JobRuntime(store: store, clock: clock, configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.run() }
            try await body(RuntimeHarness(clock: clock, store: store))
            group.cancelAll()
        }
    }

    /// Waits (a few milliseconds at a time, at most 30 s of real time) until `condition` holds.
    /// Passing tests wait milliseconds; the generous limit only absorbs a machine busy with
    /// other tests' processes.
    func eventually(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () throws -> Bool
    ) async throws {
        let limit = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < limit {
            if (try? condition()) == true { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    @discardableResult
    func createJob(
        _ name: String, annotations: [String: JSONValue] = [:], spec: [String: JSONValue] = [:],
        restartPolicy: String = "Never"
    ) throws -> JSONValue {
        var members: [String: JSONValue] = [
            "template": [
                "metadata": ["labels": ["app": "test"], "annotations": .object(annotations)],
                "spec": [
                    "restartPolicy": .string(restartPolicy),
                    "containers": [["name": "main", "image": "busybox:1.36"]],
                ],
            ]
        ]
        for (key, value) in spec { members[key] = value }
        let job: JSONValue = [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name)], "spec": .object(members),
        ]
        return try store.create(Self.jobs, namespace: "default", object: job)
    }

    func job(_ name: String) throws -> JSONValue {
        try store.get(Self.jobs, namespace: "default", name: name)
    }

    func pods(of job: String) throws -> [JSONValue] {
        let selector = try LabelSelector(parsing: "batch.kubernetes.io/job-name=\(job)")
        return try store.list(Self.pods, options: StoreListQuery(namespace: "default", labelSelector: selector)).items
    }

    func condition(_ type: String, of job: String) throws -> JSONValue? {
        try self.job(job)[path: ["status", "conditions"]]?.arrayValue?.first {
            $0["type"]?.stringValue == type && $0["status"] == "True"
        }
    }

    func advance(seconds: Double) {
        clock.advance(by: .milliseconds(Int64(seconds * 1000)))
    }
}

extension JSONValue {
    var phase: String? { self[path: ["status", "phase"]]?.stringValue }
    var containerState: JSONValue? { self[path: ["status", "containerStatuses"]]?.arrayValue?.first?["state"] }
}

@Suite struct JobRuntimeTests {
    @Test func jobRunsThroughPendingRunningToComplete() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob(
                "report", annotations: ["sim.punctual.dev/pending-seconds": "2", "sim.punctual.dev/run-seconds": "5"])
            try await sim.eventually("the pod is Pending and creating containers") {
                let pods = try sim.pods(of: "report")
                return pods.count == 1 && pods[0].containerState?[path: ["waiting", "reason"]] == "ContainerCreating"
            }
            let pod = try #require(try sim.pods(of: "report").first)
            #expect(pod.phase == "Pending")
            #expect(pod[path: ["metadata", "generateName"]] == "report-")
            #expect(pod[path: ["metadata", "labels", "app"]] == "test")
            #expect(
                pod[path: ["metadata", "labels", "controller-uid"]]
                    == (try sim.job("report"))[path: ["metadata", "uid"]])
            #expect(pod[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["controller"] == true)
            #expect(pod[path: ["metadata", "finalizers"]] == ["batch.kubernetes.io/job-tracking"])
            #expect(pod[path: ["metadata", "annotations", "sim.punctual.dev/run-seconds"]] == "5")
            #expect(try sim.job("report")[path: ["metadata", "labels", "app"]] == "test")
            try await sim.eventually("the Job counts one active pod") {
                try sim.job("report")[path: ["status", "active"]] == 1
            }
            #expect(try sim.job("report")[path: ["status", "startTime"]] == .string(KubeTime.format(podStart)))

            sim.advance(seconds: 2)
            try await sim.eventually("the pod runs and the Job counts it ready") {
                try sim.pods(of: "report").first?.phase == "Running"
                    && sim.job("report")[path: ["status", "ready"]] == 1
            }
            sim.advance(seconds: 5)
            try await sim.eventually("the Job completes") { try sim.condition("Complete", of: "report") != nil }
            let job = try sim.job("report")
            #expect(job[path: ["status", "succeeded"]] == 1)
            #expect(job[path: ["status", "active"]] == nil)
            #expect(job[path: ["status", "completionTime"]] == .string(KubeTime.format(podStart + 7)))
            #expect(try sim.condition("SuccessCriteriaMet", of: "report") != nil)
            let finished = try #require(try sim.pods(of: "report").first)
            #expect(finished.phase == "Succeeded")
            #expect(finished[path: ["metadata", "finalizers"]] == nil)
            #expect(finished.containerState?[path: ["terminated", "reason"]] == "Completed")
            #expect(try sim.pods(of: "report").count == 1, "exactly one pod for one completion")
        }
    }

    @Test func parallelPodsRunUntilEnoughCompletions() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob("batch", spec: ["completions": 3, "parallelism": 2])
            try await sim.eventually("two pods run") {
                try sim.pods(of: "batch").filter { $0.phase == "Running" }.count == 2
            }
            sim.advance(seconds: 1)
            try await sim.eventually("two succeed and a third runs") {
                let pods = try sim.pods(of: "batch")
                return pods.filter { $0.phase == "Succeeded" }.count == 2
                    && pods.filter { $0.phase == "Running" }.count == 1
            }
            sim.advance(seconds: 1)
            try await sim.eventually("the Job completes") { try sim.condition("Complete", of: "batch") != nil }
            #expect(try sim.job("batch")[path: ["status", "succeeded"]] == 3)
            #expect(try sim.pods(of: "batch").count == 3)
        }
    }

    @Test func failedPodsAreReplacedAfterBackoffUntilTheLimit() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob("flaky", annotations: ["sim.punctual.dev/exit-code": "2"], spec: ["backoffLimit": 1])
            try await sim.eventually("the first pod runs") { try sim.pods(of: "flaky").first?.phase == "Running" }
            sim.advance(seconds: 1)
            try await sim.eventually("the first failure is counted") {
                try sim.job("flaky")[path: ["status", "failed"]] == 1
            }
            let failedPod = try #require(try sim.pods(of: "flaky").first)
            #expect(failedPod.phase == "Failed")
            #expect(failedPod.containerState?[path: ["terminated", "exitCode"]] == 2)
            #expect(failedPod.containerState?[path: ["terminated", "reason"]] == "Error")
            #expect(try sim.pods(of: "flaky").count == 1, "no replacement before the 10 s back-off")

            sim.advance(seconds: 10)
            try await sim.eventually("a replacement pod runs") {
                try sim.pods(of: "flaky").filter { $0.phase == "Running" }.count == 1
            }
            sim.advance(seconds: 1)
            try await sim.eventually("the Job fails") { try sim.condition("Failed", of: "flaky") != nil }
            let failed = try #require(try sim.condition("Failed", of: "flaky"))
            #expect(failed["reason"] == "BackoffLimitExceeded")
            #expect(try sim.job("flaky")[path: ["status", "failed"]] == 2)
        }
    }

    @Test func onFailureRestartsInTheSamePod() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob(
                "restarts", annotations: ["sim.punctual.dev/exit-code": "1"], spec: ["backoffLimit": 1],
                restartPolicy: "OnFailure")
            try await sim.eventually("the pod runs") { try sim.pods(of: "restarts").first?.phase == "Running" }
            sim.advance(seconds: 1)
            try await sim.eventually("the container crash-loops") {
                try sim.pods(of: "restarts").first?.containerState?[path: ["waiting", "reason"]] == "CrashLoopBackOff"
            }
            #expect(try sim.pods(of: "restarts").count == 1)
            sim.advance(seconds: 10)  // restart after the 10 s back-off, then fail again a second later
            sim.advance(seconds: 1)
            try await sim.eventually("the Job fails") { try sim.condition("Failed", of: "restarts") != nil }
            #expect(try sim.condition("Failed", of: "restarts")?["reason"] == "BackoffLimitExceeded")
        }
    }

    @Test func activeDeadlineKillsThePod() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob(
                "slow", annotations: ["sim.punctual.dev/run-seconds": "600"], spec: ["activeDeadlineSeconds": 30])
            try await sim.eventually("the pod runs") { try sim.pods(of: "slow").first?.phase == "Running" }
            sim.advance(seconds: 29)
            try await Task.sleep(for: .milliseconds(20))
            #expect(try sim.condition("FailureTarget", of: "slow") == nil)
            sim.advance(seconds: 1)
            try await sim.eventually("the Job fails") { try sim.condition("Failed", of: "slow") != nil }
            let failed = try #require(try sim.condition("Failed", of: "slow"))
            #expect(failed["reason"] == "DeadlineExceeded")
            #expect(failed["lastTransitionTime"] == .string(KubeTime.format(podStart + 30)))
            try await sim.eventually("the killed pod is gone") { try sim.pods(of: "slow").isEmpty }
            #expect(try sim.job("slow")[path: ["status", "failed"]] == 1)
        }
    }

    @Test func unschedulablePodStaysPending() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob("stuck", annotations: ["sim.punctual.dev/unschedulable": "true"])
            try await sim.eventually("the pod is unschedulable") {
                try sim.pods(of: "stuck").first?[path: ["status", "conditions"]]?.arrayValue?.first?["reason"]
                    == "Unschedulable"
            }
            sim.advance(seconds: 3600)
            try await Task.sleep(for: .milliseconds(20))
            let pod = try #require(try sim.pods(of: "stuck").first)
            #expect(pod.phase == "Pending")
            #expect(pod[path: ["spec", "nodeName"]] == nil)
        }
    }

    @Test func suspendedJobStartsWhenResumed() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob("later", spec: ["suspend": true])
            try await sim.eventually("the Job is suspended") { try sim.condition("Suspended", of: "later") != nil }
            #expect(try sim.pods(of: "later").isEmpty)
            #expect(try sim.job("later")[path: ["status", "startTime"]] == nil)
            sim.advance(seconds: 60)
            try sim.store.modify(RuntimeHarness.jobs, namespace: "default", name: "later") { job in
                job.set(path: ["spec", "suspend"], to: false)
            }
            try await sim.eventually("a pod starts") { try sim.pods(of: "later").count == 1 }
            #expect(try sim.job("later")[path: ["status", "startTime"]] == .string(KubeTime.format(podStart + 60)))
        }
    }

    struct ReplacementCase: CustomTestStringConvertible, Sendable {
        let policy: String
        let replacedWhileTerminating: Bool
        var testDescription: String { "podReplacementPolicy \(policy)" }
    }

    @Test(arguments: [
        ReplacementCase(policy: "TerminatingOrFailed", replacedWhileTerminating: true),
        ReplacementCase(policy: "Failed", replacedWhileTerminating: false),
    ])
    func replacementOfADeletedPod(_ testCase: ReplacementCase) async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob(
                "replace",
                annotations: ["sim.punctual.dev/run-seconds": "600", "sim.punctual.dev/termination-seconds": "5"],
                spec: ["podReplacementPolicy": .string(testCase.policy), "backoffLimit": 3])
            try await sim.eventually("the pod runs") { try sim.pods(of: "replace").first?.phase == "Running" }
            let first = try #require(try sim.pods(of: "replace").first?[path: ["metadata", "name"]]?.stringValue)
            try sim.store.delete(RuntimeHarness.pods, namespace: "default", name: first)
            try await sim.eventually("the Job counts the terminating pod") {
                try sim.job("replace")[path: ["status", "terminating"]] == 1
            }
            try await Task.sleep(for: .milliseconds(20))
            #expect(try sim.pods(of: "replace").count == (testCase.replacedWhileTerminating ? 2 : 1))
            sim.advance(seconds: 5)
            try await sim.eventually("the old pod is gone and one replacement runs") {
                let pods = try sim.pods(of: "replace")
                return pods.count == 1 && pods[0][path: ["metadata", "name"]]?.stringValue != first
            }
            #expect(try sim.job("replace")[path: ["status", "failed"]] == 1)
        }
    }

    @Test func deletingTheJobInTheBackgroundRemovesItsPods() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob("gone", annotations: ["sim.punctual.dev/run-seconds": "600"])
            try await sim.eventually("the pod runs") { try sim.pods(of: "gone").first?.phase == "Running" }
            try sim.store.delete(
                RuntimeHarness.jobs, namespace: "default", name: "gone",
                options: DeleteOptions(propagationPolicy: .background))
            try await sim.eventually("the pod is collected") { try sim.pods(of: "gone").isEmpty }
        }
    }

    @Test func orphanedPodsKeepRunningWithoutTheTrackingFinalizer() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob("orphaning", annotations: ["sim.punctual.dev/run-seconds": "600"])
            try await sim.eventually("the pod runs") { try sim.pods(of: "orphaning").first?.phase == "Running" }
            try sim.store.delete(
                RuntimeHarness.jobs, namespace: "default", name: "orphaning",
                options: DeleteOptions(propagationPolicy: .orphan))
            try await sim.eventually("the orphan loses the tracking finalizer") {
                try sim.pods(of: "orphaning").first?[path: ["metadata", "finalizers"]] == nil
            }
            let pod = try #require(try sim.pods(of: "orphaning").first)
            #expect(pod.phase == "Running")
            #expect(pod[path: ["metadata", "ownerReferences"]] == nil)
        }
    }

    @Test func podsWithoutAJobRunUntilDeleted() async throws {
        try await RuntimeHarness.with { sim in
            let pod: JSONValue = [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "placeholder"],
                "spec": ["containers": [["name": "pause", "image": "registry.k8s.io/pause:3.10"]]],
            ]
            try sim.store.create(RuntimeHarness.pods, namespace: "default", object: pod)
            func phase() throws -> String? {
                try sim.store.get(RuntimeHarness.pods, namespace: "default", name: "placeholder").phase
            }
            try await sim.eventually("the pod runs") { try phase() == "Running" }
            sim.advance(seconds: 86_400)
            try await Task.sleep(for: .milliseconds(20))
            #expect(try phase() == "Running")
        }
    }

    @Test func runtimeResubscribesWhenTheStoreClosesStreams() async throws {
        try await RuntimeHarness.with { sim in
            try await sim.eventually("the runtime observes the store") { sim.store.subscriptionCount == 1 }
            sim.store.closeAllSubscriptions()
            try await sim.eventually("the runtime observes the store again") { sim.store.subscriptionCount == 1 }
            try sim.createJob("after-close")
            try await sim.eventually("the Job still gets a pod") { try sim.pods(of: "after-close").count == 1 }
        }
    }
}
