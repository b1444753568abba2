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
        noisy(
            Job.fixture(for: ScheduledTask.fixture(schedule: "*/5 * * * *"), slot: now).started(at: now)
                .succeeded(at: now))
    }

    static var pod: Pod {
        var pod = noisy(Pod.fixture(for: job))
        pod.metadata.annotations?[PlaceholderBuilder.specHashAnnotation] = "hash-1"
        pod.spec?.nodeName = "node-1"
        pod.spec?.priorityClassName = "punctual-normal"
        pod.status = PodStatus(
            phase: "Running",
            conditions: [
                Condition(type: "PodScheduled", status: "True", lastTransitionTime: now),
                Condition(type: "Ready", status: "True", lastTransitionTime: now),
            ],
            containerStatuses: [
                ContainerStatus(
                    name: "main", image: "registry.example/batch:1.2",
                    state: ContainerState(running: .init(startedAt: now)))
            ],
            startTime: now)
        return pod
    }

    /// Metadata other controllers and users add, which no decision reads.
    static func noisy(_ metadata: ObjectMeta) -> ObjectMeta {
        var metadata = metadata
        metadata.labels = (metadata.labels ?? [:]).merging(["team": "payments", "controller-uid": "u-1"]) { $1 }
        metadata.annotations = (metadata.annotations ?? [:]).merging([
            "kubectl.kubernetes.io/last-applied-configuration": "{\"kind\":\"Job\"}", "example.com/owner": "ops",
        ]) { $1 }
        metadata.finalizers = (metadata.finalizers ?? []) + ["example.com/audit"]
        metadata.generateName = metadata.generateName ?? "generated-"
        metadata.generation = metadata.generation ?? 3
        return metadata
    }

    static func noisy(_ job: Job) -> Job {
        var job = job
        job.metadata = noisy(job.metadata)
        if var status = job.status {
            let criteria = Condition(
                type: "SuccessCriteriaMet", status: "True", reason: "CompletionsReached",
                message: "Reached expected number of succeeded pods", lastTransitionTime: now)
            status.conditions = [criteria] + (status.conditions ?? [])
            job.status = status
        }
        return job
    }

    static func noisy(_ pod: Pod) -> Pod {
        var pod = pod
        pod.metadata = noisy(pod.metadata)
        if var status = pod.status {
            status.conditions = (status.conditions ?? []) + [Condition(type: "Ready", status: "False")]
            status.containerStatuses = status.containerStatuses?.map { container in
                var container = container
                container.image = container.image ?? "registry.example/batch:1.2"
                return container
            }
            pod.status = status
        }
        return pod
    }

    /// Whether the identity, lifecycle and ownership fields of two metadata are the same.
    static func sameIdentity(_ trimmed: ObjectMeta, _ whole: ObjectMeta) -> Bool {
        trimmed.name == whole.name && trimmed.namespace == whole.namespace && trimmed.uid == whole.uid
            && trimmed.resourceVersion == whole.resourceVersion
            && trimmed.creationTimestamp == whole.creationTimestamp
            && trimmed.deletionTimestamp == whole.deletionTimestamp && trimmed.ownerReferences == whole.ownerReferences
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var check: @Sendable () -> Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "Job: identity, lifecycle and ownership kept") {
            sameIdentity(CacheTrimming.job(job.deleting(since: now)).metadata, job.deleting(since: now).metadata)
        },
        Case(name: "Job: the fixture has a slot annotation to keep") {
            job.metadata.annotations?[ScheduledTask.scheduledTimeAnnotation] != nil
        },
        Case(name: "Job: the annotations a run is read from kept") {
            let manual = noisy(
                Job.fixture(for: ScheduledTask.fixture(schedule: "*/5 * * * *"), slot: now, attempt: 2, trigger: "t-1"))
            return [job, manual].allSatisfy { whole in
                CacheTrimming.jobAnnotations.allSatisfy {
                    CacheTrimming.job(whole).metadata.annotations?[$0] == whole.metadata.annotations?[$0]
                }
            }
        },
        Case(name: "Job: task label kept") {
            let label = CacheTrimming.job(job).metadata.labels?[ScheduledTask.taskLabel]
            return label != nil && label == job.metadata.labels?[ScheduledTask.taskLabel]
        },
        Case(name: "Job: other labels and annotations dropped") {
            let metadata = CacheTrimming.job(job).metadata
            return job.metadata.labels?["team"] != nil && metadata.labels?["team"] == nil
                && metadata.annotations?["kubectl.kubernetes.io/last-applied-configuration"] == nil
                && Set(metadata.annotations?.keys.map { $0 } ?? []).isSubset(of: CacheTrimming.jobAnnotations)
                && Set(metadata.labels?.keys.map { $0 } ?? []).isSubset(of: CacheTrimming.jobLabels)
        },
        Case(name: "Job: finalizers, generateName and generation dropped") {
            let metadata = CacheTrimming.job(job).metadata
            return metadata.finalizers == nil && metadata.generateName == nil && metadata.generation == nil
        },
        Case(name: "Job: start, completion and counts kept") {
            let status = CacheTrimming.job(job).status
            return status?.startTime == now && status?.completionTime == now && status?.active == job.status?.active
        },
        Case(name: "Job: Complete kept without reason and message, other conditions dropped") {
            var whole = job
            let conditions = job.status?.conditions?.map { condition in
                var condition = condition
                if condition.type == "Complete" { condition.message = "Reached expected number of succeeded pods" }
                return condition
            }
            whole.status?.conditions = conditions
            let kept = CacheTrimming.job(whole).status?.conditions
            return conditions?.count == 2 && kept?.map(\.type) == ["Complete"] && kept?.first?.message == nil
                && kept?.first?.lastTransitionTime == now
        },
        Case(name: "Job: Failed kept whole") {
            let failed = noisy(
                Job.fixture(for: ScheduledTask.fixture(schedule: "*/5 * * * *"), slot: now).started(at: now)
                    .failed(at: now, message: "pods failed"))
            let kept = CacheTrimming.job(failed).status?.conditions
            return kept?.count == 1 && kept?.first == failed.status?.conditions?.first { $0.type == "Failed" }
        },
        Case(name: "Job: the fixture has a pod template to drop") { job.spec?.template.spec != nil },
        Case(name: "Job: spec (pod template) dropped") { CacheTrimming.job(job).spec == nil },
        Case(name: "Pod: identity, lifecycle and ownership kept") {
            sameIdentity(CacheTrimming.pod(pod).metadata, pod.metadata)
        },
        Case(name: "Pod: task, Job and placeholder labels kept") {
            var placeholder = pod
            placeholder.metadata.labels?[PlaceholderBuilder.slotLabel] = "1767232800"
            let labels = CacheTrimming.pod(placeholder).metadata.labels ?? [:]
            return CacheTrimming.podLabels.allSatisfy { key in
                labels[key] != nil && labels[key] == placeholder.metadata.labels?[key]
            }
        },
        Case(name: "Pod: placeholder spec annotation kept") {
            CacheTrimming.pod(pod).metadata.annotations == [PlaceholderBuilder.specHashAnnotation: "hash-1"]
        },
        Case(name: "Pod: other labels dropped") {
            pod.metadata.labels?["controller-uid"] != nil
                && CacheTrimming.pod(pod).metadata.labels?["controller-uid"] == nil
        },
        Case(name: "Pod: phase, start time and reasons kept") {
            var failed = pod
            failed.status?.phase = "Failed"
            failed.status?.reason = "Evicted"
            failed.status?.message = "The node was low on memory."
            let status = CacheTrimming.pod(failed).status
            return status?.phase == "Failed" && status?.startTime == now && status?.reason == "Evicted"
                && status?.message == failed.status?.message
        },
        Case(name: "Pod: PodScheduled kept, other conditions dropped") {
            CacheTrimming.pod(pod).status?.conditions?.map(\.type) == ["PodScheduled"]
                && pod.status?.conditions?.count == 2
        },
        Case(name: "Pod: container states kept, images dropped") {
            let containers = CacheTrimming.pod(pod).status?.containerStatuses
            return containers?.map(\.state) == pod.status?.containerStatuses?.map(\.state)
                && containers?.map(\.name) == ["main"] && containers?.allSatisfy { $0.image == nil } == true
                && pod.status?.containerStatuses?.first?.image != nil
        },
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

    /// Every row of the decision tables decides the same plan from trimmed Jobs and Pods, even
    /// when other controllers and users added labels, annotations, finalizers and conditions.
    @Test func decisionsCannotTellTrimmedCachesFromWholeOnes() {
        let tables = [
            DecisionSchedulingTests.cases, DecisionRunTests.cases, DecisionStatusTests.cases,
            DecisionConcurrencyTests.cases, DecisionCrashSafetyTests.cases, DecisionAlertTests.cases,
            DecisionPreallocationTests.cases,
        ]
        var compared = 0
        for row in tables.joined() {
            var trimmed = row
            trimmed.jobs = row.jobs.map { CacheTrimming.job(Self.noisy($0)) }
            trimmed.pods = row.pods.map { CacheTrimming.pod(Self.noisy($0)) }
            #expect(
                Decision.plan(for: trimmed.observation) == Decision.plan(for: row.observation), "\(row.name)")
            compared += 1
        }
        #expect(compared > 50)
    }

    /// What the informers never parse is only what the transforms drop: a Job or Pod read with its
    /// omitted members left out trims to the same object as one read whole.
    @Test func omittedMembersAreOnlyOnesTheTransformsDrop() throws {
        let managedFields: JSONValue = [["manager": "kubectl", "operation": "Update", "fieldsV1": ["f:spec": [:]]]]
        var job = try JSONValue(encoding: Self.job)
        job.set(path: ["metadata", "managedFields"], to: managedFields)
        var pod = try JSONValue(encoding: Self.pod)
        pod.set(path: ["metadata", "managedFields"], to: managedFields)
        pod.set(path: ["spec", "volumes"], to: [["name": "data", "emptyDir": [:]]])
        pod.set(path: ["spec", "tolerations"], to: [["key": "dedicated", "operator": "Exists"]])
        pod.set(path: ["spec", "affinity"], to: ["nodeAffinity": [:]])
        pod.set(path: ["spec", "nodeSelector"], to: ["disk": "ssd"])
        pod.set(path: ["spec", "initContainers"], to: [["name": "init", "image": "busybox"]])
        let jobBytes = try job.serialized()
        let podBytes = try pod.serialized()

        let slimJob = try JSONValue.parse(jobBytes, omitting: CacheTrimming.jobOmitted)
        #expect(slimJob["spec"] == nil && slimJob[path: ["metadata", "managedFields"]] == nil)
        #expect(
            CacheTrimming.job(try slimJob.decode(as: Job.self))
                == CacheTrimming.job(try JSONValue.parse(jobBytes).decode(as: Job.self)))

        let slimPod = try JSONValue.parse(podBytes, omitting: CacheTrimming.podOmitted)
        #expect(slimPod[path: ["spec", "volumes"]] == nil && slimPod[path: ["spec", "initContainers"]] == nil)
        #expect(slimPod[path: ["spec", "nodeName"]] == "node-1")
        #expect(
            CacheTrimming.pod(try slimPod.decode(as: Pod.self))
                == CacheTrimming.pod(try JSONValue.parse(podBytes).decode(as: Pod.self)))
    }
}
