import Foundation
import KubeClient
import KubeSim
import PunctualController

/// The state of one running soak: the cluster, the replicas, the fault schedule and the tallies.
/// Driven by ``SoakEngine`` from a single task.
final class SoakWorld {
    static let tasks = GroupResource(group: "punctual.dev", resource: "scheduledtasks")
    static let touchedAnnotation = "soak.punctual.dev/touched"
    /// The longest real time one step may wait for the cluster to go quiet.
    static let settleLimit = Duration.seconds(2)

    let configuration: SoakConfiguration
    let clock: ManualClock
    let store: SimStore
    let server: APIServer
    let url: URL
    let ledger: SoakLedger
    let alerts = CountingAlertTransport()
    let progress: @Sendable (String) -> Void
    var random: SeededGenerator
    var replicas: [SoakReplica] = []
    var replicaStarts = 0
    var lostLeaseExits = 0
    /// When each replica was seen ended (at most one step after it ended), by identity.
    var endings: [String: Date] = [:]
    var faults: [SoakFault: Int] = [:]
    var touches = 0
    /// Steps after which the store was still being written at ``settleLimit``.
    var settleLimitHits = 0

    init(
        configuration: SoakConfiguration, clock: ManualClock, store: SimStore, server: APIServer, url: URL,
        ledger: SoakLedger, random: SeededGenerator, progress: @escaping @Sendable (String) -> Void
    ) {
        self.configuration = configuration
        self.clock = clock
        self.store = store
        self.server = server
        self.url = url
        self.ledger = ledger
        self.random = random
        self.progress = progress
    }

    // MARK: - Driving

    /// Runs the fault phase and the drain, stops the replicas, and checks the invariants.
    func drive(_ group: inout TaskGroup<Void>) async throws -> SoakReport {
        superviseReplicas(&group)
        try await waitReal("a replica leads", within: .seconds(60)) { self.replicas.contains { $0.isLeading } }
        let stepSeconds = configuration.step.seconds
        let faultSteps = Int((Double(configuration.minutes * 60) / stepSeconds).rounded())
        let drainSteps = Int((Double(configuration.drainMinutes * 60) / stepSeconds).rounded())
        let plan = faultPlan(steps: faultSteps)
        progress(
            "soak: \(configuration.taskCount) tasks, \(plan.values.map(\.count).reduce(0, +)) faults over "
                + "\(configuration.minutes) virtual minutes, then \(configuration.drainMinutes) quiet minutes")
        var faultsEnded = clock.currentDate
        for step in 0..<(faultSteps + drainSteps) {
            if step == faultSteps {
                server.faults.reset()
                faultsEnded = clock.currentDate
                progress("soak: faults stopped at \(KubeTime.format(faultsEnded)); draining")
            }
            for fault in plan[step] ?? [] {
                progress("soak: \(KubeTime.format(clock.currentDate)) \(fault.rawValue)")
                try await inject(fault)
            }
            clock.advance(by: configuration.step)
            await settle()
            superviseReplicas(&group)
            if step > 0 && step % Int((60 / stepSeconds).rounded()) == 0 {
                let leader = replicas.map {
                    "\($0.identity)\($0.isLeading ? "*" : "")\($0.hasSynced ? "" : " (syncing)")"
                }
                .joined(separator: ", ")
                progress(
                    "soak: virtual minute \(Int(Double(step) * stepSeconds / 60)), \(ledger.snapshot.jobs.count) Jobs, "
                        + "replicas \(leader), ledger \(ledger.isSubscribed ? "following" : "resubscribing")")
            }
        }
        for replica in replicas { replica.terminate() }
        try await waitReal("the replicas stopped", within: .seconds(30)) { self.replicas.allSatisfy(\.hasFinished) }
        try await waitForLedger()
        let tasks = try store.list(Self.tasks, options: StoreListQuery(namespace: SoakTaskMix.namespace)).items
            .map { try $0.decode(as: ScheduledTask.self) }
        let invariants = SoakInvariants(
            ledger: ledger.snapshot, tasks: tasks, deliveries: alerts.deliveries, senders: alerts.senders,
            senderEndings: endings, faultsEnded: faultsEnded, checkedAt: clock.currentDate)
        return SoakReport(
            seed: configuration.seed, minutes: configuration.minutes, drainMinutes: configuration.drainMinutes,
            taskCount: configuration.taskCount,
            faults: Dictionary(uniqueKeysWithValues: SoakFault.allCases.map { ($0.rawValue, faults[$0] ?? 0) }),
            replicaStarts: replicaStarts, lostLeaseExits: lostLeaseExits, unsettledSteps: settleLimitHits,
            checked: invariants.counts, resentInWindow: invariants.resentInWindow,
            violations: invariants.violations
                + alerts.unreadable.map { "a receiver got a request that is not a webhook payload: \($0)" },
            realSeconds: 0)
    }

    /// Fault kinds in shuffled rounds (so every kind appears once per round), at random steps
    /// after a first quiet minute.
    func faultPlan(steps: Int) -> [Int: [SoakFault]] {
        let total =
            configuration.faultsPerMinute == 0
            ? 0
            : max(
                SoakFault.allCases.count, Int((configuration.faultsPerMinute * Double(configuration.minutes)).rounded())
            )
        var kinds: [SoakFault] = []
        while kinds.count < total { kinds += SoakFault.allCases.shuffled(using: &random) }
        let quiet = min(steps / 4, Int((60 / configuration.step.seconds).rounded()))
        var plan: [Int: [SoakFault]] = [:]
        for kind in kinds.prefix(total) {
            plan[Int.random(in: quiet..<max(quiet + 1, steps), using: &random), default: []].append(kind)
        }
        return plan
    }

    // MARK: - Replicas

    /// Replaces every replica that ended (killed, terminated, or exited after losing its lease)
    /// with a fresh one, so two always run, as a Deployment with two replicas does.
    private func superviseReplicas(_ group: inout TaskGroup<Void>) {
        for replica in replicas {
            guard let how = replica.ended else { continue }
            if how == .exited { lostLeaseExits += 1 }
            endings[replica.identity] = clock.currentDate
            progress("soak: \(KubeTime.format(clock.currentDate)) \(replica.identity) ended (\(how))")
        }
        replicas.removeAll { $0.ended != nil }
        while replicas.count < 2 {
            replicaStarts += 1
            do {
                let replica = try SoakReplica(
                    identity: "replica-\(replicaStarts)", server: url, clock: clock,
                    receivers: alerts.sender("replica-\(replicaStarts)", clock: clock))
                replicas.append(replica)
                group.addTask { await replica.run() }
            } catch {
                progress("soak: cannot start replica-\(replicaStarts): \(error)")
                return
            }
        }
    }

    /// The replica holding the lease, or any when none does (during an outage).
    private func leader() -> SoakReplica? {
        replicas.first { $0.isLeading } ?? replicas.randomElement(using: &random)
    }

    // MARK: - Faults

    private func inject(_ fault: SoakFault) async throws {
        faults[fault, default: 0] += 1
        let injector = server.faults
        switch fault {
        case .droppedWatches:
            injector.closeAllWatches()
        case .compaction:
            // The ledger's subscription is fault-exempt: it never has to resume past a compaction.
            injector.compactHistory()
        case .throttleBurst, .serverErrorBurst:
            let verbs: [String?] = [nil, "get", "list", "watch", "create", "update", "patch"]
            let resources: [String?] = [nil, "jobs", "scheduledtasks", "pods", "leases", "events"]
            injector.fail(
                .init(
                    verb: verbs.randomElement(using: &random) ?? nil,
                    resource: resources.randomElement(using: &random) ?? nil,
                    count: Int.random(in: 5...40, using: &random), code: fault == .throttleBurst ? 429 : 500,
                    retryAfterSeconds: fault == .throttleBurst ? 1 : nil))
        case .shortOutage:
            injector.makeUnavailable(for: .seconds(Int.random(in: 2...7, using: &random)))
        case .longOutage:
            injector.makeUnavailable(for: .seconds(Int.random(in: 12...25, using: &random)))
        case .leaderKill:
            leader()?.kill()
        case .leaderStop:
            leader()?.terminate()
        case .conflictingWriter:
            try touch(randomTask())
        case .slowPods:
            try slowDown(randomTask())
        }
    }

    private func randomTask() -> (name: String, guarantee: ScheduledTaskSpec.Guarantee) {
        let index = Int.random(in: 0..<configuration.taskCount, using: &random)
        return (SoakTaskMix.name(of: index), SoakTaskMix.kind(of: index).guarantee)
    }

    /// Another writer: an annotation on the task, then a foreign condition in its status.
    private func touch(_ task: (name: String, guarantee: ScheduledTaskSpec.Guarantee)) throws {
        touches += 1
        let stamp = KubeTime.format(clock.currentDate)
        try store.modify(Self.tasks, namespace: SoakTaskMix.namespace, name: task.name) { object in
            object.set(path: ["metadata", "annotations", Self.touchedAnnotation], to: .string(String(touches)))
        }
        try store.modify(Self.tasks, namespace: SoakTaskMix.namespace, name: task.name, subresource: .status) {
            object in
            var conditions = (object[path: ["status", "conditions"]]?.arrayValue ?? []).filter {
                $0["type"]?.stringValue != "ExternalAudit"
            }
            conditions.append([
                "type": "ExternalAudit", "status": "True", "reason": "Audited",
                "message": "checked by an external auditor", "lastTransitionTime": .string(stamp),
            ])
            object.set(path: ["status", "conditions"], to: .array(conditions))
        }
    }

    /// Makes a task's pods start slowly, or fast again if they were slow.
    private func slowDown(_ task: (name: String, guarantee: ScheduledTaskSpec.Guarantee)) throws {
        // OnceOnly pods stay short enough that a run ends before the next slot.
        let seconds = Int.random(in: 10...(task.guarantee == .onceOnly ? 20 : 45), using: &random)
        let path = [
            "spec", "jobTemplate", "spec", "template", "metadata", "annotations", PodBehavior.pendingSecondsKey,
        ]
        try store.modify(Self.tasks, namespace: SoakTaskMix.namespace, name: task.name) { object in
            object.set(path: path, to: object[path: path] == nil ? .string(String(seconds)) : nil)
        }
    }

    // MARK: - Waiting

    /// Waits (real time) until the store has seen no write for ``SoakConfiguration/settle``, at
    /// most ``settleLimit``: the controllers and the runtime have reacted to the last step.
    private func settle() async {
        do {
            if try await store.waitUntilQuiet(for: configuration.settle, atMost: Self.settleLimit) { return }
        } catch {
            return
        }
        settleLimitHits += 1
        await describeWrites()
    }

    /// Reports what the store is busy writing when a step could not settle: the objects written
    /// in the next 200 ms of real time, most written first.
    private func describeWrites() async {
        guard let subscription = try? store.subscribe(from: .now) else { return }
        var counts: [String: Int] = [:]
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: .milliseconds(200))
                subscription.cancel()
            }
            for await event in subscription.events where event.type != .bookmark {
                let name = event.object[path: ["metadata", "name"]]?.stringValue ?? "?"
                counts["\(event.type.rawValue) \(event.resource.resource)/\(name)", default: 0] += 1
            }
        }
        let busiest = counts.sorted { $0.value > $1.value }.prefix(5).map { "\($0.key) ×\($0.value)" }
        progress(
            "soak: \(KubeTime.format(clock.currentDate)) did not settle; writing " + busiest.joined(separator: ", "))
    }

    /// Waits until the ledger has applied every change to the objects it follows.
    private func waitForLedger() async throws {
        var target: Int64 = 0
        for resource in SoakLedger.resources {
            let list = try store.list(resource, options: StoreListQuery(namespace: SoakTaskMix.namespace))
            for item in list.items {
                target = max(target, Int64(item[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? 0)
            }
        }
        try await waitReal("the ledger caught up", within: .seconds(30)) { self.ledger.snapshot.revision >= target }
    }

    /// Polls `condition` every few milliseconds of real time, failing after `limit`.
    private func waitReal(_ what: String, within limit: Duration, _ condition: () -> Bool) async throws {
        let realClock = ContinuousClock()
        let deadline = realClock.now.advanced(by: limit)
        while !condition() {
            guard realClock.now < deadline else { throw SoakError("timed out after \(limit) waiting until \(what)") }
            try await realClock.sleep(for: .milliseconds(5))
        }
    }
}
