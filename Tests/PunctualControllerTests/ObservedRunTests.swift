import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

@Suite("ObservedRun: reading a run from its Job and Pods")
struct ObservedRunTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let job: Job
        var pods: [Pod] = []
        let phase: ObservedRun.Phase
        var startedAt: Date? = nil
        var finishedAt: Date? = nil
        var reason: String? = nil
        var message: String? = nil
        var exitCode: Int32? = nil
        var isStartupFailure = false
        var isBeingDeleted = false
        var testDescription: String { name }
    }

    static let task = ScheduledTask.fixture()
    static let slot = Instants.topOfTheHour
    static let job = Job.fixture(for: task, slot: slot)
    static let started = slot.plus(seconds: 4)
    static let ended = slot.plus(minutes: 2)

    static let cases: [Case] = [
        Case(name: "no pod yet → Pending, PodNotCreated", job: job, phase: .pending, reason: "PodNotCreated"),
        Case(
            name: "image pull back-off → Pending with the kubelet's message", job: job,
            pods: [job.pod.waiting(reason: "ImagePullBackOff", message: "Back-off pulling image \"nope:1\"")],
            phase: .pending, reason: "ImagePullBackOff", message: "Back-off pulling image \"nope:1\""),
        Case(
            name: "unschedulable → Pending with the scheduler's message", job: job,
            pods: [job.pod.unschedulable(message: "0/3 nodes are available: 3 Insufficient cpu.")],
            phase: .pending, reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient cpu."),
        Case(
            name: "container creating is not a problem", job: job,
            pods: [job.pod.waiting(reason: "ContainerCreating", message: "")], phase: .pending),
        Case(
            name: "container running → Running since the container started", job: job.started(at: slot),
            pods: [job.pod.running(since: started)], phase: .running, startedAt: started),
        Case(
            name: "Complete condition → Succeeded at completionTime", job: job.started(at: slot).succeeded(at: ended),
            pods: [job.pod.terminated(exitCode: 0, started: started, finished: ended)], phase: .succeeded,
            startedAt: started, finishedAt: ended),
        Case(
            name: "Failed with exit code → Failed with exit code and termination message",
            job: job.started(at: slot).failed(at: ended),
            pods: [job.pod.terminated(exitCode: 3, started: started, finished: ended, message: "ledger locked\n")],
            phase: .failed, startedAt: started, finishedAt: ended, reason: "BackoffLimitExceeded",
            message: "exit code 3 (Error): ledger locked", exitCode: 3),
        Case(
            name: "Failed without any container start → start-up failure",
            job: job.failed(at: ended, reason: "PodFailurePolicy", message: "config error"),
            pods: [job.pod.waiting(reason: "CreateContainerConfigError", message: "secret \"db\" not found")],
            phase: .failed, finishedAt: ended, reason: "PodFailurePolicy",
            message: "CreateContainerConfigError: secret \"db\" not found", isStartupFailure: true),
        Case(
            name: "Failed/DeadlineExceeded → DeadlineExceeded", job: job.started(at: slot).deadlineExceeded(at: ended),
            pods: [job.pod.running(since: started)], phase: .deadlineExceeded, startedAt: started,
            finishedAt: ended, reason: "DeadlineExceeded", message: "Job was active longer than specified deadline"),
        Case(
            name: "deletionTimestamp → being deleted", job: job.deleting(since: ended), phase: .pending,
            reason: "PodNotCreated", isBeingDeleted: true),
        Case(
            name: "another Job's pod is ignored", job: job,
            pods: [Job.fixture(for: task, slot: slot.plus(hours: 1)).pod.running(since: started)], phase: .pending,
            reason: "PodNotCreated"),
    ]

    @Test(arguments: cases)
    func read(_ row: Case) throws {
        let run = try #require(ObservedRun(job: row.job, pods: row.pods))
        #expect(run.slot == Self.slot)
        #expect(run.attempt == 1)
        #expect(run.phase == row.phase)
        #expect(run.startedAt == row.startedAt)
        #expect(run.finishedAt == row.finishedAt)
        #expect(run.reason == row.reason)
        #expect(run.message == row.message)
        #expect(run.exitCode == row.exitCode)
        #expect(run.isStartupFailure == row.isStartupFailure)
        #expect(run.isBeingDeleted == row.isBeingDeleted)
    }

    @Test("a Job without the scheduled-time annotation is not a run")
    func foreignJob() {
        var job = Self.job
        job.metadata.annotations = [:]
        #expect(ObservedRun(job: job, pods: []) == nil)
    }

    @Test("Jobs controlled by another owner (a deleted namesake task) are not this task's runs")
    func foreignOwner() {
        var job = Self.job
        job.metadata.ownerReferences?[0].uid = "uid-of-an-older-task"
        let observation = Observation(task: Self.task, jobs: [job, Self.job.started(at: Self.slot)], now: Self.slot)
        #expect(observation.runs.count == 1)
    }
}
