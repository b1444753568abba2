import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

@Suite("PlaceholderBuilder: the Pods that hold a run's capacity")
struct PlaceholderBuilderTests {
    static let task = ScheduledTask.fixture().preAllocate(lead: 300).tier(.critical)

    static func build(_ task: ScheduledTask, index: Int = 0) -> JSONValue {
        PlaceholderBuilder.pod(
            for: task, slot: Instants.topOfTheHour,
            jobName: JobNaming.name(task: "report", slot: Instants.topOfTheHour),
            index: index, image: "registry.k8s.io/pause:3.10")
    }

    static func container(
        _ name: String, requests: JSONValue? = nil, limits: JSONValue? = nil, restartPolicy: String? = nil
    ) -> JSONValue {
        var resources: JSONValue = [:]
        if let requests { resources["requests"] = requests }
        if let limits { resources["limits"] = limits }
        var container: JSONValue = ["name": .string(name), "image": "busybox:1.36", "resources": resources]
        if let restartPolicy { container["restartPolicy"] = .string(restartPolicy) }
        return container
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let containers: [JSONValue]
        var initContainers: [JSONValue] = []
        let requests: [String: Quantity]
        var testDescription: String { name }
    }

    static let requestCases: [Case] = [
        Case(name: "no requests → none", containers: [container("main")], requests: [:]),
        Case(
            name: "containers are summed",
            containers: [
                container("main", requests: ["cpu": "250m", "memory": "64Mi"]),
                container("proxy", requests: ["cpu": "100m", "memory": "32Mi"]),
            ],
            requests: ["cpu": "350m", "memory": "100663296"]),
        Case(
            name: "a missing request defaults to the limit",
            containers: [container("main", requests: ["cpu": "1"], limits: ["cpu": "2", "memory": "1Gi"])],
            requests: ["cpu": "1", "memory": "1073741824"]),
        Case(
            name: "a larger init container raises the pod's request",
            containers: [container("main", requests: ["cpu": "500m", "memory": "64Mi"])],
            initContainers: [container("migrate", requests: ["cpu": "2", "memory": "16Mi"])],
            requests: ["cpu": "2", "memory": "67108864"]),
        Case(
            name: "sidecars (restartable init containers) add up with the containers",
            containers: [container("main", requests: ["cpu": "500m"])],
            initContainers: [
                container("log", requests: ["cpu": "100m"], restartPolicy: "Always"),
                container("setup", requests: ["cpu": "1"]),
            ],
            requests: ["cpu": "1100m"]),
        Case(
            name: "extended resources and numbers written as JSON numbers",
            containers: [container("main", requests: ["nvidia.com/gpu": 1, "cpu": 0.5])],
            requests: ["nvidia.com/gpu": "1", "cpu": "500m"]),
    ]

    @Test("requests of one pod, as the scheduler counts them", arguments: requestCases)
    func requests(_ row: Case) {
        var task = Self.task.podSpec("containers", .array(row.containers))
        if !row.initContainers.isEmpty { task = task.podSpec("initContainers", .array(row.initContainers)) }
        #expect(PlaceholderBuilder.podRequests(task.spec).requests == row.requests)
        let pod = Self.build(task)
        let sent = pod[path: ["spec", "containers"]]?.arrayValue?.first?[path: ["resources", "requests"]]
        #expect(sent?.objectValue?.mapValues { Quantity($0.stringValue ?? "") } ?? [:] == row.requests)
    }

    @Test("identity: name, labels, slot annotation, controller ownerReference, placeholder PriorityClass")
    func identity() {
        let pod = Self.build(Self.task, index: 2)
        #expect(pod["apiVersion"] == "v1")
        #expect(
            pod[path: ["metadata", "name"]]
                == .string(JobNaming.name(task: "report", slot: Instants.topOfTheHour) + "-hold-2"))
        #expect(pod[path: ["metadata", "namespace"]] == "default")
        #expect(pod[path: ["metadata", "labels", "punctual.dev/task"]] == "report")
        #expect(
            pod[path: ["metadata", "labels", "punctual.dev/placeholder-for"]]
                == .string(String(Int(Instants.topOfTheHour.timeIntervalSince1970))))
        #expect(pod[path: ["metadata", "annotations", "punctual.dev/scheduled-time"]] == "2026-06-01T10:00:00Z")
        #expect(pod[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["uid"] == "uid-report")
        #expect(pod[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["controller"] == true)
        #expect(pod[path: ["spec", "priorityClassName"]] == "punctual-placeholder")
        #expect(pod[path: ["spec", "terminationGracePeriodSeconds"]] == 0)
        #expect(pod[path: ["spec", "containers"]]?.arrayValue?.first?["image"] == "registry.k8s.io/pause:3.10")
        // The template's labels are not copied: Services selecting the run's pods must not pick a pause pod.
        #expect(pod[path: ["metadata", "labels", "team"]] == nil)
    }

    @Test("nodeSelector, affinity, tolerations and topologySpreadConstraints are copied; nothing else")
    func scheduling() {
        let affinity: JSONValue = [
            "nodeAffinity": [
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    "nodeSelectorTerms": [["matchExpressions": [["key": "zone", "operator": "In", "values": ["a"]]]]]
                ]
            ]
        ]
        let tolerations: JSONValue = [["key": "batch", "operator": "Exists", "effect": "NoSchedule"]]
        let spread: JSONValue = [["maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"]]
        let task = Self.task.podSpec("nodeSelector", ["pool": "batch"]).podSpec("affinity", affinity)
            .podSpec("tolerations", tolerations).podSpec("topologySpreadConstraints", spread)
            .podSpec("serviceAccountName", "reporter")
        let pod = Self.build(task)
        #expect(pod[path: ["spec", "nodeSelector"]] == ["pool": "batch"])
        #expect(pod[path: ["spec", "affinity"]] == affinity)
        #expect(pod[path: ["spec", "tolerations"]] == tolerations)
        #expect(pod[path: ["spec", "topologySpreadConstraints"]] == spread)
        #expect(pod[path: ["spec", "serviceAccountName"]] == nil)
        #expect(
            PlaceholderBuilder.specHash(task.spec, image: "a")
                != PlaceholderBuilder.specHash(Self.task.spec, image: "a"))
        #expect(
            PlaceholderBuilder.specHash(task.spec, image: "a") != PlaceholderBuilder.specHash(task.spec, image: "b"))
    }

    @Test("names stay within 63 characters and distinct for long task names")
    func longNames() {
        let long = String(repeating: "a", count: 60)
        let first = PlaceholderBuilder.name(jobName: JobNaming.name(task: long, slot: Instants.topOfTheHour), index: 0)
        let second = PlaceholderBuilder.name(
            jobName: JobNaming.name(task: long + "b", slot: Instants.topOfTheHour), index: 0)
        let tenth = PlaceholderBuilder.name(jobName: JobNaming.name(task: long, slot: Instants.topOfTheHour), index: 10)
        for name in [first, second, tenth] { #expect(name.count <= 63, "\(name)") }
        #expect(Set([first, second, tenth]).count == 3)
        #expect(first.hasSuffix("-hold-0"))
    }

    @Test("the built Pod decodes and reads back its slot")
    func roundTrip() throws {
        let pod = try Self.build(Self.task).decode(as: Pod.self)
        #expect(pod.metadata.labels?[ScheduledTask.taskLabel] == "report")
        #expect(pod.spec?.priorityClassName == "punctual-placeholder")
        #expect(PlaceholderBuilder.podCount(Self.task.spec) == 1)
    }
}
