import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// The Job controller's FailedCreate Events: what `kubectl describe job` shows when admission
/// refuses a Job's Pods.
@Suite struct JobRuntimeEventsTests {
    static let events = GroupResource(group: "", resource: "events")
    static let priorityClasses = GroupResource(group: "scheduling.k8s.io", resource: "priorityclasses")

    /// A Job whose Pods name `priorityClass`.
    static func template(priorityClass: String) -> JSONValue {
        [
            "metadata": ["annotations": ["sim.punctual.dev/run-seconds": "1"]],
            "spec": [
                "restartPolicy": "Never", "priorityClassName": .string(priorityClass),
                "containers": [["name": "main", "image": "busybox:1.36"]],
            ],
        ]
    }

    func failedCreateEvents(_ sim: RuntimeHarness, of job: String) throws -> [JSONValue] {
        try sim.store.list(Self.events, options: StoreListQuery(namespace: "default")).items.filter {
            $0["reason"] == "FailedCreate" && $0[path: ["involvedObject", "name"]]?.stringValue == job
        }
    }

    @Test func refusedPodsAreReportedOnceWithAGrowingCountAndThePodFollowsTheFix() async throws {
        try await RuntimeHarness.with { sim in
            let job = try sim.createJob("report", spec: ["template": Self.template(priorityClass: "nightly")])
            try await sim.eventually("a FailedCreate Event names the missing PriorityClass") {
                try failedCreateEvents(sim, of: "report").count == 1
            }
            let event = try #require(try failedCreateEvents(sim, of: "report").first)
            #expect(event["type"] == "Warning")
            #expect(event[path: ["involvedObject", "kind"]] == "Job")
            #expect(event[path: ["involvedObject", "uid"]] == job[path: ["metadata", "uid"]])
            #expect(event[path: ["source", "component"]] == "job-controller")
            #expect(event["count"] == 1)
            let message = try #require(event["message"]?.stringValue)
            #expect(message.hasPrefix("Error creating: "))
            #expect(message.contains("no PriorityClass with name nightly was found"))
            #expect(try sim.pods(of: "report").isEmpty)

            // Retries every second fold into the same Event, rewritten at most every 10 s.
            for _ in 0..<9 {
                sim.advance(seconds: 1)
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(try failedCreateEvents(sim, of: "report").first?["count"] == 1)
            try await sim.eventually("the Event counts the later refusals") {
                sim.advance(seconds: 1)
                return try failedCreateEvents(sim, of: "report").first?["count"]?.intValue ?? 0 > 1
            }
            #expect(try failedCreateEvents(sim, of: "report").count == 1)

            let priorityClass: JSONValue = [
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": "nightly"],
                "value": 1000,
            ]
            try sim.store.create(Self.priorityClasses, namespace: "", object: priorityClass)
            try await sim.eventually("the pod is created once the class exists") {
                sim.advance(seconds: 1)
                return try sim.pods(of: "report").count == 1
            }
        }
    }

    @Test func admittedPodsLeaveNoEvent() async throws {
        try await RuntimeHarness.with { sim in
            try sim.createJob("report", annotations: ["sim.punctual.dev/run-seconds": "1"])
            try await sim.eventually("the pod exists") { try sim.pods(of: "report").count == 1 }
            #expect(try failedCreateEvents(sim, of: "report").isEmpty)
        }
    }
}
