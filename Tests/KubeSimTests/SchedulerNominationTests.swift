import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// A preemptor whose victims terminate gracefully waits for them, as kube-scheduler does.
@Suite struct SchedulerNominationTests {
    static let node = SchedulerNode(name: "a", allocatable: ResourceAmounts(milliCPU: 2000, memory: 8 << 30, pods: 110))

    static func pod(
        _ name: String, priority: Int32, on node: String? = nil, terminating: Bool = false, nominated: String? = nil
    ) -> SchedulerPod {
        var pod = SchedulerPod(
            name: name, priority: priority, requests: ResourceAmounts(milliCPU: 1000), nodeName: node,
            isTerminating: terminating)
        pod.nominatedNodeName = nominated
        return pod
    }

    /// Node `a` full: one `low` pod terminating (an earlier victim), one running.
    static func fullNode() -> Scheduler {
        Scheduler(
            nodes: [node],
            running: [
                pod("victim", priority: 1000, on: "a", terminating: true), pod("other", priority: 1000, on: "a"),
            ])
    }

    @Test("nominated to a node whose victim is still terminating: waits, preempting nobody else")
    func waitsForVictims() {
        var scheduler = Self.fullNode()
        let decisions = scheduler.schedule([Self.pod("critical", priority: 1_000_000, nominated: "a")])
        guard case .unschedulable(_, let message) = decisions.first else {
            Issue.record("expected the preemptor to wait, got \(decisions)")
            return
        }
        #expect(message.hasSuffix("waiting for preemption victims on a."))
    }

    @Test("not nominated yet: preempts a running lower-priority pod (the terminating one is no candidate)")
    func preemptsWhenNotNominated() {
        var scheduler = Self.fullNode()
        let decisions = scheduler.schedule([Self.pod("critical", priority: 1_000_000)])
        guard case .bind(_, let node, let victims) = decisions.first else {
            Issue.record("expected a preemption, got \(decisions)")
            return
        }
        #expect(node == "a")
        #expect(victims.map(\.name) == ["other"])
    }

    @Test("nominated, victims gone: bound")
    func bindsOnceVictimsAreGone() {
        var scheduler = Scheduler(nodes: [Self.node], running: [Self.pod("other", priority: 1000, on: "a")])
        let decisions = scheduler.schedule([Self.pod("critical", priority: 1_000_000, nominated: "a")])
        guard case .bind(_, let node, let victims) = decisions.first else {
            Issue.record("expected a binding, got \(decisions)")
            return
        }
        #expect(node == "a")
        #expect(victims.isEmpty)
    }
}
