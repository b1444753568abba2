import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// The scheduler as a pure function: nodes and Pods in, decisions out.
@Suite struct SchedulerTests {
    static func node(
        _ name: String, cpu: Int64 = 4000, memory: Int64 = 8 << 30, pods: Int64 = 110,
        labels: [String: String] = [:], taints: [NodeTaint] = []
    ) -> SchedulerNode {
        SchedulerNode(
            name: name, allocatable: ResourceAmounts(milliCPU: cpu, memory: memory, pods: pods), labels: labels,
            taints: taints)
    }

    static func pod(
        _ name: String, cpu: Int64 = 1000, memory: Int64 = 0, priority: Int32 = 0, preempts: Bool = true,
        selector: [String: String] = [:], tolerations: [JSONValue] = [], on node: String? = nil,
        arrival: UInt64 = 0, terminating: Bool = false
    ) -> SchedulerPod {
        SchedulerPod(
            name: name, priority: priority, preemptsOthers: preempts,
            requests: ResourceAmounts(milliCPU: cpu, memory: memory), nodeSelector: selector,
            tolerations: tolerations, nodeName: node, arrival: arrival, isTerminating: terminating)
    }

    /// `pod → node` for bindings, `pod ⇢ node (victims)` for preemptions, `pod ✗` for pending Pods.
    static func outcome(_ decisions: [Scheduler.Decision]) -> [String] {
        decisions.map { decision in
            switch decision {
            case .bind(let pod, let node): "\(pod.name) → \(node)"
            case .nominate(let pod, let node, let victims, _):
                "\(pod.name) ⇢ \(node) (" + victims.map(\.name).joined(separator: ",") + ")"
            case .unschedulable(let pod, _): "\(pod.name) ✗"
            }
        }
    }

    static func message(_ decisions: [Scheduler.Decision], of name: String) -> String? {
        for case .unschedulable(let pod, let message) in decisions where pod.name == name { return message }
        return nil
    }

    // MARK: - Fit

    struct FitCase: Sendable, CustomTestStringConvertible {
        let name: String
        let nodes: [SchedulerNode]
        let running: [SchedulerPod]
        let pending: [SchedulerPod]
        let expected: [String]
        var testDescription: String { name }
    }

    static let fitCases: [FitCase] = [
        FitCase(
            name: "first fit in node order", nodes: [node("a"), node("b")], running: [],
            pending: [pod("p", cpu: 1000)], expected: ["p → a"]),
        FitCase(
            name: "running requests take room", nodes: [node("a"), node("b")],
            running: [pod("busy", cpu: 3500, on: "a")], pending: [pod("p", cpu: 1000)], expected: ["p → b"]),
        FitCase(
            name: "each binding takes room within one pass", nodes: [node("a", cpu: 2000)], running: [],
            pending: [pod("p1", arrival: 1), pod("p2", arrival: 2), pod("p3", arrival: 3)],
            expected: ["p1 → a", "p2 → a", "p3 ✗"]),
        FitCase(
            name: "memory counts too", nodes: [node("a", memory: 1 << 30)], running: [],
            pending: [pod("p", cpu: 10, memory: 2 << 30)], expected: ["p ✗"]),
        FitCase(
            name: "pod count is a resource", nodes: [node("a", pods: 1)], running: [pod("x", cpu: 0, on: "a")],
            pending: [pod("p", cpu: 0)], expected: ["p ✗"]),
        FitCase(
            name: "an exact fit fits", nodes: [node("a", cpu: 1000)], running: [],
            pending: [pod("p", cpu: 1000)], expected: ["p → a"]),
        FitCase(
            name: "nodeSelector picks the labelled node", nodes: [node("a"), node("b", labels: ["disk": "ssd"])],
            running: [], pending: [pod("p", selector: ["disk": "ssd"])], expected: ["p → b"]),
        FitCase(
            name: "nodeSelector matching nothing", nodes: [node("a", labels: ["disk": "hdd"])], running: [],
            pending: [pod("p", selector: ["disk": "ssd"])], expected: ["p ✗"]),
        FitCase(
            name: "higher priority is placed first whatever the arrival", nodes: [node("a", cpu: 1000)],
            running: [],
            pending: [pod("early-low", arrival: 1), pod("late-high", priority: 100, preempts: false, arrival: 9)],
            expected: ["late-high → a", "early-low ✗"]),
        FitCase(
            name: "equal priority goes first come first served", nodes: [node("a", cpu: 1000)], running: [],
            pending: [pod("second", arrival: 2), pod("first", arrival: 1)], expected: ["first → a", "second ✗"]),
    ]

    @Test(arguments: fitCases)
    func placesPods(_ check: FitCase) {
        var scheduler = Scheduler(nodes: check.nodes, running: check.running)
        #expect(Self.outcome(scheduler.schedule(check.pending)) == check.expected)
    }

    // MARK: - Taints

    struct TaintCase: Sendable, CustomTestStringConvertible {
        let name: String
        let taint: NodeTaint
        let tolerations: [JSONValue]
        let isTolerated: Bool
        var testDescription: String { name }
    }

    static let gpu = NodeTaint(key: "gpu", value: "true", effect: "NoSchedule")

    static let taintCases: [TaintCase] = [
        TaintCase(name: "no toleration", taint: gpu, tolerations: [], isTolerated: false),
        TaintCase(
            name: "Equal with the value", taint: gpu,
            tolerations: [["key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"]],
            isTolerated: true),
        TaintCase(
            name: "Equal is the default operator", taint: gpu, tolerations: [["key": "gpu", "value": "true"]],
            isTolerated: true),
        TaintCase(
            name: "Equal with another value", taint: gpu,
            tolerations: [["key": "gpu", "operator": "Equal", "value": "false"]], isTolerated: false),
        TaintCase(
            name: "Exists ignores the value", taint: gpu, tolerations: [["key": "gpu", "operator": "Exists"]],
            isTolerated: true),
        TaintCase(
            name: "Exists without a key tolerates everything", taint: gpu, tolerations: [["operator": "Exists"]],
            isTolerated: true),
        TaintCase(
            name: "another effect", taint: gpu,
            tolerations: [["key": "gpu", "operator": "Exists", "effect": "NoExecute"]], isTolerated: false),
        TaintCase(
            name: "NoExecute tolerated", taint: NodeTaint(key: "drain", effect: "NoExecute"),
            tolerations: [["key": "drain", "operator": "Exists", "effect": "NoExecute"]], isTolerated: true),
        TaintCase(
            name: "NoExecute blocks", taint: NodeTaint(key: "drain", effect: "NoExecute"), tolerations: [],
            isTolerated: false),
        TaintCase(
            name: "PreferNoSchedule never blocks", taint: NodeTaint(key: "soft", effect: "PreferNoSchedule"),
            tolerations: [], isTolerated: true),
        TaintCase(
            name: "another key", taint: gpu, tolerations: [["key": "arm", "operator": "Exists"]], isTolerated: false),
    ]

    @Test(arguments: taintCases)
    func honoursTaints(_ check: TaintCase) {
        var scheduler = Scheduler(nodes: [Self.node("tainted", taints: [check.taint])], running: [])
        let decisions = scheduler.schedule([Self.pod("p", preempts: false, tolerations: check.tolerations)])
        #expect(Self.outcome(decisions) == [check.isTolerated ? "p → tainted" : "p ✗"])
        if !check.isTolerated {
            #expect(
                Self.message(decisions, of: "p")
                    == "0/1 nodes are available: 1 node(s) had untolerated taint \(check.taint.summary). "
                    + "preemption: not eligible due to preemptionPolicy=Never.")
        }
    }

    // MARK: - Messages

    @Test func messagesCountReasonsOverNodesLikeKubeScheduler() {
        let nodes = [
            Self.node("a", cpu: 500, labels: ["zone": "y"]),
            Self.node("b", cpu: 500, memory: 1 << 20, labels: ["zone": "y"]),
            Self.node("c", labels: ["zone": "x"]),
        ]
        var scheduler = Scheduler(nodes: nodes, running: [])
        let decisions = scheduler.schedule([Self.pod("p", cpu: 1000, memory: 2 << 20, selector: ["zone": "y"])])
        #expect(
            Self.message(decisions, of: "p")
                == "0/3 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node "
                + "affinity/selector, 2 Insufficient cpu. preemption: 0/3 nodes are available: "
                + "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.")
    }

    @Test func theBriefsExampleMessage() {
        var scheduler = Scheduler(nodes: ["a", "b", "c"].map { Self.node($0, cpu: 500) }, running: [])
        let decisions = scheduler.schedule([Self.pod("p", cpu: 1000, preempts: false)])
        #expect(
            Self.message(decisions, of: "p")
                == "0/3 nodes are available: 3 Insufficient cpu. "
                + "preemption: not eligible due to preemptionPolicy=Never."
        )
    }

    // MARK: - Preemption

    @Test func preemptionEvictsTheLowestPriorityPodsFirstAndSparesTheRest() {
        let running = [
            Self.pod("normal", cpu: 1000, priority: 10, on: "a", arrival: 1),
            Self.pod("low-old", cpu: 1000, priority: 1, on: "a", arrival: 2),
            Self.pod("low-new", cpu: 1000, priority: 1, on: "a", arrival: 3),
            Self.pod("placeholder", cpu: 1000, priority: -10, on: "a", arrival: 4),
        ]
        var scheduler = Scheduler(nodes: [Self.node("a")], running: running)
        let decisions = scheduler.schedule([Self.pod("critical", cpu: 2000, priority: 1000)])
        #expect(Self.outcome(decisions) == ["critical ⇢ a (placeholder,low-new)"])
    }

    @Test func preemptionNeverEvictsEqualOrHigherPriority() {
        let running = [Self.pod("same", cpu: 4000, priority: 100, on: "a")]
        var scheduler = Scheduler(nodes: [Self.node("a")], running: running)
        let decisions = scheduler.schedule([Self.pod("p", cpu: 1000, priority: 100)])
        #expect(Self.outcome(decisions) == ["p ✗"])
        #expect(
            Self.message(decisions, of: "p")
                == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
                + "1 No preemption victims found for incoming pod.")
    }

    @Test func preemptionPrefersTheNodeWithTheLeastImportantVictims() {
        let running = [
            Self.pod("normal", cpu: 4000, priority: 10, on: "a"),
            Self.pod("low", cpu: 4000, priority: 1, on: "b"),
            Self.pod("pause-1", cpu: 2000, priority: -10, on: "c", arrival: 1),
            Self.pod("pause-2", cpu: 2000, priority: -10, on: "c", arrival: 2),
        ]
        var scheduler = Scheduler(nodes: [Self.node("a"), Self.node("b"), Self.node("c")], running: running)
        let decisions = scheduler.schedule([Self.pod("critical", cpu: 3000, priority: 1000)])
        #expect(Self.outcome(decisions) == ["critical ⇢ c (pause-2,pause-1)"])
    }

    @Test func victimsAreNotPreemptedTwiceAndTerminatingPodsAreNoCandidates() {
        let running = [
            Self.pod("leaving", cpu: 2000, priority: 0, on: "a", terminating: true),
            Self.pod("low", cpu: 2000, priority: 0, on: "a"),
        ]
        var scheduler = Scheduler(nodes: [Self.node("a")], running: running)
        let decisions = scheduler.schedule([
            Self.pod("first", cpu: 2000, priority: 100, arrival: 1),
            Self.pod("second", cpu: 2000, priority: 100, arrival: 2),
        ])
        #expect(Self.outcome(decisions) == ["first ⇢ a (low)", "second ✗"])
    }

    @Test func aNominatedPodWaitsForItsVictimsAndHoldsTheRoom() {
        let running = [
            Self.pod("victim", cpu: 2000, priority: 0, on: "a", terminating: true),
            Self.pod("other", cpu: 2000, priority: 0, on: "a"),
        ]
        var preemptor = Self.pod("critical", cpu: 2000, priority: 100, arrival: 1)
        preemptor.nominatedNodeName = "a"
        var scheduler = Scheduler(nodes: [Self.node("a")], running: running)
        let decisions = scheduler.schedule([preemptor, Self.pod("lower", cpu: 2000, priority: 50, arrival: 2)])
        #expect(Self.outcome(decisions) == ["critical ✗", "lower ✗"])
        #expect(
            Self.message(decisions, of: "critical")
                == "0/1 nodes are available: 1 Insufficient cpu. "
                + "preemption: not eligible due to a terminating pod on the nominated node.")

        var afterwards = Scheduler(nodes: [Self.node("a")], running: [running[1]])
        #expect(Self.outcome(afterwards.schedule([preemptor])) == ["critical → a"])
    }

    @Test func placeholdersNeverPreempt() {
        let running = [Self.pod("low", cpu: 4000, priority: -100, on: "a")]
        var scheduler = Scheduler(nodes: [Self.node("a")], running: running)
        let decisions = scheduler.schedule([Self.pod("placeholder", cpu: 1000, priority: -10, preempts: false)])
        #expect(Self.outcome(decisions) == ["placeholder ✗"])
    }

    @Test func staticMismatchesAreNotHelpedByPreemption() {
        let running = [Self.pod("low", cpu: 4000, priority: 0, on: "a")]
        var scheduler = Scheduler(nodes: [Self.node("a", taints: [Self.gpu])], running: running)
        let decisions = scheduler.schedule([Self.pod("p", priority: 100)])
        #expect(Self.outcome(decisions) == ["p ✗"])
        #expect(
            Self.message(decisions, of: "p")
                == "0/1 nodes are available: 1 node(s) had untolerated taint {gpu: true}. preemption: 0/1 nodes are "
                + "available: 1 Preemption is not helpful for scheduling.")
    }

    @Test func requestsSumContainersAndTakeTheLargestInitContainer() throws {
        let spec: JSONValue = [
            "containers": [
                ["name": "a", "resources": ["requests": ["cpu": "250m", "memory": "64Mi"]]],
                ["name": "b", "resources": ["limits": ["cpu": "1", "memory": "128Mi"]]],
            ],
            "initContainers": [["name": "init", "resources": ["requests": ["cpu": "2", "memory": "1Mi"]]]],
            "overhead": ["cpu": "10m"],
        ]
        var problems: [String] = []
        let requests = SchedulerPod.requests(of: spec, problems: &problems)
        #expect(requests == ResourceAmounts(milliCPU: 2010, memory: 192 << 20, pods: 0))
        #expect(problems.isEmpty)
        _ = SchedulerPod.requests(
            of: ["containers": [["resources": ["requests": ["cpu": "lots"]]]]], problems: &problems)
        #expect(problems.count == 1 && problems[0].contains("\"lots\""))
    }
}
