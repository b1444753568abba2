import Foundation
import KubeClient
import Testing

@Suite struct ModelTests {
    @Test func jobDecodesTheFieldsWeUse() throws {
        let job = try JSONDecoder.kubernetes.decode(Job.self, from: Fixture.data("job-full.json"))
        #expect(job.metadata.ownerReferences?.first?.controller == true)
        #expect(job.spec?.backoffLimit == 0)
        #expect(job.spec?.activeDeadlineSeconds == 120)
        #expect(job.spec?.podReplacementPolicy == "Failed")
        let pod = try #require(job.spec?.template.spec)
        #expect(pod.priorityClassName == "punctual-high")
        #expect(pod.nodeSelector == ["disk": "ssd"])
        #expect(pod.tolerations?.first?["effect"] == "NoSchedule")
        #expect(pod.affinity?[path: ["nodeAffinity"]] != nil)
        #expect(pod.containers.first?.resources?.requests == ["cpu": "500m", "memory": "128Mi"])
        #expect(job.status?.active == 1)
        #expect(job.status?.startTime == KubeTime.parse("2026-03-08T07:00:01Z"))
        #expect(job.status?.conditions?.first(ofType: "Suspended")?.reason == "JobResumed")
        #expect(!job.isFinished)
    }

    @Test func podContainerStates() throws {
        let pod = try JSONDecoder.kubernetes.decode(Pod.self, from: Fixture.data("pod-waiting.json"))
        #expect(pod.status?.phase == "Pending")
        let status = try #require(pod.status?.containerStatuses?.first)
        #expect(status.state?.waiting?.reason == "ImagePullBackOff")
        #expect(status.lastState?.terminated?.exitCode == 137)
        #expect(status.lastState?.terminated?.reason == "OOMKilled")
        // A number written where a quantity is expected is accepted.
        #expect(pod.spec?.containers.first?.resources?.requests?["cpu"] == "1")
        #expect(pod.status?.conditions?.first(ofType: "PodScheduled")?.isTrue == true)
    }

    @Test func leaseKeepsMicrosecondsOnTheWire() throws {
        let lease = try JSONDecoder.kubernetes.decode(Lease.self, from: Fixture.data("lease.json"))
        let renew = try #require(lease.spec?.renewTime)
        #expect(abs(renew.date.timeIntervalSince1970 - 1_772_953_210.123456) < 0.000_001)
        let encoded = try JSONValue(encoding: lease)
        #expect(encoded[path: ["spec", "renewTime"]] == "2026-03-08T07:00:10.123456Z")
        #expect(encoded[path: ["spec", "acquireTime"]] == "2026-03-08T07:00:00.000000Z")
        #expect(encoded[path: ["spec", "leaseTransitions"]] == 3)
    }

    @Test func secretDataIsBase64OnTheWire() throws {
        let secret = Secret(
            metadata: ObjectMeta(name: "alerts", namespace: "d"), data: ["hook-url": Data("https://hook".utf8)])
        let encoded = try JSONValue(encoding: secret)
        #expect(encoded[path: ["data", "hook-url"]] == "aHR0cHM6Ly9ob29r")
        #expect(encoded["apiVersion"] == "v1")
        #expect(encoded["kind"] == "Secret")
        let decoded = try encoded.decode(as: Secret.self)
        #expect(decoded.string(forKey: "hook-url") == "https://hook")
        #expect(decoded.string(forKey: "missing") == nil)
    }

    @Test func eventsEncodeTheirTimes() throws {
        let time = MicroTime(Date(timeIntervalSince1970: 1_772_953_200.5))
        let event = Event(
            metadata: ObjectMeta(name: "t.1", namespace: "d"), eventTime: time,
            reportingController: "punctual.dev/controller",
            reportingInstance: "pod-1", action: "CreateJob", reason: "Created",
            regarding: ObjectReference(apiVersion: "punctual.dev/v1alpha1", kind: "ScheduledTask", name: "t"),
            note: "created job t-1", type: "Normal")
        let encoded = try JSONValue(encoding: event)
        #expect(encoded["eventTime"] == "2026-03-08T07:00:00.500000Z")
        #expect(encoded["apiVersion"] == "events.k8s.io/v1")
        let core = CoreEvent(
            metadata: ObjectMeta(name: "t.2", namespace: "d"), involvedObject: ObjectReference(kind: "Job", name: "j"),
            reason: "Failed", message: "m", type: "Warning", firstTimestamp: time.date, lastTimestamp: time.date,
            count: 2)
        let coreEncoded = try JSONValue(encoding: core)
        #expect(coreEncoded["firstTimestamp"] == "2026-03-08T07:00:00Z")
        #expect(coreEncoded["apiVersion"] == "v1")
        #expect(
            try coreEncoded.decode(as: CoreEvent.self)
                == CoreEvent(
                    metadata: core.metadata, involvedObject: core.involvedObject, reason: "Failed", message: "m",
                    type: "Warning", firstTimestamp: Date(timeIntervalSince1970: 1_772_953_200),
                    lastTimestamp: Date(timeIntervalSince1970: 1_772_953_200), count: 2))
    }

    @Test func resourceTypesOfModels() {
        #expect(Job.resourceType.path(namespace: "d") == "/apis/batch/v1/namespaces/d/jobs")
        #expect(Lease.resourceType.apiVersion == "coordination.k8s.io/v1")
        #expect(Event.resourceType.group == "events.k8s.io")
        #expect(CoreEvent.resourceType.group == "")
        #expect(Namespace.resourceType.isNamespaced == false)
        #expect(ConfigMap(metadata: ObjectMeta(name: "x")).objectMeta.name == "x")
    }

    @Test func dynamicObjectsExposeTheirMetadata() {
        let object: JSONValue = ["metadata": ["name": "n", "namespace": "d", "resourceVersion": "3"]]
        #expect(object.objectMeta.name == "n")
        #expect(object.objectMeta.resourceVersion == "3")
        #expect(JSONValue.string("x").objectMeta == ObjectMeta())
    }
}
