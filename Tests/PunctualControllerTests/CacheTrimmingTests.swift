import Foundation
import KubeClient
import PunctualTestSupport
import Testing

@testable import PunctualController

/// The informer transforms of Jobs and Pods: what they keep, what they drop, and that no decision
/// can tell a trimmed cache from a whole one.
@Suite struct CacheTrimmingTests {
    static let now = Date(timeIntervalSince1970: 1_767_232_800)

    static var job: Job {
        Job.fixture(for: ScheduledTask.fixture(schedule: "*/5 * * * *"), slot: now).started(at: now)
            .succeeded(at: now)
    }

    static var pod: Pod {
        var pod = Pod.fixture(for: job)
        pod.spec?.nodeName = "node-1"
        pod.spec?.priorityClassName = "punctual-normal"
        pod.status = PodStatus(phase: "Running", startTime: now)
        return pod
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var check: @Sendable () -> Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "Job: metadata kept whole") { CacheTrimming.job(job).metadata == job.metadata },
        Case(name: "Job: status kept whole") { CacheTrimming.job(job).status == job.status },
        Case(name: "Job: the fixture has a pod template to drop") { job.spec?.template.spec != nil },
        Case(name: "Job: spec (pod template) dropped") { CacheTrimming.job(job).spec == nil },
        Case(name: "Pod: metadata kept whole") { CacheTrimming.pod(pod).metadata == pod.metadata },
        Case(name: "Pod: status kept whole") { CacheTrimming.pod(pod).status == pod.status },
        Case(name: "Pod: nodeName kept") { CacheTrimming.pod(pod).spec?.nodeName == "node-1" },
        Case(name: "Pod: priorityClassName kept") {
            CacheTrimming.pod(pod).spec?.priorityClassName == "punctual-normal"
        },
        Case(name: "Pod: the fixture has containers to drop") { pod.spec?.containers.isEmpty == false },
        Case(name: "Pod: containers dropped") { CacheTrimming.pod(pod).spec?.containers.isEmpty == true },
        Case(name: "Pod: restartPolicy dropped") {
            pod.spec?.restartPolicy != nil && CacheTrimming.pod(pod).spec?.restartPolicy == nil
        },
        Case(name: "Pod: no spec stays no spec") {
            var bare = pod
            bare.spec = nil
            return CacheTrimming.pod(bare).spec == nil
        },
    ])
    func keepsAndDrops(_ test: Case) {
        #expect(test.check())
    }

    /// Every row of the decision tables decides the same plan from trimmed Jobs and Pods.
    @Test func decisionsCannotTellTrimmedCachesFromWholeOnes() {
        let tables = [
            DecisionSchedulingTests.cases, DecisionRunTests.cases, DecisionStatusTests.cases,
            DecisionConcurrencyTests.cases, DecisionCrashSafetyTests.cases, DecisionAlertTests.cases,
            DecisionPreallocationTests.cases,
        ]
        var compared = 0
        for row in tables.joined() {
            var trimmed = row
            trimmed.jobs = row.jobs.map(CacheTrimming.job)
            trimmed.pods = row.pods.map(CacheTrimming.pod)
            #expect(
                Decision.plan(for: trimmed.observation) == Decision.plan(for: row.observation), "\(row.name)")
            compared += 1
        }
        #expect(compared > 50)
    }
}
