import Foundation
import KubeClient
import Logging

/// What the runtime's scheduler remembers between passes: the Node objects, the Pods waiting for
/// a node and the order they arrived in. Without nodes there is nothing to schedule: Pods run at
/// once, unconstrained (the behaviour before simulated nodes existed).
struct SchedulingState {
    private(set) var nodes: [String: JSONValue] = [:]
    /// Pods without `spec.nodeName`, keyed by uid, with their namespace and name.
    private(set) var waiting: [String: (namespace: String, name: String)] = [:]
    /// When the queue first saw each Pod (by uid): ties of priority are first come, first served.
    private var arrivals: [String: UInt64] = [:]
    private var nextArrival: UInt64 = 0
    /// Set by changes that may let a waiting Pod fit: a new Pod, a finished or deleted one, a node change.
    var needsPass = false

    var hasNodes: Bool { !nodes.isEmpty }

    func arrival(of uid: String) -> UInt64 { arrivals[uid] ?? .max }

    mutating func resync(nodes objects: [JSONValue], pods: [JSONValue]) {
        nodes = Dictionary(objects.map { ($0.metadataName, $0) }, uniquingKeysWith: { $1 })
        waiting.removeAll()
        for pod in pods { notePod(pod, isDeleted: false) }
        needsPass = true
    }

    mutating func noteNode(_ node: JSONValue, isDeleted: Bool) {
        nodes[node.metadataName] = isDeleted ? nil : node
        needsPass = true
    }

    mutating func notePod(_ pod: JSONValue, isDeleted: Bool) {
        let uid = pod.metadataUID
        if isDeleted {
            arrivals[uid] = nil
            waiting[uid] = nil
            needsPass = true
            return
        }
        if arrivals[uid] == nil {
            arrivals[uid] = nextArrival
            nextArrival += 1
        }
        let phase = pod[path: ["status", "phase"]]?.stringValue
        if pod[path: ["spec", "nodeName"]]?.stringValue?.isEmpty ?? true, !pod.isBeingDeleted {
            if waiting[uid] == nil { needsPass = true }
            waiting[uid] = (pod.metadataNamespace, pod.metadataName)
        } else {
            waiting[uid] = nil
        }
        if pod.isBeingDeleted || phase == "Succeeded" || phase == "Failed" { needsPass = true }
    }

    mutating func stopWaiting(_ uid: String) { waiting[uid] = nil }
}

// MARK: - The scheduling pass

extension RuntimeLoop {
    /// Binds waiting Pods to nodes (preempting lower-priority Pods where needed), or records why
    /// they cannot be bound; runs only when something changed that may make room.
    mutating func schedulePending(now: Date) {
        guard scheduling.needsPass, scheduling.hasNodes, !scheduling.waiting.isEmpty else { return }
        scheduling.needsPass = false
        let pods: [JSONValue]
        do {
            pods = try store.list(JobRuntime.pods).items
        } catch {
            scheduling.needsPass = true
            return
        }
        var running: [SchedulerPod] = []
        var pending: [SchedulerPod] = []
        var objects: [String: JSONValue] = [:]
        for pod in pods {
            let uid = pod.metadataUID
            var view = SchedulerPod(pod: pod, arrival: scheduling.arrival(of: uid))
            if let nominated = records[uid]?.simulation.nominatedNodeName { view.nominatedNodeName = nominated }
            if !view.problems.isEmpty {
                logger.warning(
                    "unreadable resource requests count as zero",
                    metadata: ["pod": "\(view.namespace)/\(view.name)", "problems": "\(view.problems)"])
            }
            if view.nodeName != nil {
                let phase = pod[path: ["status", "phase"]]?.stringValue
                let isFinished = records[uid]?.simulation.isTerminal ?? (phase == "Succeeded" || phase == "Failed")
                if !isFinished { running.append(view) }
            } else if scheduling.waiting[uid] != nil, !pod.isBeingDeleted {
                let record =
                    records[uid]
                    ?? PodRecord(
                        simulation: simulation(for: pod, isJobPod: Self.controllingJob(of: pod) != nil, now: now))
                records[uid] = record
                guard record.simulation.isWaitingForNode else {
                    scheduling.stopWaiting(uid)
                    continue
                }
                pending.append(view)
                objects[uid] = pod
            }
        }
        guard !pending.isEmpty else { return }
        let nodes = scheduling.nodes.keys.sorted().compactMap { scheduling.nodes[$0].map(SchedulerNode.init(node:)) }
        var scheduler = Scheduler(nodes: nodes, running: running)
        for decision in scheduler.schedule(pending) {
            switch decision {
            case .bind(let pod, let node):
                guard let object = objects[pod.uid] else { continue }
                let address = nodes.first { $0.name == node }?.address ?? SimulatedPod.hostIP
                bind(object, to: node, hostIP: address, now: now)
            case .nominate(let pod, let node, let victims, let message):
                guard let object = objects[pod.uid] else { continue }
                for victim in victims { preempt(victim) }
                records[pod.uid]?.simulation.nominatedNodeName = node
                records[pod.uid]?.simulation.schedulingMessage = message
                dirty.insert(Self.workKey(forPod: object))
            // The victims' deletion (or termination) triggers the pass that binds the Pod.
            case .unschedulable(let pod, let message):
                guard let object = objects[pod.uid], records[pod.uid]?.simulation.schedulingMessage != message
                else { continue }
                records[pod.uid]?.simulation.schedulingMessage = message
                dirty.insert(Self.workKey(forPod: object))
            }
        }
    }

    private mutating func bind(_ pod: JSONValue, to node: String, hostIP: String, now: Date) {
        let uid = pod.metadataUID
        do {
            try store.modify(JobRuntime.pods, namespace: pod.metadataNamespace, name: pod.metadataName) {
                (object: inout JSONValue) throws(Status) in
                guard object.metadataUID == uid else {
                    throw Status.conflict(JobRuntime.pods, name: pod.metadataName, reason: "the Pod was replaced")
                }
                object.set(path: ["spec", "nodeName"], to: .string(node))
            }
        } catch {
            logger.debug(
                "binding failed; retrying on the next change",
                metadata: ["pod": "\(pod.metadataNamespace)/\(pod.metadataName)", "error": "\(error.message ?? "")"])
            scheduling.needsPass = error.code != 404
            return
        }
        scheduling.stopWaiting(uid)
        records[uid]?.simulation.bind(at: now, node: node, hostIP: hostIP)
        dirty.insert(Self.workKey(forPod: pod))
    }

    /// Evicts a preemption victim as kube-scheduler does: marks it (DisruptionTarget) and deletes it.
    private mutating func preempt(_ victim: SchedulerPod) {
        records[victim.uid]?.simulation.isPreempted = true
        do {
            try store.delete(JobRuntime.pods, namespace: victim.namespace, name: victim.name)
        } catch  where error.code == 404 {
            // Already gone.
        } catch {
            logger.warning(
                "cannot delete a preemption victim",
                metadata: ["pod": "\(victim.namespace)/\(victim.name)", "error": "\(error.message ?? "")"])
        }
        if let pod = try? store.get(JobRuntime.pods, namespace: victim.namespace, name: victim.name) {
            dirty.insert(Self.workKey(forPod: pod))
        }
    }
}
