import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// Slots, the cursor, guarantees after downtime, edits, suspension, jitter.
@Suite("Decision: which slots run")
struct DecisionSchedulingTests {
    static let hourly = ScheduledTask.fixture()
    /// Created a month before the instants, so downtime tests are not bounded by creation.
    static let old = ScheduledTask.fixture(created: Instants.topOfTheHour.plus(days: -30))
    static let weekAgo = Instants.topOfTheHour.plus(days: -7)
    static let jitter = Jitter.offset(seed: "uid-report", jitterSeconds: 600)

    static let cases: [DecisionCase] = [
        DecisionCase(
            name: "slot due, nothing active → the slot's Job is created",
            task: hourly.scheduled(through: Instants.previousHour),
            now: Instants.justAfterTheHour, creates: [jobName(Instants.topOfTheHour)], events: ["Created"],
            runs: ["10:00 Pending"], requeueAt: .at(Instants.nextHour), lastScheduleTime: Instants.topOfTheHour),
        DecisionCase(
            name: "one second before the slot → nothing, requeue exactly at the slot",
            task: hourly.scheduled(through: Instants.previousHour), now: Instants.topOfTheHour.plus(seconds: -1),
            requeueAt: .at(Instants.topOfTheHour)),
        DecisionCase(
            name: "jitter: not due before slot + offset, requeue at slot + offset",
            task: hourly.jitter(600).scheduled(through: Instants.previousHour),
            now: Instants.topOfTheHour.plus(seconds: jitter - 1),
            requeueAt: .at(Instants.topOfTheHour.plus(seconds: jitter)),
            check: { plan in #expect(plan.status.nextScheduleTime == Instants.topOfTheHour) }),
        DecisionCase(
            name: "jitter: due at slot + offset, the name keeps the nominal slot",
            task: hourly.jitter(600).scheduled(through: Instants.previousHour),
            now: Instants.topOfTheHour.plus(seconds: jitter), creates: [jobName(Instants.topOfTheHour)],
            runs: ["10:00 Pending"], requeueAt: .at(Instants.nextHour.plus(seconds: jitter))),
        DecisionCase(
            name: "new task: slots count from its creation, not before",
            task: ScheduledTask.fixture(created: Instants.topOfTheHour.plus(minutes: -30)),
            now: Instants.justAfterTheHour,
            creates: [jobName(Instants.topOfTheHour)], noEvents: ["Missed"], missedRuns: 0),
        DecisionCase(
            name: "Unlimited, 7 days of downtime → only the latest slot starts, 167 older ones Missed once",
            task: old.scheduled(through: weekAgo), now: Instants.justAfterTheHour,
            creates: [jobName(Instants.topOfTheHour)], events: ["Missed", "Created"], alerts: [.missed],
            runs: ["09:00 Missed Superseded", "10:00 Pending"], missedRuns: 167, consecutiveFailures: 167),
        DecisionCase(
            name: "Unlimited with startingDeadlineSeconds, latest slot too old → Missed, not started",
            task: old.startingDeadline(60).scheduled(through: weekAgo), now: Instants.topOfTheHour.plus(minutes: 2),
            runs: ["10:00 Missed StartingDeadlineExceeded"], missedRuns: 168,
            lastScheduleTime: Instants.topOfTheHour),
        DecisionCase(
            name: "OnceMost, 7 days of downtime, back on time → latest slot starts, 167 Missed",
            task: old.guarantee(.onceMost).scheduled(through: weekAgo), now: Instants.justAfterTheHour,
            creates: [jobName(Instants.topOfTheHour)], missedRuns: 167),
        DecisionCase(
            name: "OnceMost, back 6 minutes after the slot (no deadline set) → missed while down, never run late",
            task: old.guarantee(.onceMost).scheduled(through: weekAgo), now: Instants.topOfTheHour.plus(minutes: 6),
            runs: ["10:00 Missed StartingDeadlineExceeded"], requeueAt: .at(Instants.nextHour), missedRuns: 168),
        DecisionCase(
            name: "OnceOnly, 7 days of downtime, 3 h catch-up window → last 3 slots run late oldest first, 165 Missed",
            task: old.guarantee(.onceOnly).catchUpWindow(3 * 3600).scheduled(through: weekAgo),
            now: Instants.justAfterTheHour,
            creates: [
                jobName(Instants.topOfTheHour.plus(hours: -2)), jobName(Instants.previousHour),
                jobName(Instants.topOfTheHour),
            ],
            runs: ["07:00 Missed OutsideCatchUpWindow", "08:00 Pending Late", "09:00 Pending Late", "10:00 Pending"],
            missedRuns: 165),
        DecisionCase(
            name: "OnceOnly, no catch-up window, 6 minutes late → Missed (on-time window 300 s)",
            task: old.guarantee(.onceOnly).scheduled(through: Instants.previousHour),
            now: Instants.topOfTheHour.plus(minutes: 6), runs: ["10:00 Missed OutsideCatchUpWindow"], missedRuns: 1),
        DecisionCase(
            name: "OnceOnly catch-up iterates the schedule exactly: 30 10,11,12 * * 1-5 across a weekend",
            task: old.schedule("30 10,11,12 * * 1-5").guarantee(.onceOnly).catchUpWindow(2 * 86_400)
                .scheduled(through: Instants.at("2026-05-29T12:30:00Z")),
            now: Instants.at("2026-06-01T11:31:00Z"),
            creates: [jobName(Instants.at("2026-06-01T10:30:00Z")), jobName(Instants.at("2026-06-01T11:30:00Z"))],
            missedRuns: 0,
            check: { plan in #expect(plan.status.nextScheduleTime == Instants.at("2026-06-01T12:30:00Z")) }),
        DecisionCase(
            name: "OnceOnly irregular schedule, 1 h window → the weekend-skipping slot before it is Missed",
            task: old.schedule("30 10,11,12 * * 1-5").guarantee(.onceOnly).catchUpWindow(3600)
                .scheduled(through: Instants.at("2026-05-29T12:30:00Z")),
            now: Instants.at("2026-06-01T11:31:00Z"), creates: [jobName(Instants.at("2026-06-01T11:30:00Z"))],
            runs: ["10:30 Missed OutsideCatchUpWindow"], missedRuns: 1),
        DecisionCase(
            name: "OnceOnly catch-up is capped per reconcile; the rest follow immediately",
            task: old.guarantee(.onceOnly).catchUpWindow(86_400).scheduled(
                through: Instants.topOfTheHour.plus(days: -1)),
            now: Instants.justAfterTheHour, settings: ControllerSettings(maximumCatchUpSlots: 2),
            creates: [
                jobName(Instants.topOfTheHour.plus(hours: -23)), jobName(Instants.topOfTheHour.plus(hours: -22)),
            ],
            requeueAt: .at(Instants.justAfterTheHour)),
        DecisionCase(
            name: "suspended at its slot → no run, Suspended, no requeue",
            task: hourly.suspended().scheduled(through: Instants.previousHour), now: Instants.justAfterTheHour,
            events: ["Suspended"], requeueAt: .never,
            conditions: ["Suspended=True/Suspended", "Ready=False/Suspended"],
            check: { plan in #expect(plan.status.nextScheduleTime == nil) }),
    ]

    @Test(arguments: cases)
    func decide(_ row: DecisionCase) { row.verify() }

    // MARK: - Edits and suspension never create past runs, for every guarantee

    /// Each guarantee in the form that would otherwise run a past slot.
    static let guarantees: [ScheduledTask] = [
        old, old.guarantee(.onceMost), old.guarantee(.onceOnly).catchUpWindow(86_400),
    ]

    @Test("schedule edit at 10:45 (0 * → 30 *): the 10:30 slot before the edit is not run", arguments: guarantees)
    func scheduleEdit(_ task: ScheduledTask) {
        let edited = task.scheduled(through: Instants.topOfTheHour).schedule("30 * * * *").generation(2)
        DecisionCase(
            name: "schedule edit", task: edited, now: Instants.topOfTheHour.plus(minutes: 45),
            events: ["ScheduleChanged"],
            noEvents: ["Missed"], requeueAt: .at(Instants.nextHour.plus(minutes: 30)), missedRuns: 0,
            check: { plan in
                #expect(plan.status.schedule?.expression == "30 * * * *")
                #expect(plan.status.schedule?.since == Instants.topOfTheHour.plus(minutes: 45))
            }
        ).verify()
    }

    @Test(
        "time zone edit UTC → Asia/Shanghai: today's 10:00 Shanghai (02:00Z) is before the edit", arguments: guarantees)
    func timeZoneEdit(_ task: ScheduledTask) {
        let edited = task.schedule("0 10 * * *").scheduled(through: Instants.at("2026-05-31T10:00:00Z"))
            .timeZone("Asia/Shanghai")
        DecisionCase(
            name: "zone edit", task: edited, now: Instants.at("2026-06-01T03:00:00Z"), noEvents: ["Missed"],
            requeueAt: .at(Instants.at("2026-06-02T02:00:00Z")), missedRuns: 0
        ).verify()
    }

    @Test("resume at 10:00:03 after suspension since 05:00: nothing fell due is run or missed", arguments: guarantees)
    func resume(_ task: ScheduledTask) {
        let resumed = task.scheduled(through: Instants.topOfTheHour.plus(hours: -6)).editingStatus {
            $0.conditions = [
                .init(
                    type: "Suspended", status: "True", reason: "Suspended",
                    lastTransitionTime: Instants.at("2026-06-01T05:00:00Z"))
            ]
        }
        DecisionCase(
            name: "resume", task: resumed, now: Instants.justAfterTheHour, events: ["Resumed"], noEvents: ["Missed"],
            requeueAt: .at(Instants.nextHour), missedRuns: 0,
            conditions: ["Suspended=False/Resumed", "Ready=True/Scheduled"]
        ).verify()
        // One hour later the first slot after the resume runs, still with nothing missed.
        let plan = Decision.plan(for: Observation(task: resumed, now: Instants.justAfterTheHour))
        DecisionCase(
            name: "after resume", task: resumed.status(plan.status), now: Instants.nextHour.plus(seconds: 1),
            creates: [jobName(Instants.nextHour)], missedRuns: 0
        ).verify()
    }

    @Test("misses are recorded once: the next reconcile does not rediscover them")
    func missesRecordedOnce() {
        let first = Decision.plan(
            for: Observation(task: Self.old.scheduled(through: Self.weekAgo), now: Instants.justAfterTheHour))
        let created = Job.fixture(for: Self.old, slot: Instants.topOfTheHour)
        DecisionCase(
            name: "second look", task: Self.old.status(first.status), jobs: [created],
            now: Instants.justAfterTheHour.plus(seconds: 2), noEvents: ["Missed", "Created"], alerts: [],
            missedRuns: 167
        ).verify()
    }

    @Test("every-minute schedule after 7 days of downtime: latest slot via previous(atOrBefore:), count capped")
    func longDowntimeIsCheap() {
        let task = Self.old.schedule("* * * * *").scheduled(through: Self.weekAgo)
        let clock = ContinuousClock()
        var plan: Plan?
        let elapsed = clock.measure {
            plan = Decision.plan(for: Observation(task: task, now: Instants.justAfterTheHour))
        }
        #expect(plan?.jobCreations.map(\.name) == [jobName(Instants.topOfTheHour)])
        #expect(plan?.status.missedRuns == 1000)
        #expect(plan?.events.contains { $0.message.hasPrefix("at least 1000 slots") } == true)
        #expect((plan?.status.runs ?? []).count == 20)
        #expect(elapsed < .seconds(2))
    }
}
