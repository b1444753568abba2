import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// Conditions, invalid specs, history limits, status writes and the dispatch order.
@Suite("Decision: status, conditions, history")
struct DecisionStatusTests {
    static let task = ScheduledTask.fixture()
    static let slot = Instants.topOfTheHour
    static let invalid = task.schedule("0 0 31 2 *")

    static func finished(_ hoursAgo: Int, succeeded: Bool) -> Job {
        let slot = Instants.topOfTheHour.plus(hours: Double(-hoursAgo))
        let job = Job.fixture(for: task, slot: slot).started(at: slot)
        return succeeded ? job.succeeded(at: slot.plus(minutes: 1)) : job.failed(at: slot.plus(minutes: 1))
    }

    static let cases: [DecisionCase] = [
        DecisionCase(
            name: "invalid schedule → InvalidSpec, Warning Event, no runs, no requeue",
            task: invalid.scheduled(through: Instants.previousHour), now: Instants.justAfterTheHour,
            events: ["InvalidSpec"], requeueAt: .never,
            conditions: ["InvalidSpec=True/InvalidSpec", "Ready=False/InvalidSpec"],
            check: { plan in
                #expect(plan.events.first?.type == .warning)
                #expect(plan.events.first?.message.hasPrefix("spec.schedule: invalid schedule \"0 0 31 2 *\"") == true)
                #expect(plan.status.nextScheduleTime == nil)
            }),
        DecisionCase(
            name: "same invalid spec seen again → no second Event",
            task: invalid.status(
                Decision.plan(for: Observation(task: invalid, now: Instants.justAfterTheHour)).status),
            now: Instants.halfPast, noEvents: ["InvalidSpec"], requeueAt: .never,
            check: { plan in #expect(!plan.writesStatus) }),
        DecisionCase(
            name: "spec fixed (generation 2) → InvalidSpec False, scheduling again",
            task: task.generation(2).status(
                Decision.plan(for: Observation(task: invalid, now: Instants.justAfterTheHour)).status
            )
            .scheduled(through: slot),
            now: Instants.halfPast, requeueAt: .at(Instants.nextHour),
            conditions: ["InvalidSpec=False/Valid", "Ready=True/Scheduled"],
            check: { plan in #expect(plan.status.observedGeneration == 2) }),
        DecisionCase(
            name: "invalid since creation, fixed at 10:30 → slots before the fix are neither run nor missed",
            task: ScheduledTask.fixture(created: Instants.midnight).guarantee(.onceOnly).catchUpWindow(86_400)
                .generation(2).status(
                    Decision.plan(
                        for: Observation(
                            task: ScheduledTask.fixture(schedule: "nope", created: Instants.midnight),
                            now: Instants.midnight.plus(minutes: 1))
                    ).status),
            now: Instants.halfPast, noEvents: ["Missed"], requeueAt: .at(Instants.nextHour), missedRuns: 0,
            check: { plan in #expect(plan.status.schedule?.since == Instants.halfPast) }),
        DecisionCase(
            name: "pod template names its PriorityClass → noted once per generation",
            task: task.templatePriorityClass("batch").tier(.high).scheduled(through: slot), now: Instants.halfPast,
            events: ["PriorityClassFromTemplate"]),
        DecisionCase(
            name: "PriorityClass note already given for this generation → not again",
            task: task.templatePriorityClass("batch").scheduled(through: slot).editingStatus {
                $0.observedGeneration = 1
            },
            now: Instants.halfPast,
            noEvents: ["PriorityClassFromTemplate"]),
        DecisionCase(
            name: "history: successful Jobs beyond the limit deleted oldest first (Background)",
            task: task.history(successful: 2).scheduled(through: slot),
            jobs: [
                finished(1, succeeded: true), finished(4, succeeded: true), finished(2, succeeded: true),
                finished(3, succeeded: true),
            ],
            now: Instants.halfPast,
            deletes: [
                jobName(slot.plus(hours: -4)) + ":HistoryLimit", jobName(slot.plus(hours: -3)) + ":HistoryLimit",
            ]),
        DecisionCase(
            name: "history: failed limit 0 deletes closed failures but not a slot whose retry is pending",
            task: task.guarantee(.onceOnly).history(failed: 0).scheduled(through: slot).editingStatus {
                $0.retries = [
                    .init(
                        scheduledTime: slot.plus(hours: -1), attempt: 2, job: jobName(slot.plus(hours: -1), attempt: 2),
                        notBefore: Instants.nextHour, startupFailures: 0, runFailures: 1)
                ]
            }, jobs: [finished(1, succeeded: false), finished(2, succeeded: false)], now: Instants.halfPast,
            deletes: [jobName(slot.plus(hours: -2)) + ":HistoryLimit"]),
        DecisionCase(
            name: "status.runs capped at runsLimit, newest last",
            task: task.history(runs: 3).scheduled(through: Instants.previousHour).editingStatus { status in
                status.runs = (1...5).map { hour in
                    .init(scheduledTime: Instants.midnight.plus(hours: Double(hour)), attempt: 1, phase: .skipped)
                }
            }, now: Instants.justAfterTheHour, creates: [jobName(slot)],
            check: { plan in
                #expect(
                    plan.status.runs?.map(\.scheduledTime) == [
                        Instants.midnight.plus(hours: 4), Instants.midnight.plus(hours: 5), slot,
                    ])
            }),
        DecisionCase(
            name: "nothing changed → no status write, conditions keep lastTransitionTime",
            task: task.status(
                Decision.plan(for: Observation(task: task.scheduled(through: slot), now: Instants.halfPast)).status),
            now: Instants.halfPast.plus(minutes: 1),
            check: { plan in
                #expect(!plan.writesStatus)
                #expect(plan.status.conditions?.allSatisfy { $0.lastTransitionTime == Instants.halfPast } == true)
            }),
        DecisionCase(
            name: "first reconcile writes the full status: observedGeneration, schedule, conditions, counters",
            task: ScheduledTask.fixture(created: Instants.topOfTheHour.plus(minutes: 10)), now: Instants.halfPast,
            requeueAt: .at(Instants.nextHour),
            conditions: [
                "Ready=True/Scheduled", "Suspended=False/NotSuspended", "Failing=False/NoFailures",
                "InvalidSpec=False/Valid",
            ],
            check: { plan in
                #expect(plan.writesStatus)
                #expect(plan.status.observedGeneration == 1)
                #expect(
                    plan.status.schedule
                        == .init(
                            expression: "0 * * * *", timeZone: "UTC", since: Instants.topOfTheHour.plus(minutes: 10)))
                #expect(plan.status.nextScheduleTime == Instants.nextHour)
                #expect(plan.status.missedRuns == 0)
                #expect(plan.status.activeRuns == 0)
            }),
        DecisionCase(
            name: "creates are dispatched before the status write, events, alerts and deletes",
            task: task.history(successful: 0).scheduled(through: Instants.previousHour).editingStatus {
                // Recorded, so its Job may be pruned.
                $0.runs = [
                    .init(
                        scheduledTime: Instants.previousHour, attempt: 1, job: jobName(Instants.previousHour),
                        phase: .succeeded, completionTime: Instants.previousHour.plus(minutes: 1))
                ]
            },
            jobs: [
                Job.fixture(for: task, slot: Instants.previousHour).succeeded(
                    at: Instants.previousHour.plus(minutes: 1))
            ],
            now: Instants.justAfterTheHour, creates: [jobName(slot)],
            deletes: [jobName(Instants.previousHour) + ":HistoryLimit"],
            check: { plan in
                let classes = plan.actions.map(\.dispatchClass)
                #expect(classes == classes.sorted())
                #expect(classes.first == .jobCreate)
                #expect(classes.last == .jobDelete)
            }),
    ]

    @Test(arguments: cases)
    func decide(_ row: DecisionCase) { row.verify() }

    @Test("Failing keeps its lastTransitionTime while failures accumulate; cleared by a success")
    func failingTransitions() {
        let failedOnce = Decision.plan(
            for: Observation(
                task: Self.task.withActiveRun(slot: Self.slot),
                jobs: [Job.fixture(for: Self.task, slot: Self.slot).failed(at: Self.slot.plus(minutes: 1))],
                now: Self.slot.plus(minutes: 1)))
        let failing = failedOnce.status.conditions?.first { $0.type == "Failing" }
        #expect(failing?.status == "True")
        let next = Instants.nextHour
        let again = Decision.plan(
            for: Observation(
                task: Self.task.status(failedOnce.status).withActiveRun(slot: next),
                jobs: [Job.fixture(for: Self.task, slot: next).failed(at: next.plus(minutes: 1))],
                now: next.plus(minutes: 2)))
        #expect(again.status.consecutiveFailures == 2)
        #expect(
            again.status.conditions?.first { $0.type == "Failing" }?.lastTransitionTime == failing?.lastTransitionTime)
    }
}
