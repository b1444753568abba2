import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// Simulated nodes inside the running runtime: binding, pending Pods, preemption, priority admission.
@Suite struct SimulatedNodesTests {
    static let nodes = GroupResource(group: "", resource: "nodes")
    static let priorityClasses = GroupResource(group: "scheduling.k8s.io", resource: "priorityclasses")

    static func twoNodes() -> JobRuntime.Configuration {
        JobRuntime.Configuration(nodes: SimNode.uniform(count: 2, cpu: "2", memory: "4Gi"))
    }

    static func requests(cpu: String, memory: String = "64Mi") -> JSONValue {
        ["requests": ["cpu": .string(cpu), "memory": .string(memory)]]
    }

    /// A Job's pod template with one container requesting `cpu`.
    static func jobTemplate(cpu: String, priorityClass: String? = nil, annotations: [String: JSONValue]) -> JSONValue {
        var spec: [String: JSONValue] = [
            "restartPolicy": "Never",
            "containers": [["name": "main", "image": "busybox:1.36", "resources": requests(cpu: cpu)]],
        ]
        if let priorityClass { spec["priorityClassName"] = .string(priorityClass) }
        return ["metadata": ["annotations": .object(annotations)], "spec": .object(spec)]
    }

    /// A Pod no Job owns (a placeholder or load), running until deleted.
    static func pod(
        _ name: String, cpu: String, priorityClass: String? = nil, nodeSelector: [String: String] = [:]
    ) -> JSONValue {
        var spec: [String: JSONValue] = [
            "containers": [["name": "main", "image": "pause:3.10", "resources": requests(cpu: cpu)]]
        ]
        if let priorityClass { spec["priorityClassName"] = .string(priorityClass) }
        if !nodeSelector.isEmpty { spec["nodeSelector"] = .object(nodeSelector.mapValues(JSONValue.string)) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": .object(spec)]
    }

    static func priorityClass(
        _ name: String, value: Int64, preemption: String = "PreemptLowerPriority", isDefault: Bool = false
    ) -> JSONValue {
        [
            "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": .string(name)],
            "value": .int(value), "preemptionPolicy": .string(preemption), "globalDefault": .bool(isDefault),
        ]
    }

    static func installTiers(in store: SimStore) throws {
        try store.create(priorityClasses, namespace: "", object: priorityClass("punctual-critical", value: 1_000_000))
        try store.create(priorityClasses, namespace: "", object: priorityClass("punctual-low", value: 1_000))
        try store.create(
            priorityClasses, namespace: "",
            object: priorityClass("punctual-placeholder", value: -10, preemption: "Never"))
    }

    func pod(_ sim: RuntimeHarness, _ name: String) throws -> JSONValue {
        try sim.store.get(RuntimeHarness.pods, namespace: "default", name: name)
    }

    func scheduled(_ pod: JSONValue) -> JSONValue? {
        pod[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"] == "PodScheduled" }
    }

    // MARK: - Nodes

    @Test func configuredNodesAreRealNodeObjects() async throws {
        try await RuntimeHarness.with(configuration: Self.twoNodes()) { sim in
            let nodes = try sim.store.list(Self.nodes).items
            #expect(nodes.map(\.metadataName) == ["sim-node-1", "sim-node-2"])
            let node = try #require(nodes.first)
            #expect(node[path: ["status", "allocatable"]] == ["cpu": "2", "memory": "4Gi", "pods": "110"])
            #expect(node[path: ["status", "capacity", "cpu"]] == "2")
            #expect(node[path: ["metadata", "labels", "kubernetes.io/hostname"]] == "sim-node-1")
            #expect(node[path: ["metadata", "namespace"]] == nil)
            let type = try #require(sim.store.resourceType(Self.nodes))
            let table = TableConverter(type: type, now: sim.clock.currentDate, include: .none)
                .table(nodes, resourceVersion: nil, continueToken: nil)
            #expect(
                table["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                    == ["Name", "Status", "Roles", "Age", "Version"])
            #expect(
                table["rows"]?.arrayValue?.first?["cells"] == ["sim-node-1", "Ready", "<none>", "0s", "v1.33.0-sim"])
        }
    }

    @Test func withoutNodesPodsStayUnconstrained() async throws {
        try await RuntimeHarness.with { sim in
            try sim.store.create(RuntimeHarness.pods, namespace: "default", object: Self.pod("huge", cpu: "1000"))
            try sim.createJob("big")
            try await sim.eventually("both run, however big") {
                try pod(sim, "huge").phase == "Running" && sim.pods(of: "big").first?.phase == "Running"
            }
            #expect(try sim.pods(of: "big").first?[path: ["spec", "nodeName"]] == "sim-node-1")
            #expect(try sim.store.list(Self.nodes).items.isEmpty)
        }
    }

    @Test func podsWaitForRoomAndAreBoundWhenItAppears() async throws {
        try await RuntimeHarness.with(configuration: Self.twoNodes()) { sim in
            for name in ["a", "b", "c"] {
                try sim.store.create(RuntimeHarness.pods, namespace: "default", object: Self.pod(name, cpu: "1500m"))
            }
            try await sim.eventually("two run, one per node, and the third is unschedulable") {
                let phases = try ["a", "b", "c"].map { try pod(sim, $0).phase }
                let reason = scheduled(try pod(sim, "c"))?["reason"]
                return phases == ["Running", "Running", "Pending"] && reason == "Unschedulable"
            }
            #expect(try pod(sim, "a")[path: ["spec", "nodeName"]] == "sim-node-1")
            #expect(try pod(sim, "b")[path: ["spec", "nodeName"]] == "sim-node-2")
            #expect(try pod(sim, "b")[path: ["status", "hostIP"]] == "10.0.1.2")
            let waiting = try pod(sim, "c")
            #expect(waiting[path: ["spec", "nodeName"]] == nil)
            #expect(
                scheduled(waiting)?["message"]?.stringValue
                    == "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
                    + "2 No preemption victims found for incoming pod.")
            try sim.store.delete(RuntimeHarness.pods, namespace: "default", name: "a")
            try await sim.eventually("the waiting pod takes the freed room") {
                try pod(sim, "c").phase == "Running"
            }
            #expect(try pod(sim, "c")[path: ["spec", "nodeName"]] == "sim-node-1")
            #expect(scheduled(try pod(sim, "c"))?["status"] == "True")
        }
    }

    @Test func jobPodsAreScheduledAndFinishingFreesRoom() async throws {
        let configuration = JobRuntime.Configuration(nodes: [SimNode(name: "only", cpu: "1", memory: "1Gi")])
        try await RuntimeHarness.with(configuration: configuration) { sim in
            try sim.createJob(
                "wide",
                spec: [
                    "parallelism": 2, "completions": 2,
                    "template": Self.jobTemplate(cpu: "600m", annotations: ["sim.punctual.dev/run-seconds": "10"]),
                ])
            try await sim.eventually("one pod runs on the node, the other waits") {
                let phases = try sim.pods(of: "wide").compactMap(\.phase).sorted()
                let pending = try sim.pods(of: "wide").first { $0.phase == "Pending" }
                return phases == ["Pending", "Running"]
                    && pending.flatMap { scheduled($0)?["reason"] } == "Unschedulable"
            }
            sim.advance(seconds: 10)
            try await sim.eventually("the second pod runs once the first finished") {
                try sim.pods(of: "wide").compactMap(\.phase).sorted() == ["Running", "Succeeded"]
            }
            sim.advance(seconds: 10)
            try await sim.eventually("the Job completes") { try sim.condition("Complete", of: "wide") != nil }
            #expect(try sim.pods(of: "wide").allSatisfy { $0[path: ["spec", "nodeName"]] == "only" })
        }
    }

    @Test func nodeSelectorsAndTaintsSteerPods() async throws {
        let configuration = JobRuntime.Configuration(nodes: [
            SimNode(name: "plain"),
            SimNode(name: "gpu", labels: ["accelerator": "gpu"], taints: [NodeTaint(key: "gpu", value: "true")]),
        ])
        try await RuntimeHarness.with(configuration: configuration) { sim in
            var tolerant = Self.pod("tolerant", cpu: "1", nodeSelector: ["accelerator": "gpu"])
            tolerant.set(path: ["spec", "tolerations"], to: [["key": "gpu", "operator": "Exists"]])
            try sim.store.create(RuntimeHarness.pods, namespace: "default", object: tolerant)
            try sim.store.create(
                RuntimeHarness.pods, namespace: "default",
                object: Self.pod("intolerant", cpu: "1", nodeSelector: ["accelerator": "gpu"]))
            try sim.store.create(RuntimeHarness.pods, namespace: "default", object: Self.pod("anywhere", cpu: "1"))
            try await sim.eventually("the tolerant pod runs on the gpu node, the other waits") {
                try pod(sim, "tolerant")[path: ["spec", "nodeName"]] == "gpu"
                    && pod(sim, "anywhere")[path: ["spec", "nodeName"]] == "plain"
                    && scheduled(pod(sim, "intolerant"))?["reason"] == "Unschedulable"
            }
            #expect(
                scheduled(try pod(sim, "intolerant"))?["message"]?.stringValue
                    == "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
                    + "1 node(s) had untolerated taint {gpu: true}. preemption: 0/2 nodes are available: "
                    + "2 Preemption is not helpful for scheduling.")
        }
    }

    @Test func unscheduledPodsAreDeletedWithoutAGracePeriod() async throws {
        let configuration = JobRuntime.Configuration(nodes: [SimNode(name: "small", cpu: "1")])
        try await RuntimeHarness.with(configuration: configuration) { sim in
            try sim.createJob(
                "too-big",
                spec: [
                    "template": Self.jobTemplate(cpu: "2", annotations: ["sim.punctual.dev/termination-seconds": "30"])
                ])
            try await sim.eventually("the pod is unschedulable") {
                try sim.pods(of: "too-big").first.flatMap { scheduled($0)?["reason"] } == "Unschedulable"
            }
            let name = try #require(try sim.pods(of: "too-big").first?.metadataName)
            try sim.store.delete(RuntimeHarness.pods, namespace: "default", name: name)
            try await sim.eventually("the pod is gone at once, not after 30 seconds") {
                try !sim.pods(of: "too-big").contains { $0.metadataName == name }
            }
        }
    }

    // MARK: - Preemption

    @Test func criticalPodsPreemptLowWorkAndPlaceholdersDoNot() async throws {
        let configuration = JobRuntime.Configuration(nodes: [SimNode(name: "only", cpu: "2", memory: "4Gi")])
        try await RuntimeHarness.with(configuration: configuration) { sim in
            try Self.installTiers(in: sim.store)
            try sim.store.create(
                RuntimeHarness.pods, namespace: "default",
                object: Self.pod("low-1", cpu: "1", priorityClass: "punctual-low"))
            try sim.store.create(
                RuntimeHarness.pods, namespace: "default",
                object: Self.pod("low-2", cpu: "1", priorityClass: "punctual-low"))
            try await sim.eventually("the low work fills the node") {
                try pod(sim, "low-1").phase == "Running" && pod(sim, "low-2").phase == "Running"
            }
            try sim.store.create(
                RuntimeHarness.pods, namespace: "default",
                object: Self.pod("placeholder", cpu: "1", priorityClass: "punctual-placeholder"))
            try await sim.eventually("the placeholder waits without preempting") {
                scheduled(try pod(sim, "placeholder"))?["reason"] == "Unschedulable"
            }
            #expect(
                scheduled(try pod(sim, "placeholder"))?["message"]?.stringValue
                    == "0/1 nodes are available: 1 Insufficient cpu. "
                    + "preemption: not eligible due to preemptionPolicy=Never."
            )
            #expect(try pod(sim, "low-1").phase == "Running" && pod(sim, "low-2").phase == "Running")

            try sim.store.create(
                RuntimeHarness.pods, namespace: "default",
                object: Self.pod("critical", cpu: "1", priorityClass: "punctual-critical"))
            try await sim.eventually("the critical pod evicts the newest low pod and runs") {
                try pod(sim, "critical").phase == "Running"
                    && (try? sim.store.get(RuntimeHarness.pods, namespace: "default", name: "low-2")) == nil
            }
            let critical = try pod(sim, "critical")
            #expect(critical[path: ["status", "nominatedNodeName"]] == "only")
            #expect(critical[path: ["spec", "priority"]] == 1_000_000)
            #expect(try pod(sim, "low-1").phase == "Running")
            #expect(try pod(sim, "placeholder").phase == "Pending")
        }
    }

    @Test func preemptorsWaitForTerminatingJobPodsThatFailWithDisruptionTarget() async throws {
        let configuration = JobRuntime.Configuration(nodes: [SimNode(name: "only", cpu: "1", memory: "4Gi")])
        try await RuntimeHarness.with(configuration: configuration) { sim in
            try Self.installTiers(in: sim.store)
            try sim.createJob(
                "batch",
                spec: [
                    // One pod only: no replacement while the victim terminates.
                    "backoffLimit": 0, "podReplacementPolicy": "Failed",
                    "template": Self.jobTemplate(
                        cpu: "1", priorityClass: "punctual-low",
                        annotations: [
                            "sim.punctual.dev/run-seconds": "600", "sim.punctual.dev/termination-seconds": "5",
                        ]),
                ])
            try await sim.eventually("the low Job runs") { try sim.pods(of: "batch").first?.phase == "Running" }
            let changes = try sim.store.subscribe(resources: [RuntimeHarness.pods])
            try sim.store.create(
                RuntimeHarness.pods, namespace: "default",
                object: Self.pod("critical", cpu: "1", priorityClass: "punctual-critical"))
            try await sim.eventually("the critical pod is nominated while its victim terminates") {
                try pod(sim, "critical")[path: ["status", "nominatedNodeName"]] == "only"
                    && sim.pods(of: "batch").first?.isBeingDeleted == true
            }
            sim.advance(seconds: 4)
            try await sim.eventually("the critical pod waits without preempting again") {
                scheduled(try pod(sim, "critical"))?["message"]?.stringValue
                    == "0/1 nodes are available: 1 Insufficient cpu. "
                    + "preemption: not eligible due to a terminating pod on the nominated node."
            }
            #expect(try pod(sim, "critical").phase == "Pending")
            #expect(try pod(sim, "critical")[path: ["spec", "nodeName"]] == nil)
            sim.advance(seconds: 1)
            try await sim.eventually("the critical pod runs and the Job fails on its backoff limit") {
                try pod(sim, "critical").phase == "Running" && sim.condition("Failed", of: "batch") != nil
            }
            #expect(try sim.job("batch")[path: ["status", "failed"]] == 1)
            changes.cancel()
            var victimStates: [JSONValue] = []
            for await event in changes.events where event.object.metadataName.hasPrefix("batch-") {
                victimStates.append(event.object)
            }
            let failed = try #require(victimStates.last { $0.phase == "Failed" })
            let disruption = failed[path: ["status", "conditions"]]?.arrayValue?.first {
                $0["type"] == "DisruptionTarget"
            }
            #expect(disruption?["reason"] == "PreemptionByScheduler")
            #expect(failed[path: ["metadata", "deletionTimestamp"]] != nil)
        }
    }

    // MARK: - Priority admission

    @Test func priorityClassNamesResolveAtAdmission() throws {
        let store = SimStore(clock: ManualClock(start: podStart), admission: [Admission()])
        try Self.installTiers(in: store)
        let pods = RuntimeHarness.pods
        let placeholder = try store.create(
            pods, namespace: "default", object: Self.pod("p", cpu: "1", priorityClass: "punctual-placeholder"))
        #expect(placeholder[path: ["spec", "priority"]] == -10)
        #expect(placeholder[path: ["spec", "preemptionPolicy"]] == "Never")
        let plain = try store.create(pods, namespace: "default", object: Self.pod("plain", cpu: "1"))
        #expect(plain[path: ["spec", "priority"]] == 0)
        #expect(plain[path: ["spec", "preemptionPolicy"]] == "PreemptLowerPriority")
        #expect(plain[path: ["spec", "priorityClassName"]] == nil)
        let system = try store.create(
            pods, namespace: "default", object: Self.pod("s", cpu: "1", priorityClass: "system-node-critical"))
        #expect(system[path: ["spec", "priority"]] == 2_000_001_000)

        #expect {
            try store.create(
                pods, namespace: "default", object: Self.pod("x", cpu: "1", priorityClass: "punctual-urgent"))
        } throws: { error in
            let status = error as? Status
            return status?.code == 403 && status?.reason == "Forbidden"
                && status?.message == "pods \"x\" is forbidden: no PriorityClass with name punctual-urgent was found"
        }
        var stated = Self.pod("y", cpu: "1", priorityClass: "punctual-low")
        stated.set(path: ["spec", "priority"], to: 5)
        #expect {
            try store.create(pods, namespace: "default", object: stated)
        } throws: { error in
            (error as? Status)?.message
                == "pods \"y\" is forbidden: the integer value of priority (5) must not be provided in pod spec; "
                + "priority admission controller computed 1000 from the given PriorityClass name"
        }

        try store.create(
            Self.priorityClasses, namespace: "", object: Self.priorityClass("everyday", value: 7, isDefault: true))
        let defaulted = try store.create(pods, namespace: "default", object: Self.pod("d", cpu: "1"))
        #expect(defaulted[path: ["spec", "priority"]] == 7)
        #expect(defaulted[path: ["spec", "priorityClassName"]] == "everyday")
    }

    struct ClassCase: Sendable, CustomTestStringConvertible {
        let name: String
        let object: JSONValue
        /// The Invalid message, or `nil` when the class is admitted.
        let message: String?
        var testDescription: String { name }
    }

    static let classCases: [ClassCase] = [
        ClassCase(name: "a user class", object: priorityClass("batch", value: 1_000_000_000), message: nil),
        ClassCase(
            name: "above the user maximum", object: priorityClass("batch", value: 1_000_000_001),
            message: "PriorityClass.scheduling.k8s.io \"batch\" is invalid: value: Forbidden: maximum allowed value "
                + "of a user defined priority is 1000000000"),
        ClassCase(
            name: "a reserved name", object: priorityClass("system-mine", value: 5),
            message: "PriorityClass.scheduling.k8s.io \"system-mine\" is invalid: metadata.name: Forbidden: "
                + "priority class names with 'system-' prefix are reserved for system use only"),
        ClassCase(
            name: "no value",
            object: ["apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": "x"]],
            message: "PriorityClass.scheduling.k8s.io \"x\" is invalid: value: Required value"),
        ClassCase(
            name: "an unknown policy", object: priorityClass("x", value: 1, preemption: "Sometimes"),
            message: "PriorityClass.scheduling.k8s.io \"x\" is invalid: preemptionPolicy: Unsupported value: "
                + "\"Sometimes\": supported values: \"Never\", \"PreemptLowerPriority\""),
    ]

    @Test(arguments: classCases)
    func priorityClassesAreValidated(_ check: ClassCase) throws {
        let store = SimStore(clock: ManualClock(start: podStart), admission: [Admission()])
        do {
            let stored = try store.create(Self.priorityClasses, namespace: "", object: check.object)
            #expect(check.message == nil)
            #expect(stored["preemptionPolicy"] == "PreemptLowerPriority")
            #expect(throws: Status.self) {
                try store.modify(Self.priorityClasses, namespace: "", name: stored.metadataName) { $0["value"] = 1 }
            }
        } catch {
            #expect(error.message == check.message)
            #expect(error.code == 422)
        }
    }
}
