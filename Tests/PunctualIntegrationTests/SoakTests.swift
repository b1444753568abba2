import Alerting
import Foundation
import KubeClient
import KubeSim
import PunctualController
import PunctualTestSupport
import Testing

/// The fault soak in CI: a few virtual minutes with every fault kind, and the invariant checker
/// itself against hand-made records that break each invariant.
@Suite struct SoakTests {
    @Test(.timeLimit(.minutes(3))) func shortSoakInjectsEveryFaultAndKeepsEveryInvariant() async throws {
        // 2 s steps: half the steps of the default, still shorter than the retry period of the
        // election, so the test stays well under a minute on a busy 2-core machine. 50 ms of quiet
        // per step (not 15): the rest of the suite runs in parallel, and with the whole package's
        // tests on 2 cores the replicas fell behind virtual time and lost their lease again and again.
        let configuration = SoakConfiguration(
            minutes: 3, seed: 20_261_121, taskCount: 24, faultsPerMinute: 4, drainMinutes: 2, step: .seconds(2),
            settle: .milliseconds(50))
        let report = try await SoakEngine(configuration: configuration).run()
        #expect(report.violations.isEmpty, "\(report.table)")
        for fault in SoakFault.allCases {
            #expect((report.faults[fault.rawValue] ?? 0) >= 1, "\(fault.rawValue) was injected")
        }
        #expect(report.replicaStarts >= 2 + (report.faults[SoakFault.leaderKill.rawValue] ?? 0))
        #expect(report.checked.jobs > 24, "the tasks ran: \(report.table)")
        #expect(report.checked.onceOnlySlots > 0)
        #expect(report.checked.alertDeliveries > 0, "failing tasks alerted: \(report.table)")
        #expect(report.realSeconds < 60)
    }

    // MARK: - The ledger records the faults it observes

    /// Regression: the dropped-watches fault ended the ledger's own subscription, and a compaction
    /// before it resumed left it unable to (`could not resume after revision ...: too old
    /// resource version`), so the soak lost events of exactly the faults it checks.
    @Test func ledgerSeesEveryWriteAcrossDroppedWatchesAndACompaction() async throws {
        let server = APIServer(clock: ManualClock(start: Self.slot))
        let ledger = SoakLedger(store: server.store)
        let task = ScheduledTask.fixture(schedule: "* * * * *")
        let jobs = GroupResource(group: "batch", resource: "jobs")
        func createJob(_ minutes: Double) throws {
            let slot = Self.slot.addingTimeInterval(minutes * 60)
            let request = JobBuilder.Request(name: JobNaming.name(task: "report", slot: slot), slot: slot)
            _ = try server.store.create(jobs, namespace: "default", object: JobBuilder.job(for: task, request))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await ledger.run() }
            try createJob(0)
            try await Self.waitReal { ledger.snapshot.jobs.count == 1 }
            // The fault, and a compaction at once: no time for a closed subscription to resume.
            server.faults.closeAllWatches()
            server.faults.compactHistory()
            try createJob(1)
            try await Self.waitReal { ledger.snapshot.jobs.count == 2 }
            #expect(ledger.snapshot.gap == nil)
            #expect(ledger.subscriptions == 1, "the fault did not end the ledger's subscription")
            group.cancelAll()
        }
    }

    /// The checker tells a second send inside the at-least-once window by when the alert was first
    /// stored finished: the ledger notes that instant once, from the task's alert ledger.
    @Test func ledgerNotesWhenAnAlertWasFirstStoredFinished() async throws {
        let clock = ManualClock(start: Self.slot)
        let server = APIServer(clock: clock)
        try PunctualDefinitions.install(into: server.store)
        let ledger = SoakLedger(store: server.store)
        let tasks = GroupResource(group: "punctual.dev", resource: "scheduledtasks")
        let alert = Alert(
            namespace: "default", task: "exec", kind: .failed, scheduledTime: Self.slot, attempt: 1, job: "exec-1",
            reason: nil, message: "failed", consecutiveFailures: 1, severity: .warning, firedAt: Self.slot)
        let key = AlertLedger.key(alert, receiver: "ops")
        var alerts = AlertLedger()
        /// Stores `alerts` in the task's annotation; returns the revision written.
        @discardableResult
        func store(_ alerts: AlertLedger) throws -> Int64 {
            let stored = try server.store.modify(tasks, namespace: "default", name: "exec") { object in
                object.set(
                    path: ["metadata", "annotations", ScheduledTask.alertsAnnotation],
                    to: .string(alerts.annotationValue))
            }
            return Int64(stored[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? .max
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await ledger.run() }
            _ = try server.store.create(tasks, namespace: "default", object: minutelyTask("exec"))
            alerts.recordPending(alert, receiver: "ops")
            try store(alerts)
            clock.advance(by: .seconds(5))
            alerts.finish(key, as: .sent)
            try store(alerts)
            try await Self.waitReal { ledger.snapshot.alertsFinished[key] != nil }
            clock.advance(by: .seconds(5))
            let last = try store(alerts)
            try await Self.waitReal { ledger.snapshot.revision >= last }
            #expect(ledger.snapshot.alertsFinished == [key: Self.slot.addingTimeInterval(5)])
            group.cancelAll()
        }
    }

    /// Polls `condition` every few milliseconds of real time, for at most five seconds.
    static func waitReal(_ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while !condition() {
            try #require(ContinuousClock.now < deadline, "the ledger did not catch up within 5 s")
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    // MARK: - The checker catches what it should

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var jobs: [SoakLedger.JobRecord]
        var runs: [ScheduledTaskStatus.Run]
        var deliveries: [CountingAlertTransport.Delivery: Int]
        /// A fragment every expected violation contains; empty means no violation.
        var expected: [String]
        /// When the check runs (the end of the drain).
        var checkedAt: Date = .distantFuture
        /// Jobs finished too shortly before the check to be in status yet.
        var unconcluded = 0
        /// The OnceOnly task's `lastScheduleTime` changes.
        var moves: [SoakLedger.ScheduleMove] = []
        /// Failed alerts of the slot's first attempt recorded `pending` in the OnceOnly task's ledger.
        var pendingFailedAlerts = false
        var alertsPendingAtEnd = 0
        /// Who sent each delivery and when.
        var senders: [CountingAlertTransport.Delivery: [CountingAlertTransport.Sending]] = [:]
        /// When replicas were seen ended.
        var endings: [String: Date] = [:]
        /// When alert-ledger entries were first stored finished.
        var finished: [String: Date] = [:]
        /// Alerts sent again inside the at-least-once window.
        var resentInWindow = 0

        var testDescription: String { name }
    }

    /// The first slot of the tasks below (created half a minute earlier).
    static let slot = Date(timeIntervalSince1970: 1_767_225_660)
    static let onceOnly = "default/onceonly-allow-001"
    static let onceMost = "default/oncemost-allow-000"

    static func job(
        _ task: String, attempt: Int = 1, uid: String, complete: Bool = false, failed: Bool = false,
        pods: Int = 1, finishedAt: Date? = nil
    ) -> SoakLedger.JobRecord {
        let name = JobNaming.name(task: String(task.split(separator: "/").last ?? ""), slot: slot)
        var record = SoakLedger.JobRecord(
            uid: uid, name: attempt == 1 ? name : "\(name)-r\(attempt)", task: task, slot: slot, attempt: attempt,
            isComplete: complete, isFailed: failed, pods: Set((0..<pods).map { "\(uid)-pod-\($0)" }))
        record.finishedAt = finishedAt
        return record
    }

    static func run(
        _ phase: ScheduledTaskStatus.Run.Phase, job: String? = nil, attempt: Int = 1, reason: String? = nil,
        completedAt: Date? = nil
    ) -> ScheduledTaskStatus.Run {
        ScheduledTaskStatus.Run(
            scheduledTime: slot, attempt: attempt, job: job, phase: phase, completionTime: completedAt, reason: reason)
    }

    static func delivery(_ kind: PlannedAlert.Kind, _ task: String, receiver: String = "ops")
        -> CountingAlertTransport.Delivery
    {
        CountingAlertTransport.Delivery(task: task, kind: kind, slot: slot, attempt: 1, receiver: receiver)
    }

    static let onceOnlyJob = JobNaming.name(task: "onceonly-allow-001", slot: slot)

    /// A replica's send `seconds` after the slot.
    static func sent(by identity: String, at seconds: Double) -> CountingAlertTransport.Sending {
        CountingAlertTransport.Sending(identity: identity, at: slot.addingTimeInterval(seconds))
    }

    /// The OnceOnly slot's first attempt failed and was retried; its Failed alert went to `ops` twice
    /// (at 60 s by replica-1, at 150 s by replica-2) and to `team` once.
    static func failedAlertSentTwice(
        endings: [String: Date], finished: [String: Date] = [:], expected: [String], resent: Int, name: String
    ) -> Case {
        Case(
            name: name, jobs: failedThenRetried.jobs, runs: failedThenRetried.runs,
            deliveries: [delivery(.failed, onceOnly): 2, delivery(.failed, onceOnly, receiver: "team"): 1],
            expected: expected,
            senders: [delivery(.failed, onceOnly): [sent(by: "replica-1", at: 60), sent(by: "replica-2", at: 150)]],
            endings: endings, finished: finished, resentInWindow: resent)
    }

    static let failedAlertKey = "\(onceOnly)/\(KubeTime.format(slot))/1/Failed@ops"

    /// Attempt 1 failed 50 s after the slot; attempt 2 succeeded.
    static let failedThenRetried = (
        jobs: [job(onceOnly, uid: "a", failed: true), job(onceOnly, attempt: 2, uid: "b", complete: true)],
        runs: [
            run(.failed, job: onceOnlyJob, completedAt: slot.addingTimeInterval(50)),
            run(.succeeded, job: onceOnlyJob + "-r2", attempt: 2),
        ]
    )

    static let cases: [Case] = [
        Case(
            name: "a clean record passes",
            jobs: [job(onceOnly, uid: "a", complete: true), job(onceMost, uid: "b")],
            runs: [run(.succeeded, job: onceOnlyJob)], deliveries: [:], expected: []),
        Case(
            name: "two Jobs for one slot and attempt",
            jobs: [job(onceOnly, uid: "a", complete: true), job(onceOnly, uid: "b")],
            runs: [run(.succeeded, job: onceOnlyJob)], deliveries: [:], expected: ["attempt 1 got 2 Jobs"]),
        Case(
            name: "an OnceMost slot ran two pods",
            jobs: [job(onceOnly, uid: "a", complete: true), job(onceMost, uid: "b", pods: 2)],
            runs: [run(.succeeded, job: onceOnlyJob)], deliveries: [:], expected: ["ran 2 pods"]),
        Case(
            name: "an OnceOnly slot never succeeded",
            jobs: [job(onceOnly, uid: "a", failed: true)],
            runs: [run(.failed, job: onceOnlyJob)],
            deliveries: [delivery(.failed, onceOnly), delivery(.failed, onceOnly, receiver: "team")]
                .reduce(into: [:]) { $0[$1] = 1 },
            expected: [
                "never succeeded (status: attempt 1 Failed ; Jobs: \(onceOnlyJob) failed; at the end lastScheduleTime none, queued [], active [], retries [], schedule since none, missedRuns 0)"
            ]),
        Case(
            name: "a slot lastScheduleTime moved past with no run → the move is named",
            jobs: [], runs: [], deliveries: [:],
            expected: [
                "never succeeded (status: no run; Jobs: none; at the end lastScheduleTime none, queued [], active [], "
                    + "retries [], schedule since none, missedRuns 0; lastScheduleTime moved 2026-01-01T00:00:00Z → "
                    + "2026-01-01T00:02:00Z at revision 7, that status's runs: [2026-01-01T00:00:00Z, "
                    + "2026-01-01T00:02:00Z]; moved backwards 1 times, first 2026-01-01T00:02:00Z → "
                    + "2026-01-01T00:00:00Z at revision 9)"
            ],
            moves: [
                .init(
                    revision: 3, from: nil, to: slot.addingTimeInterval(-60), runSlots: [slot.addingTimeInterval(-60)]),
                .init(
                    revision: 7, from: slot.addingTimeInterval(-60), to: slot.addingTimeInterval(60),
                    runSlots: [slot.addingTimeInterval(-60), slot.addingTimeInterval(60)]),
                .init(revision: 9, from: slot.addingTimeInterval(60), to: slot.addingTimeInterval(-60), runSlots: []),
            ]),
        Case(
            name: "a slot skipped by the task's own policy is excused",
            jobs: [], runs: [run(.skipped, reason: "ConcurrencyForbidden")], deliveries: [:], expected: []),
        Case(
            name: "status says Succeeded for a Job that failed",
            jobs: [job(onceOnly, uid: "a", failed: true), job(onceOnly, attempt: 2, uid: "b", complete: true)],
            runs: [run(.succeeded, job: onceOnlyJob), run(.succeeded, job: onceOnlyJob + "-r2", attempt: 2)],
            deliveries: [:], expected: ["never completed", "failed but status records Succeeded"]),
        Case(
            name: "an alert sent twice, and one receiver never told",
            jobs: [job(onceOnly, uid: "a", failed: true), job(onceOnly, attempt: 2, uid: "b", complete: true)],
            runs: [
                run(.failed, job: onceOnlyJob), run(.succeeded, job: onceOnlyJob + "-r2", attempt: 2),
            ],
            deliveries: [delivery(.failed, onceOnly): 2],
            expected: ["was sent 2 times", "but team got no Failed alert"]),
        Case(
            name: "an alert about a run status never showed",
            jobs: [job(onceOnly, uid: "a", complete: true)],
            runs: [run(.succeeded, job: onceOnlyJob)], deliveries: [delivery(.missed, onceOnly): 1],
            expected: ["has no such run in status"]),
        Case(
            name: "a Job that finished 20 s before the end, not in status yet → counted, not a violation",
            jobs: [job(onceOnly, uid: "a", complete: true, finishedAt: slot.addingTimeInterval(50))],
            runs: [run(.running, job: onceOnlyJob)], deliveries: [:], expected: [],
            checkedAt: slot.addingTimeInterval(70), unconcluded: 1),
        Case(
            name: "a run Failed 20 s before the end, its alerts still pending → counted, not a violation",
            jobs: failedThenRetried.jobs, runs: failedThenRetried.runs,
            deliveries: [:], expected: [], checkedAt: slot.addingTimeInterval(70), pendingFailedAlerts: true,
            alertsPendingAtEnd: 2),
        Case(
            name: "a run Failed 2 minutes before the end, its alerts still pending → violations",
            jobs: failedThenRetried.jobs, runs: failedThenRetried.runs,
            deliveries: [:], expected: ["ops got no Failed alert (ledger: pending)", "team got no Failed alert"],
            checkedAt: slot.addingTimeInterval(170), pendingFailedAlerts: true),
        Case(
            name: "a Job that finished 2 minutes before the end, not in status → a violation",
            jobs: [job(onceOnly, uid: "a", complete: true, finishedAt: slot.addingTimeInterval(50))],
            runs: [run(.running, job: onceOnlyJob)], deliveries: [:],
            expected: ["completed but status shows it Running"], checkedAt: slot.addingTimeInterval(170)),
        failedAlertSentTwice(
            endings: ["replica-1": slot.addingTimeInterval(62)], expected: [], resent: 1,
            name: "an alert sent again after its sender ended before storing sent → counted, not a violation"),
        failedAlertSentTwice(
            endings: ["replica-1": slot.addingTimeInterval(62)],
            finished: [failedAlertKey: slot.addingTimeInterval(200)],
            expected: [], resent: 1, name: "… and stored sent by the second sender afterwards → the same"),
        failedAlertSentTwice(
            endings: [:], expected: ["was sent 2 times (by replica-1 at 2026-01-01T00:02:00Z, replica-2 at"],
            resent: 0, name: "an alert sent again while its first sender still ran → a violation"),
        failedAlertSentTwice(
            endings: ["replica-1": slot.addingTimeInterval(160)], expected: ["was sent 2 times"], resent: 0,
            name: "an alert sent again before its first sender ended → a violation"),
        failedAlertSentTwice(
            endings: ["replica-1": slot.addingTimeInterval(62)],
            finished: [failedAlertKey: slot.addingTimeInterval(61)],
            expected: ["was sent 2 times"], resent: 0,
            name: "an alert sent again although the ledger showed it sent → a violation"),
    ]

    @Test(arguments: cases) func checkerFindsEachViolation(_ testCase: Case) throws {
        let tasks = try [0, 1].map { index -> ScheduledTask in
            var random = SeededGenerator(seed: 3)
            var object = SoakTaskMix.task(index, random: &random)
            object.set(path: ["metadata", "uid"], to: .string("uid-\(index)"))
            object.set(path: ["metadata", "creationTimestamp"], to: .string("2026-01-01T00:00:30Z"))
            // Both receivers, whatever the draw.
            object.set(
                path: ["spec", "alerting", "receivers"],
                to: .array(SoakTaskMix.receiverNames.map { ["name": .string($0)] }))
            object.set(path: ["spec", "jitterSeconds"], to: nil)
            object.set(path: ["spec", "schedule"], to: "* * * * *")
            if index == 1, testCase.pendingFailedAlerts {
                var ledger = AlertLedger()
                for receiver in SoakTaskMix.receiverNames {
                    ledger.recordPending(
                        Alert(
                            namespace: "default", task: "onceonly-allow-001", kind: .failed, scheduledTime: Self.slot,
                            attempt: 1, job: Self.onceOnlyJob, reason: nil, message: "failed", consecutiveFailures: 1,
                            severity: .warning, firedAt: Self.slot),
                        receiver: receiver)
                }
                object.set(
                    path: ["metadata", "annotations"],
                    to: [ScheduledTask.alertsAnnotation: .string(ledger.annotationValue)])
            }
            return try object.decode(as: ScheduledTask.self)
        }
        var runs: [SoakLedger.RunKey: SoakLedger.RunHistory] = [:]
        for run in testCase.runs {
            runs[SoakLedger.RunKey(task: Self.onceOnly, slot: run.scheduledTime, attempt: run.attempt)] =
                SoakLedger.RunHistory(latest: run, finishedPhases: run.phase.isFinished ? [run.phase] : [])
        }
        var ledger = SoakLedger.Snapshot(
            jobs: Dictionary(uniqueKeysWithValues: testCase.jobs.map { ($0.uid, $0) }), runs: runs)
        ledger.scheduleMoves[Self.onceOnly] = testCase.moves
        ledger.alertsFinished = testCase.finished
        let verdict = SoakInvariants(
            ledger: ledger, tasks: tasks, deliveries: testCase.deliveries, senders: testCase.senders,
            senderEndings: testCase.endings, faultsEnded: Self.slot.addingTimeInterval(30),
            checkedAt: testCase.checkedAt)
        #expect(verdict.counts.alertsResentInWindow == testCase.resentInWindow)
        #expect(verdict.resentInWindow.count == testCase.resentInWindow)
        #expect(verdict.counts.unconcludedAtEnd == testCase.unconcluded)
        #expect(verdict.counts.alertsPendingAtEnd == testCase.alertsPendingAtEnd)
        if testCase.expected.isEmpty {
            #expect(verdict.violations.isEmpty, "\(verdict.violations)")
        }
        for fragment in testCase.expected {
            #expect(verdict.violations.contains { $0.contains(fragment) }, "\(fragment) in \(verdict.violations)")
        }
        #expect(verdict.violations.count == testCase.expected.count, "\(verdict.violations)")
    }
}
