import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// A Job whose spec is the default template plus `spec`, with `status`.
func syncJob(spec: [String: JSONValue] = [:], status: JSONValue = [:], restartPolicy: String = "Never") -> JSONValue {
    var members: [String: JSONValue] = [
        "backoffLimit": 6, "parallelism": 1, "completions": 1,
        "template": [
            "spec": ["restartPolicy": .string(restartPolicy), "containers": [["name": "main", "image": "x"]]]
        ],
    ]
    for (key, value) in spec { members[key] = value }
    return [
        "metadata": ["name": "report", "namespace": "default", "uid": "job-uid"],
        "spec": .object(members), "status": status,
    ]
}

/// A pod view `seconds` into a life with `behavior`, created at `podStart + createdAfter`.
func view(
    _ name: String, _ behavior: PodBehavior = PodBehavior(), restartPolicy: String = "Never",
    createdAfter: Double = 0, now: Double, terminating: Bool = false, finalizer: Bool = true
) -> JobSync.PodView {
    var simulation = SimulatedPod(behavior: behavior, restartPolicy: restartPolicy, createdAt: podStart + createdAfter)
    simulation.advance(to: podStart + now)
    return JobSync.PodView(
        name: name, uid: "uid-\(name)", isTerminating: terminating, hasTrackingFinalizer: finalizer,
        simulation: simulation)
}

let startedStatus: JSONValue = ["startTime": .string(KubeTime.format(podStart))]

@Suite struct JobSyncTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let job: JSONValue
        let pods: [JobSync.PodView]
        /// Seconds after `podStart`.
        let now: Double
        var create = 0
        var delete: [String] = []
        var release: [String] = []
        /// Condition types that are True afterwards.
        var conditions: [String] = []
        var succeeded: Int64?
        var failed: Int64?
        var active: Int64?
        var wakeAfter: Double?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "new Job → one pod", job: syncJob(), pods: [], now: 0, create: 1),
        Case(
            name: "running pod → nothing to do", job: syncJob(status: startedStatus), pods: [view("a", now: 0.5)],
            now: 0.5, active: 1),
        Case(
            name: "pod succeeded → counted, released, Complete",
            job: syncJob(status: startedStatus), pods: [view("a", now: 1)], now: 1,
            release: ["a"], conditions: ["SuccessCriteriaMet", "Complete"], succeeded: 1),
        Case(
            name: "counted pod is not counted twice",
            job: syncJob(status: ["startTime": .string(KubeTime.format(podStart)), "succeeded": 1]),
            pods: [view("a", now: 1, finalizer: false)], now: 1, conditions: ["SuccessCriteriaMet", "Complete"],
            succeeded: 1),
        Case(
            name: "failed pod, backoffLimit 0 → Failed BackoffLimitExceeded",
            job: syncJob(spec: ["backoffLimit": 0], status: startedStatus),
            pods: [view("a", PodBehavior(exitCode: 1), now: 1)], now: 1,
            release: ["a"], conditions: ["FailureTarget", "Failed"], failed: 1),
        Case(
            name: "failed pod within the limit → replacement waits for the back-off",
            job: syncJob(spec: ["backoffLimit": 2], status: startedStatus),
            pods: [view("a", PodBehavior(exitCode: 1), now: 1)], now: 1,
            release: ["a"], failed: 1, wakeAfter: 11),
        Case(
            name: "failed pod, back-off over → replacement",
            job: syncJob(
                spec: ["backoffLimit": 2], status: ["startTime": .string(KubeTime.format(podStart)), "failed": 1]),
            pods: [view("a", PodBehavior(exitCode: 1), now: 11, finalizer: false)], now: 11, create: 1, failed: 1),
        Case(
            name: "OnFailure restarts count against the limit",
            job: syncJob(spec: ["backoffLimit": 1], status: startedStatus, restartPolicy: "OnFailure"),
            pods: [view("a", PodBehavior(exitCode: 1), restartPolicy: "OnFailure", now: 12)], now: 12,
            delete: ["a"], conditions: ["FailureTarget"], active: 1),
        Case(
            name: "deadline passed → running pods deleted, FailureTarget DeadlineExceeded",
            job: syncJob(spec: ["activeDeadlineSeconds": 30], status: startedStatus),
            pods: [view("a", PodBehavior(runSeconds: 100), now: 30)], now: 30,
            delete: ["a"], conditions: ["FailureTarget"], active: 1),
        Case(
            name: "deadline passed, pod killed → Failed",
            job: syncJob(
                spec: ["activeDeadlineSeconds": 30],
                status: [
                    "startTime": .string(KubeTime.format(podStart)),
                    "conditions": [
                        [
                            "type": "FailureTarget", "status": "True", "reason": "DeadlineExceeded",
                            "message": "Job was active longer than specified deadline",
                            "lastTransitionTime": .string(KubeTime.format(podStart + 30)),
                        ]
                    ],
                ]),
            pods: [], now: 30, conditions: ["FailureTarget", "Failed"]),
        Case(
            name: "deadline ahead → wake at the deadline",
            job: syncJob(spec: ["activeDeadlineSeconds": 30], status: startedStatus),
            pods: [view("a", PodBehavior(runSeconds: 100), now: 5)], now: 5, active: 1, wakeAfter: 30),
        Case(
            name: "suspended → active pods deleted, Suspended",
            job: syncJob(spec: ["suspend": true], status: startedStatus),
            pods: [view("a", PodBehavior(runSeconds: 100), now: 5)], now: 5, delete: ["a"],
            conditions: ["Suspended"]),
        Case(
            name: "created suspended → no pods", job: syncJob(spec: ["suspend": true]), pods: [], now: 0,
            conditions: ["Suspended"]),
        Case(
            name: "TerminatingOrFailed replaces a terminating pod at once",
            job: syncJob(status: startedStatus),
            pods: [view("a", PodBehavior(runSeconds: 100), now: 5, terminating: true)], now: 5, create: 1),
        Case(
            name: "podReplacementPolicy Failed waits for the terminating pod",
            job: syncJob(spec: ["podReplacementPolicy": "Failed"], status: startedStatus),
            pods: [view("a", PodBehavior(runSeconds: 100), now: 5, terminating: true)], now: 5),
        Case(
            name: "parallelism 2 of 3 completions → two pods",
            job: syncJob(spec: ["parallelism": 2, "completions": 3]),
            pods: [], now: 0, create: 2),
        Case(
            name: "one of three done → keep two running",
            job: syncJob(spec: ["parallelism": 2, "completions": 3], status: startedStatus),
            pods: [view("a", now: 1), view("b", PodBehavior(runSeconds: 5), now: 1)], now: 1,
            create: 1, release: ["a"], succeeded: 1, active: 1),
        Case(
            name: "finished Job deletes stray pods",
            job: syncJob(status: [
                "conditions": [["type": "Complete", "status": "True", "lastTransitionTime": "2026-03-08T07:00:01Z"]]
            ]),
            pods: [view("stray", PodBehavior(runSeconds: 100), now: 5)], now: 5, delete: ["stray"],
            conditions: ["Complete"], active: 1),
    ]

    @Test(arguments: cases)
    func plan(_ testCase: Case) {
        let plan = JobSync.plan(job: testCase.job, pods: testCase.pods, now: podStart + testCase.now)
        #expect(plan.podsToCreate == testCase.create)
        #expect(plan.podsToDelete == testCase.delete)
        #expect(plan.finalizersToRemove == testCase.release)
        let conditions = (plan.status["conditions"]?.arrayValue ?? [])
            .filter { $0["status"] == "True" }.compactMap { $0["type"]?.stringValue }
        #expect(conditions == testCase.conditions)
        #expect(plan.status["succeeded"]?.intValue == testCase.succeeded)
        #expect(plan.status["failed"]?.intValue == testCase.failed)
        #expect(plan.status["active"]?.intValue == testCase.active)
        #expect(plan.wakeAt == testCase.wakeAfter.map { podStart + $0 })
    }

    @Test func completionCarriesThePodsFinishTime() {
        let plan = JobSync.plan(job: syncJob(status: startedStatus), pods: [view("a", now: 50)], now: podStart + 50)
        let complete = plan.status["conditions"]?.arrayValue?.first { $0["type"] == "Complete" }
        #expect(complete?["lastTransitionTime"] == .string(KubeTime.format(podStart + 1)))
        #expect(plan.status["completionTime"] == .string(KubeTime.format(podStart + 1)))
        #expect(plan.status["startTime"] == .string(KubeTime.format(podStart)))
    }

    @Test func deadlineFailureIsStampedAtTheDeadline() {
        let job = syncJob(spec: ["activeDeadlineSeconds": 30], status: startedStatus)
        let plan = JobSync.plan(job: job, pods: [], now: podStart + 95)
        let target = plan.status["conditions"]?.arrayValue?.first { $0["type"] == "FailureTarget" }
        #expect(target?["reason"] == "DeadlineExceeded")
        #expect(target?["lastTransitionTime"] == .string(KubeTime.format(podStart + 30)))
        let failed = plan.status["conditions"]?.arrayValue?.first { $0["type"] == "Failed" }
        #expect(failed?["reason"] == "DeadlineExceeded")
    }

    @Test func resumingRestartsTheClock() {
        let suspended: JSONValue = [
            "startTime": .string(KubeTime.format(podStart)),
            "conditions": [
                [
                    "type": "Suspended", "status": "True", "reason": "JobSuspended", "message": "Job suspended",
                    "lastTransitionTime": .string(KubeTime.format(podStart)),
                ]
            ],
        ]
        let plan = JobSync.plan(job: syncJob(status: suspended), pods: [], now: podStart + 60)
        #expect(plan.podsToCreate == 1)
        #expect(plan.status["startTime"] == .string(KubeTime.format(podStart + 60)))
        let condition = plan.status["conditions"]?.arrayValue?.first { $0["type"] == "Suspended" }
        #expect(condition?["status"] == "False")
        #expect(condition?["reason"] == "JobResumed")
    }

    @Test(arguments: [(0, 0.0), (1, 10.0), (2, 20.0), (3, 40.0), (10, 360.0)])
    func replacementBackoff(failures: Int, delay: Double) {
        #expect(JobSync.Backoff().delay(afterFailures: failures) == delay)
    }
}
