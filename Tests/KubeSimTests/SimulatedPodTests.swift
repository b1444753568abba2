import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// The instant every pod timeline in these tests starts from.
let podStart = Date(timeIntervalSince1970: 1_772_953_200)  // 2026-03-08T07:00:00Z

let samplePod: JSONValue = [
    "metadata": ["name": "report-1-abcde", "namespace": "default", "uid": "pod-uid-1"],
    "spec": ["containers": [["name": "main", "image": "busybox:1.36"]]],
]

@Suite struct SimulatedPodTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let behavior: PodBehavior
        let restartPolicy: String
        /// Seconds after creation at which to look.
        let after: Double
        let phase: String
        /// `waiting` reason, `running`, or `terminated:<exit code>` of the container.
        let container: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "default pod runs at once", behavior: PodBehavior(), restartPolicy: "Never", after: 0,
            phase: "Running", container: "running"),
        Case(
            name: "default pod succeeds after one second", behavior: PodBehavior(), restartPolicy: "Never",
            after: 1, phase: "Succeeded", container: "terminated:0"),
        Case(
            name: "pending while containers are created", behavior: PodBehavior(pendingSeconds: 5),
            restartPolicy: "Never", after: 4.9, phase: "Pending", container: "ContainerCreating"),
        Case(
            name: "running once the pending time is over", behavior: PodBehavior(pendingSeconds: 5),
            restartPolicy: "Never", after: 5, phase: "Running", container: "running"),
        Case(
            name: "non-zero exit fails", behavior: PodBehavior(runSeconds: 2, exitCode: 3), restartPolicy: "Never",
            after: 2, phase: "Failed", container: "terminated:3"),
        Case(
            name: "OnFailure restarts in the same pod", behavior: PodBehavior(runSeconds: 2, exitCode: 3),
            restartPolicy: "OnFailure", after: 2, phase: "Running", container: "CrashLoopBackOff"),
        Case(
            name: "unschedulable stays pending", behavior: PodBehavior(isUnschedulable: true),
            restartPolicy: "Never", after: 3600, phase: "Pending", container: nil),
        Case(
            name: "image pull error stays pending", behavior: PodBehavior(hasImagePullError: true),
            restartPolicy: "Never", after: 3600, phase: "Pending", container: "ImagePullBackOff"),
        Case(
            name: "pods without run time run forever", behavior: PodBehavior(runSeconds: nil),
            restartPolicy: "Always", after: 86_400, phase: "Running", container: "running"),
    ]

    @Test(arguments: cases)
    func lifecycle(_ testCase: Case) {
        var pod = SimulatedPod(behavior: testCase.behavior, restartPolicy: testCase.restartPolicy, createdAt: podStart)
        pod.advance(to: podStart + testCase.after)
        #expect(pod.phase == testCase.phase)
        let status = pod.status(for: samplePod)
        #expect(status["phase"]?.stringValue == testCase.phase)
        let state = status["containerStatuses"]?.arrayValue?.first?["state"]
        #expect(Self.describe(state) == testCase.container)
    }

    static func describe(_ state: JSONValue?) -> String? {
        guard let state else { return nil }
        if let reason = state[path: ["waiting", "reason"]]?.stringValue { return reason }
        if state["running"] != nil { return "running" }
        if let code = state[path: ["terminated", "exitCode"]]?.intValue { return "terminated:\(code)" }
        return "unknown"
    }

    @Test func transitionsAreStampedWhenDueNotWhenSeen() {
        var pod = SimulatedPod(
            behavior: PodBehavior(pendingSeconds: 2, runSeconds: 3), restartPolicy: "Never",
            createdAt: podStart)
        pod.advance(to: podStart + 100)
        let terminated = pod.status(for: samplePod)["containerStatuses"]?.arrayValue?.first?[path: [
            "state", "terminated",
        ]]
        #expect(terminated?["startedAt"] == .string(KubeTime.format(podStart + 2)))
        #expect(terminated?["finishedAt"] == .string(KubeTime.format(podStart + 5)))
        #expect(terminated?["reason"] == "Completed")
    }

    @Test func crashLoopBacksOffAndCountsRestarts() {
        var pod = SimulatedPod(
            behavior: PodBehavior(runSeconds: 1, exitCode: 1), restartPolicy: "OnFailure",
            createdAt: podStart)
        pod.advance(to: podStart + 1)
        #expect(pod.restartCount == 1)
        #expect(pod.nextTransition == podStart + 11)  // 10 s back-off
        pod.advance(to: podStart + 12)  // restarted at 11, fails again at 12
        #expect(pod.restartCount == 2)
        #expect(pod.nextTransition == podStart + 32)  // 20 s back-off
        let status = pod.status(for: samplePod)
        let container = status["containerStatuses"]?.arrayValue?.first
        #expect(container?["restartCount"] == 2)
        #expect(container?[path: ["lastState", "terminated", "exitCode"]] == 1)
        #expect(container?[path: ["state", "waiting", "message"]]?.stringValue?.hasPrefix("back-off 20s") == true)
    }

    @Test func unschedulablePodExplainsWhy() {
        let pod = SimulatedPod(
            behavior: PodBehavior(isUnschedulable: true), restartPolicy: "Never", createdAt: podStart)
        let condition = pod.status(for: samplePod)["conditions"]?.arrayValue?.first
        #expect(condition?["type"] == "PodScheduled")
        #expect(condition?["status"] == "False")
        #expect(condition?["reason"] == "Unschedulable")
        #expect(condition?["message"]?.stringValue?.hasPrefix("0/3 nodes are available") == true)
        #expect(pod.nextTransition == nil)
    }

    @Test func killFailsARunningPodWithExitCode137() {
        var pod = SimulatedPod(behavior: PodBehavior(runSeconds: 60), restartPolicy: "Never", createdAt: podStart)
        pod.advance(to: podStart + 10)
        pod.kill(at: podStart + 10)
        #expect(pod.phase == "Failed")
        #expect(pod.finishedAt == podStart + 10)
        let terminated = pod.status(for: samplePod)["containerStatuses"]?.arrayValue?.first?[path: [
            "state", "terminated",
        ]]
        #expect(terminated?["exitCode"] == 137)
        #expect(terminated?["reason"] == "Error")
    }

    @Test func readyConditionsFollowTheContainers() {
        var pod = SimulatedPod(
            behavior: PodBehavior(pendingSeconds: 1, runSeconds: 1), restartPolicy: "Never",
            createdAt: podStart)
        func ready() -> JSONValue? {
            pod.status(for: samplePod)["conditions"]?.arrayValue?.first { $0["type"] == "Ready" }?["status"]
        }
        #expect(ready() == "False")
        pod.advance(to: podStart + 1)
        #expect(ready() == "True")
        pod.advance(to: podStart + 2)
        #expect(ready() == "False")
    }

    // MARK: - Annotations

    struct AnnotationCase: CustomTestStringConvertible, Sendable {
        let name: String
        let annotations: [String: String]
        let isJobPod: Bool
        let expected: PodBehavior
        let problemCount: Int
        var testDescription: String { name }
    }

    @Test(arguments: [
        AnnotationCase(
            name: "job pod defaults", annotations: [:], isJobPod: true, expected: PodBehavior(),
            problemCount: 0),
        AnnotationCase(
            name: "plain pod runs forever", annotations: [:], isJobPod: false,
            expected: PodBehavior(runSeconds: nil), problemCount: 0),
        AnnotationCase(
            name: "every annotation",
            annotations: [
                "sim.punctual.dev/pending-seconds": "2.5", "sim.punctual.dev/run-seconds": "30",
                "sim.punctual.dev/exit-code": "7", "sim.punctual.dev/exit-message": "boom",
                "sim.punctual.dev/unschedulable": "true", "sim.punctual.dev/image-pull-error": "True",
                "sim.punctual.dev/termination-seconds": "4",
            ],
            isJobPod: true,
            expected: PodBehavior(
                pendingSeconds: 2.5, isUnschedulable: true, hasImagePullError: true, runSeconds: 30, exitCode: 7,
                exitMessage: "boom", terminationSeconds: 4),
            problemCount: 0),
        AnnotationCase(
            name: "unreadable values fall back to defaults",
            annotations: [
                "sim.punctual.dev/run-seconds": "soon", "sim.punctual.dev/exit-code": "300",
                "sim.punctual.dev/unschedulable": "maybe",
            ],
            isJobPod: true, expected: PodBehavior(), problemCount: 3),
    ])
    func annotations(_ testCase: AnnotationCase) {
        var behavior = PodBehavior(annotations: testCase.annotations, isJobPod: testCase.isJobPod)
        #expect(behavior.problems.count == testCase.problemCount)
        behavior.problems = []
        #expect(behavior == testCase.expected)
    }
}
