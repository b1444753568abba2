import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

@testable import punctual

/// How watched changes become stream lines (``EventDerivation``).
@Suite struct EventDerivationTests {
    static let task = ScheduledTask.fixture(schedule: "* * * * *", name: "demo-flaky")
    static let slot = Instants.topOfTheHour
    static let firstJob = Job.fixture(for: task, slot: slot)
    static let retryJob = Job.fixture(for: task, slot: slot, attempt: 2)
    static let now = Instants.justAfterTheHour

    /// What one change yields, as (kind, subject, detail).
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let derive: @Sendable () -> [DemoEvent]
        let expected: [Expected]
        var testDescription: String { name }
    }

    struct Expected: Equatable, Sendable, CustomStringConvertible {
        let kind: DemoEvent.Kind
        let subject: String
        let detail: String
        var description: String { "\(kind) \(subject): \(detail)" }
    }

    static var first: String { firstJob.metadata.name ?? "" }
    static var retry: String { retryJob.metadata.name ?? "" }

    static let cases: [Case] = [
        Case(
            name: "first attempt's Job → created",
            derive: { EventDerivation.jobAdded(firstJob, now: now) },
            expected: [.init(kind: .created, subject: "demo-flaky", detail: "\(first)  slot 10:00:00")]),
        Case(
            name: "second attempt's Job → retried",
            derive: { EventDerivation.jobAdded(retryJob, now: now) },
            expected: [.init(kind: .retried, subject: "demo-flaky", detail: "\(retry)  attempt 2, slot 10:00:00")]),
        Case(
            name: "Job without the task label → nothing",
            derive: {
                var job = firstJob
                job.metadata.labels = [:]
                return EventDerivation.jobAdded(job, now: now)
            },
            expected: []),
        Case(
            name: "Job completes → succeeded with its duration",
            derive: {
                let running = firstJob.started(at: slot)
                return EventDerivation.jobUpdated(
                    old: running, new: running.succeeded(at: slot.addingTimeInterval(5)), pods: [], now: now)
            },
            expected: [.init(kind: .succeeded, subject: "demo-flaky", detail: "\(first) in 5s")]),
        Case(
            name: "Job fails → failed with the pod's exit code and message",
            derive: {
                let running = firstJob.started(at: slot)
                let pod = firstJob.pod.terminated(
                    exitCode: 1, started: slot, finished: now, message: "connection refused")
                return EventDerivation.jobUpdated(old: running, new: running.failed(at: now), pods: [pod], now: now)
            },
            expected: [.init(kind: .failed, subject: "demo-flaky", detail: "\(first)  exit code 1: connection refused")]
        ),
        Case(
            name: "Job fails before its pod is seen → the Job's condition",
            derive: {
                let running = firstJob.started(at: slot)
                return EventDerivation.jobUpdated(old: running, new: running.failed(at: now), pods: [], now: now)
            },
            expected: [
                .init(
                    kind: .failed, subject: "demo-flaky",
                    detail: "\(first)  BackoffLimitExceeded: Job has reached the specified backoff limit")
            ]),
        Case(
            name: "Job killed at its active deadline → deadline",
            derive: {
                let running = firstJob.started(at: slot)
                return EventDerivation.jobUpdated(
                    old: running, new: running.deadlineExceeded(at: now), pods: [], now: now)
            },
            expected: [
                .init(
                    kind: .deadline, subject: "demo-flaky",
                    detail: "\(first)  Job was active longer than specified deadline")
            ]),
        Case(
            name: "already failed Job updated again → nothing",
            derive: {
                let failed = firstJob.failed(at: now)
                return EventDerivation.jobUpdated(old: failed, new: failed, pods: [], now: now)
            },
            expected: []),
        Case(
            name: "pod starts running → started",
            derive: {
                EventDerivation.podUpdated(old: firstJob.pod, new: firstJob.pod.running(since: now), now: now)
            },
            expected: [.init(kind: .started, subject: "demo-flaky", detail: "\(first)  pod \(first)-abcde")]),
        Case(
            name: "pod still running → nothing",
            derive: {
                let running = firstJob.pod.running(since: now)
                return EventDerivation.podUpdated(old: running, new: running, now: now)
            },
            expected: []),
        Case(
            name: "new Missed run in the task's history → missed",
            derive: {
                let missed = ScheduledTaskStatus.Run(
                    scheduledTime: slot, attempt: 1, phase: .missed, reason: "NotStarted",
                    message: "not running 20s after its slot")
                return EventDerivation.taskUpdated(
                    old: task, new: task.editingStatus { $0.runs = [missed] }, now: now)
            },
            expected: [
                .init(kind: .missed, subject: "demo-flaky", detail: "slot 10:00:00  not running 20s after its slot")
            ]),
        Case(
            name: "history entry already seen → nothing",
            derive: {
                let skipped = ScheduledTaskStatus.Run(scheduledTime: slot, attempt: 1, phase: .skipped)
                let old = task.editingStatus { $0.runs = [skipped] }
                return EventDerivation.taskUpdated(
                    old: old, new: old.editingStatus { $0.consecutiveFailures = 1 }, now: now)
            },
            expected: []),
        Case(
            name: "free Lease taken → leader",
            derive: { EventDerivation.leaseChanged(oldHolder: "", newHolder: "pod-a_1", now: now) },
            expected: [.init(kind: .leader, subject: "pod-a_1", detail: "acquired the Lease, now leading")]),
        Case(
            name: "Lease taken from another holder → failover",
            derive: { EventDerivation.leaseChanged(oldHolder: "pod-a_1", newHolder: "pod-b_2", now: now) },
            expected: [
                .init(kind: .failover, subject: "pod-b_2", detail: "took the Lease over from pod-a_1 after it expired")
            ]),
        Case(
            name: "renewal by the same holder → nothing",
            derive: { EventDerivation.leaseChanged(oldHolder: "pod-a_1", newHolder: "pod-a_1", now: now) },
            expected: []),
        Case(
            name: "Lease released → nothing",
            derive: { EventDerivation.leaseChanged(oldHolder: "pod-a_1", newHolder: "", now: now) },
            expected: []),
        Case(
            name: "alert → alerted with kind, Job and message",
            derive: {
                [
                    EventDerivation.alerted(
                        PlannedAlert(
                            kind: .retriesExhausted, scheduledTime: slot, attempt: 3, job: "j-r3", message: "gave up"),
                        task: task, now: now)
                ]
            },
            expected: [.init(kind: .alerted, subject: "demo-flaky", detail: "RetriesExhausted  j-r3  gave up")]),
    ]

    @Test(arguments: cases)
    func derives(_ testCase: Case) {
        let events = testCase.derive()
        #expect(events.map { Expected(kind: $0.kind, subject: $0.subject, detail: $0.detail) } == testCase.expected)
        #expect(events.allSatisfy { $0.time == Self.now })
    }

    // MARK: - Failures waiting for their pod

    static var failedLine: DemoEvent {
        DemoEvent(time: slot, kind: .failed, subject: "demo-flaky", detail: "\(first)  BackoffLimitExceeded")
    }

    @Test func aFailureWaitsForItsPodsExitCode() {
        var failures = PendingFailures()
        let pending = Self.firstJob.pod.running(since: Self.slot)
        #expect(failures.jobFailed(Self.failedLine, job: Self.firstJob.metadata, pods: [pending]).isEmpty)
        #expect(failures.podChanged(pending, now: Self.now).isEmpty)
        let terminated = Self.firstJob.pod.terminated(
            exitCode: 1, started: Self.slot, finished: Self.now, message: "connection refused")
        let lines = failures.podChanged(terminated, now: Self.now)
        #expect(lines.map(\.detail) == ["\(Self.first)  exit code 1: connection refused"])
        #expect(lines.map(\.kind) == [.failed])
        #expect(failures.podChanged(terminated, now: Self.now).isEmpty, "printed once")
    }

    @Test func aFailureWithAKnownExitCodeIsPrintedAtOnce() {
        var failures = PendingFailures()
        let terminated = Self.firstJob.pod.terminated(exitCode: 2, started: Self.slot, finished: Self.now)
        #expect(
            failures.jobFailed(Self.failedLine, job: Self.firstJob.metadata, pods: [terminated]) == [Self.failedLine])
    }

    @Test func aFailureWhosePodIsDeletedIsPrintedAsItWas() {
        var failures = PendingFailures()
        #expect(failures.jobFailed(Self.failedLine, job: Self.firstJob.metadata, pods: []).isEmpty)
        #expect(failures.podDeleted(Self.firstJob.pod) == [Self.failedLine])
        #expect(failures.podDeleted(Self.firstJob.pod).isEmpty)
    }

    @Test func otherLinesAreNeverHeld() {
        var failures = PendingFailures()
        let succeeded = DemoEvent(time: Self.now, kind: .succeeded, subject: "demo-flaky", detail: "x")
        #expect(failures.jobFailed(succeeded, job: Self.firstJob.metadata, pods: []) == [succeeded])
    }

    @Test func failoverNamesThePreviousHolder() {
        let events = EventDerivation.leaseChanged(oldHolder: "a", newHolder: "b", now: Self.now)
        #expect(events.map(\.previousHolder) == ["a"])
    }

    @Test(arguments: [("default", "report", "report"), ("batch", "report", "batch/report"), ("", "x", "x")])
    func subjects(_ namespace: String, _ name: String, _ subject: String) {
        #expect(EventDerivation.subject(namespace: namespace, name: name) == subject)
    }
}
