import Cron
import Foundation
import KubeClient
import PunctualController

/// The soak's verdict, computed only from the cluster's own record (``SoakLedger``), the final
/// tasks and the alerts receivers got.
///
/// - No slot has two Jobs: a (task, slot, attempt) never got a second Job; an OnceMost slot never
///   got a second Job nor a second pod; an OnceOnly slot never succeeded twice.
/// - Every OnceOnly slot due before the faults stopped succeeded exactly once, unless the task's
///   own concurrency policy gave it up (`Skipped` by Forbid or maxConcurrent, `Replaced`).
/// - Status agrees with Jobs: a run recorded Succeeded has a Job that completed, a run recorded
///   Failed or DeadlineExceeded has no Job that completed, no run changed its verdict, and every
///   Job that finished shows up in status with the matching result.
/// - Alerts: every Failed or DeadlineExceeded run produced exactly one alert per receiver; no
///   alert went out twice to a receiver, and none went out for a run status does not show. The one
///   exception is the documented at-least-once window: a replica that delivered an alert and ended
///   (killed, or exited after losing its lease to an outage) before its `sent` record could be
///   stored leaves it `pending`, and the next leader sends it again. Such a second send is counted
///   in ``Counts/alertsResentInWindow`` and listed in ``resentInWindow`` when the record proves it:
///   each earlier sender had ended before the next send, and the ledger did not show the alert
///   `sent` or `failed` before it. Any other second send is a violation.
public struct SoakInvariants: Sendable {
    /// What was checked, for the report.
    public struct Counts: Sendable, Codable {
        public var jobs = 0
        public var pods = 0
        public var succeededJobs = 0
        public var failedJobs = 0
        public var runEntries = 0
        public var onceOnlySlots = 0
        public var excusedOnceOnlySlots = 0
        public var alertDeliveries = 0
        /// Jobs that finished within ``SoakInvariants/concludingGrace`` of the end and were not
        /// recorded in status yet (not violations).
        public var unconcludedAtEnd = 0
        /// Alerts still `pending` in their ledger for runs that finished within
        /// ``SoakInvariants/concludingGrace`` of the end: on their way, not lost (not violations).
        public var alertsPendingAtEnd = 0
        /// Alerts sent again because their sender ended before storing `sent` (not violations;
        /// see ``resentInWindow``).
        public var alertsResentInWindow = 0
    }

    public var violations: [String] = []
    /// Each alert sent again inside the at-least-once window, with its senders.
    public var resentInWindow: [String] = []
    public var counts = Counts()

    /// Checks everything.
    ///
    /// - Parameters:
    ///   - ledger: the cluster's record.
    ///   - tasks: the tasks at the end.
    ///   - deliveries: the alerts counted per receiver.
    ///   - senders: who sent each delivery and when, named in the message of a doubled alert.
    ///   - senderEndings: when each replica was seen ended, by identity.
    ///   - faultsEnded: slots due up to this instant must be settled; later ones are left alone.
    ///   - checkedAt: the end of the drain. A Job that finished less than ``concludingGrace``
    ///     before it may not be concluded in status yet: it is counted in
    ///     ``Counts/unconcludedAtEnd``, not reported as a violation.
    public init(
        ledger: SoakLedger.Snapshot, tasks: [ScheduledTask], deliveries: [CountingAlertTransport.Delivery: Int],
        senders: [CountingAlertTransport.Delivery: [CountingAlertTransport.Sending]] = [:],
        senderEndings: [String: Date] = [:], faultsEnded: Date, checkedAt: Date = .distantFuture
    ) {
        if let gap = ledger.gap { violations.append("the ledger lost events: \(gap)") }
        let byKey = Dictionary(
            tasks.map { ("\($0.metadata.namespace ?? "")/\($0.metadata.name ?? "")", $0) },
            uniquingKeysWith: { first, _ in first })
        let jobs = ledger.jobs.values.filter { !$0.isManual }.sorted { $0.name < $1.name }
        counts.jobs = jobs.count
        counts.pods = jobs.map(\.pods.count).reduce(0, +)
        counts.succeededJobs = jobs.filter(\.isComplete).count
        counts.failedJobs = jobs.filter(\.isFailed).count
        counts.runEntries = ledger.runs.count
        counts.alertDeliveries = deliveries.values.reduce(0, +)
        checkSlots(jobs, tasks: byKey)
        checkOnceOnly(
            jobs, tasks: byKey, runs: ledger.runs, moves: ledger.scheduleMoves, faultsEnded: faultsEnded)
        checkStatus(jobs, runs: ledger.runs, faultsEnded: faultsEnded, checkedAt: checkedAt)
        checkAlerts(
            deliveries, senders: senders, resent: ResentCheck(endings: senderEndings, finished: ledger.alertsFinished),
            runs: ledger.runs, tasks: byKey, checkedAt: checkedAt)
    }

    // MARK: - No slot has two Jobs

    private mutating func checkSlots(_ jobs: [SoakLedger.JobRecord], tasks: [String: ScheduledTask]) {
        struct SlotKey: Hashable {
            var task: String
            var slot: Date
        }
        var bySlot: [SlotKey: [SoakLedger.JobRecord]] = [:]
        for job in jobs {
            guard let slot = job.slot else {
                violations.append("Job \(job.name) of \(job.task) has no readable scheduled-time annotation")
                continue
            }
            bySlot[SlotKey(task: job.task, slot: slot), default: []].append(job)
        }
        for (key, jobs) in bySlot.sorted(by: { ($0.key.task, $0.key.slot) < ($1.key.task, $1.key.slot) }) {
            let names = jobs.map(\.name).sorted().joined(separator: ", ")
            let attempts = Dictionary(grouping: jobs, by: \.attempt)
            for (attempt, same) in attempts where same.count > 1 {
                violations.append(
                    "\(key.task) slot \(stamp(key.slot)) attempt \(attempt) got \(same.count) Jobs: \(names)")
            }
            switch tasks[key.task]?.spec.effectiveGuarantee {
            case .onceMost:
                if jobs.count > 1 {
                    violations.append("OnceMost \(key.task) slot \(stamp(key.slot)) got \(jobs.count) Jobs: \(names)")
                }
                let pods = jobs.map(\.pods.count).reduce(0, +)
                if pods > 1 {
                    violations.append("OnceMost \(key.task) slot \(stamp(key.slot)) ran \(pods) pods (\(names))")
                }
            case .onceOnly:
                let succeeded = jobs.filter(\.isComplete)
                if succeeded.count > 1 {
                    violations.append(
                        "OnceOnly \(key.task) slot \(stamp(key.slot)) succeeded \(succeeded.count) times: \(names)")
                }
            case .unlimited, nil:
                break
            }
        }
    }

    // MARK: - OnceOnly slots succeed exactly once

    private mutating func checkOnceOnly(
        _ jobs: [SoakLedger.JobRecord], tasks: [String: ScheduledTask],
        runs: [SoakLedger.RunKey: SoakLedger.RunHistory], moves: [String: [SoakLedger.ScheduleMove]] = [:],
        faultsEnded: Date
    ) {
        var succeededSlots: [String: Set<Date>] = [:]
        for job in jobs where job.isComplete {
            if let slot = job.slot { succeededSlots[job.task, default: []].insert(slot) }
        }
        var excused: [String: Set<Date>] = [:]
        for (key, history) in runs where Self.isExcused(history.latest) {
            excused[key.task, default: []].insert(key.slot)
        }
        for (key, task) in tasks.sorted(by: { $0.key < $1.key }) where task.spec.effectiveGuarantee == .onceOnly {
            guard let created = task.metadata.creationTimestamp,
                let schedule = try? CronSchedule(task.spec.schedule, timeZoneIdentifier: task.spec.effectiveTimeZone)
            else {
                violations.append("OnceOnly \(key) has no creation time or an unreadable schedule")
                continue
            }
            let jitter = Jitter.offset(
                seed: task.metadata.uid ?? key, jitterSeconds: task.spec.effectiveJitterSeconds)
            var cursor = created
            while let slot = schedule.next(after: cursor), slot.addingTimeInterval(jitter) <= faultsEnded {
                cursor = slot
                counts.onceOnlySlots += 1
                if succeededSlots[key]?.contains(slot) == true { continue }
                if excused[key]?.contains(slot) == true {
                    counts.excusedOnceOnlySlots += 1
                    continue
                }
                let recorded = runs.filter { $0.key.task == key && $0.key.slot == slot }
                    .sorted { $0.key.attempt < $1.key.attempt }
                    .map {
                        "attempt \($0.key.attempt) \($0.value.latest.phase.rawValue) \($0.value.latest.reason ?? "")"
                    }
                let slotJobs = jobs.filter { $0.task == key && $0.slot == slot }
                    .map { "\($0.name) \($0.isFailed ? "failed" : "unfinished")" }
                violations.append(
                    "OnceOnly \(key) slot \(stamp(slot)) never succeeded (status: "
                        + (recorded.isEmpty ? "no run" : recorded.joined(separator: "; ")) + "; Jobs: "
                        + (slotJobs.isEmpty ? "none" : slotJobs.joined(separator: ", ")) + "; at the end "
                        + Self.describeProgress(task.status) + Self.describeMove(past: slot, in: moves[key] ?? []) + ")"
                )
            }
        }
    }

    /// Where a task's status stood at the end, for a slot it never ran: still queued or waiting
    /// behind an active run is "not run yet", a `lastScheduleTime` past it with neither is a drop.
    static func describeProgress(_ status: ScheduledTaskStatus?) -> String {
        let last = status?.lastScheduleTime.map(KubeTime.format) ?? "none"
        let queued = (status?.queued ?? []).map(KubeTime.format)
        let active = (status?.active ?? []).map(\.name)
        let retries = (status?.retries ?? []).map(\.job)
        let since = status?.schedule.map { KubeTime.format($0.since) } ?? "none"
        let invalid = status?.conditions?.first { $0.type == "InvalidSpec" && $0.status == "True" }
        return "lastScheduleTime \(last), queued [\(queued.joined(separator: ", "))], active ["
            + active.joined(separator: ", ") + "], retries [" + retries.joined(separator: ", ")
            + "], schedule since \(since), missedRuns \(status?.missedRuns ?? 0)"
            + (invalid.map { ", InvalidSpec \($0.reason ?? "")" } ?? "")
    }

    /// The stored status that moved `lastScheduleTime` past `slot`, with its runs' slots, and
    /// how often it moved backwards: what wrote a slot off without a run.
    static func describeMove(past slot: Date, in moves: [SoakLedger.ScheduleMove]) -> String {
        let backwards = moves.filter { move in
            guard let from = move.from else { return false }
            return move.to.map { $0 < from } ?? true
        }
        let stamp = { (date: Date?) in date.map(KubeTime.format) ?? "none" }
        var text = ""
        if let move = moves.first(where: { ($0.from.map { $0 < slot } ?? true) && ($0.to.map { $0 >= slot } ?? false) })
        {
            text +=
                "; lastScheduleTime moved \(stamp(move.from)) → \(stamp(move.to)) at revision \(move.revision), "
                + "that status's runs: [\(move.runSlots.map { KubeTime.format($0) }.joined(separator: ", "))]"
        }
        if !backwards.isEmpty {
            text +=
                "; moved backwards \(backwards.count) times, first \(stamp(backwards[0].from)) → "
                + "\(stamp(backwards[0].to)) at revision \(backwards[0].revision)"
        }
        return text
    }

    /// Whether the task's own concurrency policy gave the slot up.
    static func isExcused(_ run: ScheduledTaskStatus.Run) -> Bool {
        run.phase == .skipped || run.reason == "Replaced"
    }

    // MARK: - Status agrees with Jobs

    /// How long the controller may take to record a finished Job in status (a reconcile and
    /// the status writer's turn, more on a loaded machine) before the check expects it there, and
    /// to deliver the alerts of a run once status records it.
    public static let concludingGrace: TimeInterval = 60

    private mutating func checkStatus(
        _ jobs: [SoakLedger.JobRecord], runs: [SoakLedger.RunKey: SoakLedger.RunHistory], faultsEnded: Date,
        checkedAt: Date
    ) {
        let jobsByName = Dictionary(grouping: jobs) { "\($0.task)/\($0.name)" }
        for (key, history) in runs.sorted(by: { $0.key < $1.key }) {
            let run = history.latest
            let what = "\(key.task) slot \(stamp(key.slot)) attempt \(key.attempt)"
            if history.finishedPhases.count > 1 {
                let phases = history.finishedPhases.map(\.rawValue).sorted().joined(separator: ", ")
                violations.append("\(what) was recorded with contradicting results: \(phases)")
            }
            guard let name = run.job, run.phase.isFinished else { continue }
            let named = jobsByName["\(key.task)/\(name)"] ?? []
            switch run.phase {
            case .succeeded:
                if !named.contains(where: \.isComplete) {
                    violations.append("\(what) is Succeeded in status but Job \(name) never completed")
                }
            case .failed, .deadlineExceeded:
                if named.contains(where: \.isComplete) {
                    violations.append(
                        "\(what) is \(run.phase.rawValue) (\(run.reason ?? "no reason")) in status but Job \(name) completed"
                    )
                }
            default:
                break
            }
        }
        for job in jobs where job.isComplete || job.isFailed {
            guard let slot = job.slot, slot <= faultsEnded else { continue }
            let recorded = runs[SoakLedger.RunKey(task: job.task, slot: slot, attempt: job.attempt)]?.latest
            let what = "Job \(job.name) of \(job.task)"
            guard let recorded, recorded.phase.isFinished else {
                if let finished = job.finishedAt, finished > checkedAt.addingTimeInterval(-Self.concludingGrace) {
                    counts.unconcludedAtEnd += 1
                    continue
                }
                violations.append(
                    "\(what) \(job.isComplete ? "completed" : "failed") but status shows "
                        + (recorded.map { "it \($0.phase.rawValue)" } ?? "no run for it"))
                continue
            }
            if job.isComplete && recorded.phase != .succeeded && !Self.isExcused(recorded) {
                violations.append("\(what) completed but status records \(recorded.phase.rawValue)")
            }
            if job.isFailed && recorded.phase == .succeeded {
                violations.append("\(what) failed but status records Succeeded")
            }
        }
    }

    // MARK: - One alert per receiver per event

    /// What tells a second send inside the at-least-once window from a doubled alert.
    struct ResentCheck {
        /// When each replica was seen ended.
        var endings: [String: Date]
        /// When each alert-ledger entry was first stored finished.
        var finished: [String: Date]

        /// Whether every send after the first came from another replica, after the one before it
        /// had ended, while the ledger did not show the alert finished yet.
        func isWindow(_ sendings: [CountingAlertTransport.Sending], count: Int, ledgerKey: String) -> Bool {
            guard sendings.count == count, count > 1 else { return false }
            let ordered = sendings.sorted { $0.at < $1.at }
            let finishedAt = finished[ledgerKey]
            return zip(ordered, ordered.dropFirst()).allSatisfy { earlier, later in
                guard earlier.identity != later.identity, let ended = endings[earlier.identity] else { return false }
                return ended <= later.at && (finishedAt.map { $0 >= later.at } ?? true)
            }
        }
    }

    private mutating func checkAlerts(
        _ deliveries: [CountingAlertTransport.Delivery: Int],
        senders: [CountingAlertTransport.Delivery: [CountingAlertTransport.Sending]], resent: ResentCheck,
        runs: [SoakLedger.RunKey: SoakLedger.RunHistory], tasks: [String: ScheduledTask], checkedAt: Date
    ) {
        for (delivery, count) in deliveries.sorted(by: { $0.key < $1.key }) {
            let what =
                "\(delivery.kind.rawValue) alert for \(delivery.task) slot \(stamp(delivery.slot)) "
                + "attempt \(delivery.attempt) to \(delivery.receiver)"
            let by = senders[delivery].map { " (by \($0.map(\.description).joined(separator: ", ")))" } ?? ""
            let ledgerKey = Self.ledgerKey(
                SoakLedger.RunKey(task: delivery.task, slot: delivery.slot, attempt: delivery.attempt),
                kind: delivery.kind, receiver: delivery.receiver)
            if count > 1, resent.isWindow(senders[delivery] ?? [], count: count, ledgerKey: ledgerKey) {
                counts.alertsResentInWindow += 1
                resentInWindow.append("\(what) was sent \(count) times\(by)")
            } else if count > 1 {
                violations.append("\(what) was sent \(count) times\(by)")
            }
            let exact = runs[SoakLedger.RunKey(task: delivery.task, slot: delivery.slot, attempt: delivery.attempt)]
            let matches: Bool
            switch delivery.kind {
            case .failed: matches = exact?.finishedPhases.contains(.failed) ?? false
            case .deadlineExceeded: matches = exact?.finishedPhases.contains(.deadlineExceeded) ?? false
            case .missed:
                matches = runs.contains {
                    $0.key.task == delivery.task && $0.key.slot == delivery.slot
                        && $0.value.finishedPhases.contains(.missed)
                }
            default: matches = true
            }
            if !matches { violations.append("\(what) has no such run in status\(by)") }
        }
        for (key, history) in runs.sorted(by: { $0.key < $1.key }) {
            let run = history.latest
            let kind: PlannedAlert.Kind
            switch run.phase {
            case .failed where run.reason != "Replaced": kind = .failed
            case .deadlineExceeded: kind = .deadlineExceeded
            default: continue
            }
            guard let task = tasks[key.task] else { continue }
            for receiver in CountingAlertTransport.receivers(of: task) {
                let delivery = CountingAlertTransport.Delivery(
                    task: key.task, kind: kind, slot: key.slot, attempt: key.attempt, receiver: receiver)
                guard deliveries[delivery] == nil else { continue }
                let ledgerState = Self.ledgerState(of: task, key: key, kind: kind, receiver: receiver)
                if ledgerState == AlertLedger.State.pending.rawValue, let finished = run.completionTime,
                    checkedAt.timeIntervalSince(finished) < Self.concludingGrace
                {
                    counts.alertsPendingAtEnd += 1
                    continue
                }
                violations.append(
                    "\(key.task) slot \(stamp(key.slot)) attempt \(key.attempt) is \(run.phase.rawValue) "
                        + "but \(receiver) got no \(kind.rawValue) alert (ledger: \(ledgerState))")
            }
        }
    }

    private func stamp(_ date: Date) -> String { KubeTime.format(date) }

    /// The key of one alert in a task's alert ledger (``AlertLedger/key(_:receiver:)``).
    static func ledgerKey(_ key: SoakLedger.RunKey, kind: PlannedAlert.Kind, receiver: String) -> String {
        "\(key.task)/\(KubeTime.format(key.slot))/\(key.attempt)/\(kind.rawValue)@\(receiver)"
    }

    /// What the task's alert ledger says of one alert at the end: the clue to where it was lost
    /// (never recorded or overwritten, still pending, or finished unsent and why).
    static func ledgerState(
        of task: ScheduledTask, key: SoakLedger.RunKey, kind: PlannedAlert.Kind, receiver: String
    ) -> String {
        let ledgerKey = Self.ledgerKey(key, kind: kind, receiver: receiver)
        let entries = AlertLedger(annotations: task.metadata.annotations).entries
        guard let entry = entries.first(where: { $0.key == ledgerKey }) else {
            return "no entry: never recorded, overwritten, or beyond the \(AlertLedger.finishedEntriesKept) kept"
        }
        return entry.state.rawValue + (entry.reason.map { ", \($0)" } ?? "")
    }
}
