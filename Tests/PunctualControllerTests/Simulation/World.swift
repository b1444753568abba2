import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport

/// How a simulated Job behaves once created: Pending for a while (or for ever), then running
/// for a while, then exiting with a code. The Job's own `activeDeadlineSeconds` kills it.
struct RunScript: Sendable {
    var pendingFor: TimeInterval = 3
    var pendingReason = "ContainerCreating"
    var pendingMessage = ""
    var runsFor: TimeInterval = 60
    var exitCode: Int32 = 0

    static let quickSuccess = RunScript()
    static func stuck(reason: String, message: String) -> RunScript {
        RunScript(pendingFor: .infinity, pendingReason: reason, pendingMessage: message)
    }
}

/// A tiny in-memory cluster for multi-step scenarios: it applies each ``Plan`` (creates answer
/// 409 on an existing name, deletes are immediate, status is replaced), derives Job and Pod
/// states from each Job's ``RunScript`` and the virtual time, and advances time to the next
/// instant anything happens (the plan's requeueAt or a scripted Job transition). No server, no
/// sleeping.
struct World {
    struct SimulatedJob {
        var job: Job
        var created: Date
        var script: RunScript
    }

    var task: ScheduledTask
    var now: Date
    var settings = ControllerSettings()
    /// The script of each new Job (by name, slot and attempt).
    var script: (JobCreation) -> RunScript = { _ in .quickSuccess }
    private(set) var jobs: [String: SimulatedJob] = [:]
    /// Every Job created, in order, with the instant.
    private(set) var created: [(name: String, slot: Date, attempt: Int, at: Date)] = []
    private(set) var deleted: [(name: String, reason: JobDeletion.Reason)] = []
    /// Live placeholder Pods by name (placed on a node as soon as created).
    private(set) var placeholders: [String: Pod] = [:]
    /// Every placeholder created, with when it was created and deleted.
    private(set) var placeholderLog: [(name: String, slot: Date, created: Date, deleted: Date?)] = []
    private(set) var events: [PlannedEvent] = []
    private(set) var alerts: [PlannedAlert] = []
    /// Creates answered 409 (the name already existed).
    private(set) var conflicts = 0
    private(set) var reconciles = 0
    /// The most runs counting towards concurrency seen at once.
    private(set) var peakActive = 0
    /// Status writes to drop (a crash between the Job create and the status write).
    var droppedStatusWrites = 0

    init(task: ScheduledTask, now: Date) {
        self.task = task
        self.now = now
    }

    // MARK: - Stepping

    /// What the decision would see now.
    var observation: Observation {
        let (jobs, pods) = materialize()
        return Observation(task: task, jobs: jobs, pods: pods, now: now, settings: settings)
    }

    /// One reconcile at the current instant.
    @discardableResult
    mutating func reconcile() -> Plan {
        reconciles += 1
        let plan = Decision.plan(for: observation)
        apply(plan)
        return plan
    }

    /// Reconciles at every instant something is due until `end`, then sets the clock to `end`.
    mutating func run(until end: Date) {
        var steps = 0
        while steps < 100_000 {
            steps += 1
            let plan = reconcile()
            // Every write comes back as a watch event, which reconciles the task again at once.
            let wrote = plan.actions.contains { $0.dispatchClass != .event && $0.dispatchClass != .alert }
            let next = [wrote ? now : nil, plan.requeueAt, nextTransition()].compactMap { $0 }
                .filter { $0 > now || $0 == plan.requeueAt || wrote }.min()
            guard let next, next <= end else { break }
            now = max(next, now)
        }
        now = end
    }

    /// The controller is down: time passes (Jobs keep running), nothing is reconciled.
    mutating func downtime(until end: Date) { now = end }

    /// Applies a plan as the executor would.
    mutating func apply(_ plan: Plan) {
        for action in plan.actions {
            switch action {
            case .createJob(let creation):
                guard jobs[creation.name] == nil else {
                    conflicts += 1  // 409: already done
                    continue
                }
                var raw = creation.job
                raw.set(path: ["metadata", "uid"], to: .string("uid-\(creation.name)"))
                raw.set(path: ["metadata", "creationTimestamp"], to: .string(KubeTime.format(now)))
                guard let job = try? raw.decode(as: Job.self) else { continue }
                jobs[creation.name] = SimulatedJob(job: job, created: wholeSeconds(now), script: script(creation))
                created.append((creation.name, creation.slot, creation.attempt, now))
            case .deleteJob(let deletion):
                jobs[deletion.name] = nil
                deleted.append((deletion.name, deletion.reason))
            case .updateStatus(let status):
                if droppedStatusWrites > 0 {
                    droppedStatusWrites -= 1
                } else {
                    task.status = status
                }
            case .emitEvent(let event):
                events.append(event)
            case .alert(let alert):
                alerts.append(alert)
            case .createPlaceholder(let creation):
                guard placeholders[creation.name] == nil else {
                    conflicts += 1
                    continue
                }
                var raw = creation.pod
                raw.set(path: ["metadata", "uid"], to: .string("uid-\(creation.name)"))
                raw.set(path: ["metadata", "creationTimestamp"], to: .string(KubeTime.format(now)))
                guard let pod = try? raw.decode(as: Pod.self) else { continue }
                placeholders[creation.name] = pod.placed(since: now)
                placeholderLog.append((creation.name, creation.slot, now, nil))
            case .deletePlaceholder(let deletion):
                guard placeholders.removeValue(forKey: deletion.name) != nil,
                    let index = placeholderLog.lastIndex(where: { $0.name == deletion.name })
                else { continue }
                placeholderLog[index].deleted = now
            }
        }
        let active = materialize().jobs.compactMap { ObservedRun(job: $0, pods: []) }.filter { !$0.phase.isFinished }
        peakActive = max(peakActive, active.count)
    }

    // MARK: - Simulated Job runtime

    private func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// Job and Pod objects as the Job controller and kubelet would report them now.
    func materialize() -> (jobs: [Job], pods: [Pod]) {
        var jobs: [Job] = []
        var pods: [Pod] = []
        for simulated in self.jobs.values.sorted(by: { $0.created < $1.created }) {
            let (job, pod) = state(of: simulated)
            jobs.append(job)
            pods.append(pod)
        }
        pods += placeholders.values.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
        return (jobs, pods)
    }

    private func state(of simulated: SimulatedJob) -> (Job, Pod) {
        let script = simulated.script
        let job = simulated.job.started(at: simulated.created)
        let startAt = simulated.created.addingTimeInterval(script.pendingFor)
        let endAt = startAt.addingTimeInterval(script.runsFor)
        let killAt = simulated.job.spec?.activeDeadlineSeconds.map {
            simulated.created.addingTimeInterval(TimeInterval($0))
        }
        if let killAt, killAt <= now, killAt < endAt {
            let pod =
                startAt < killAt
                ? job.pod.running(since: startAt) : job.pod.waiting(reason: script.pendingReason, message: "")
            return (job.deadlineExceeded(at: killAt), pod)
        }
        if now < startAt {
            return (job, job.pod.waiting(reason: script.pendingReason, message: script.pendingMessage))
        }
        if now < endAt { return (job, job.pod.running(since: startAt)) }
        let pod = job.pod.terminated(exitCode: script.exitCode, started: startAt, finished: endAt)
        return (script.exitCode == 0 ? job.succeeded(at: endAt) : job.failed(at: endAt), pod)
    }

    /// The next instant a simulated Job changes state.
    private func nextTransition() -> Date? {
        jobs.values.flatMap { simulated -> [Date] in
            let startAt = simulated.created.addingTimeInterval(simulated.script.pendingFor)
            let instants = [
                startAt, startAt.addingTimeInterval(simulated.script.runsFor),
                simulated.job.spec?.activeDeadlineSeconds.map {
                    simulated.created.addingTimeInterval(TimeInterval($0))
                },
            ]
            return instants.compactMap { $0 }.filter { $0.timeIntervalSince1970.isFinite && $0 > now }
        }.min()
    }

    // MARK: - Reading the outcome

    /// Names created for each slot, to check that no slot was created twice.
    var createdSlots: [Date] { created.filter { $0.attempt == 1 }.map(\.slot) }

    func runs(_ phase: ScheduledTaskStatus.Run.Phase) -> [ScheduledTaskStatus.Run] {
        (task.status?.runs ?? []).filter { $0.phase == phase }
    }
}
