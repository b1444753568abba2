import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

@Suite("JobBuilder: the Job of one run")
struct JobBuilderTests {
    static let task = ScheduledTask.fixture()
    static func build(_ task: ScheduledTask, attempt: Int = 1, trigger: String? = nil) -> JSONValue {
        JobBuilder.job(
            for: task,
            .init(
                name: "report-1", slot: Instants.topOfTheHour, attempt: attempt, trigger: trigger, startupFailures: 1,
                runFailures: 2))
    }

    @Test("labels, annotations and the controller ownerReference; template passes through")
    func identity() {
        let job = Self.build(Self.task)
        #expect(job["apiVersion"] == "batch/v1")
        #expect(job[path: ["metadata", "name"]] == "report-1")
        #expect(job[path: ["metadata", "namespace"]] == "default")
        #expect(job[path: ["metadata", "labels"]] == ["team": "billing", "punctual.dev/task": "report"])
        #expect(job[path: ["metadata", "annotations", "owner"]] == "ops")
        #expect(job[path: ["metadata", "annotations", "punctual.dev/scheduled-time"]] == "2026-06-01T10:00:00Z")
        #expect(job[path: ["metadata", "annotations", "punctual.dev/attempt"]] == "1")
        #expect(job[path: ["metadata", "annotations", "punctual.dev/startup-failures"]] == nil)
        #expect(
            job[path: ["metadata", "ownerReferences"]] == [
                [
                    "apiVersion": "punctual.dev/v1alpha1", "kind": "ScheduledTask", "name": "report",
                    "uid": "uid-report", "controller": true, "blockOwnerDeletion": true,
                ]
            ])
        #expect(job[path: ["spec", "ttlSecondsAfterFinished"]] == 86_400)
        #expect(job[path: ["spec", "template", "metadata", "labels", "punctual.dev/task"]] == "report")
        #expect(
            job[path: ["spec", "template", "spec", "containers"]] == [
                ["name": "main", "image": "busybox:1.36", "args": ["true"]]
            ])
        // Unlimited keeps the template's own restart policy and backoffLimit.
        #expect(job[path: ["spec", "template", "spec", "restartPolicy"]] == "OnFailure")
        #expect(job[path: ["spec", "backoffLimit"]] == nil)
        #expect(job[path: ["spec", "template", "spec", "priorityClassName"]] == "punctual-normal")
        #expect(job[path: ["spec", "activeDeadlineSeconds"]] == nil)
    }

    @Test("OnceMost: backoffLimit 0, restartPolicy Never, podReplacementPolicy Failed")
    func onceMost() {
        let job = Self.build(Self.task.guarantee(.onceMost))
        #expect(job[path: ["spec", "backoffLimit"]] == 0)
        #expect(job[path: ["spec", "template", "spec", "restartPolicy"]] == "Never")
        #expect(job[path: ["spec", "podReplacementPolicy"]] == "Failed")
    }

    @Test("activeDeadlineSeconds from the spec; the tier's PriorityClass unless the template names one")
    func limitsAndPriority() {
        let job = Self.build(Self.task.activeDeadline(120).tier(.critical))
        #expect(job[path: ["spec", "activeDeadlineSeconds"]] == 120)
        #expect(job[path: ["spec", "template", "spec", "priorityClassName"]] == "punctual-critical")
        let own = Self.build(Self.task.tier(.critical).templatePriorityClass("batch-low"))
        #expect(own[path: ["spec", "template", "spec", "priorityClassName"]] == "batch-low")
    }

    @Test("retries carry the failure counts; manual runs carry the trigger value")
    func retryAndTrigger() {
        let job = Self.build(Self.task, attempt: 3, trigger: "go")
        #expect(job[path: ["metadata", "annotations", "punctual.dev/attempt"]] == "3")
        #expect(job[path: ["metadata", "annotations", "punctual.dev/startup-failures"]] == "1")
        #expect(job[path: ["metadata", "annotations", "punctual.dev/run-failures"]] == "2")
        #expect(job[path: ["metadata", "annotations", "punctual.dev/trigger"]] == "go")
    }

    @Test("the built Job decodes as a batch/v1 Job and reads back as the same run")
    func roundTrip() throws {
        let job = Job.fixture(for: Self.task, slot: Instants.topOfTheHour, attempt: 2)
        let run = try #require(ObservedRun(job: job, pods: []))
        #expect(run.slot == Instants.topOfTheHour)
        #expect(run.attempt == 2)
        #expect(run.jobName == "report-29671800-r2")
        #expect(run.phase == .pending)
    }
}
