import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// Pre-allocation: placeholder Pods from slot − leadSeconds until the slot, and never after.
@Suite("Decision: pre-allocation placeholders")
struct DecisionPreallocationTests {
    /// Hourly, five minutes of lead, 09:00 already run.
    static let task = ScheduledTask.fixture().preAllocate(lead: 300).tier(.critical)
    static let slot = Instants.topOfTheHour
    static let windowStart = slot.plus(minutes: -5)
    static let ready = task.scheduled(through: Instants.previousHour)

    /// The name of placeholder `index` for `slot`.
    static func hold(_ index: Int, _ slot: Date = slot, task: String = "report") -> String {
        PlaceholderBuilder.name(jobName: JobNaming.name(task: task, slot: slot), index: index)
    }

    /// Placeholders 0..<count of `slot`, as created at the window's start.
    static func held(_ task: ScheduledTask, count: Int = 1, slot: Date = slot) -> [Pod] {
        (0..<count).map { Pod.placeholder(for: task, slot: slot, index: $0, created: windowStart) }
    }

    /// A status recording the reservation of `slot`.
    static func reserving(
        _ task: ScheduledTask, pods: Int = 1, placed: Int = 0,
        phase: ScheduledTaskStatus.Reservation.Phase = .pending, slot: Date = slot
    ) -> ScheduledTask {
        task.editingStatus { $0.reservation = .init(slot: slot, pods: pods, placed: placed, phase: phase) }
    }

    static let refusal = "0/3 nodes are available: 3 Insufficient cpu."
    static let running = Job.fixture(for: task, slot: Instants.previousHour).started(at: Instants.previousHour)

    static let cases: [DecisionCase] = [
        DecisionCase(
            name: "before slot − lead → nothing held, requeued at slot − lead",
            task: ready, now: windowStart.plus(seconds: -10), requeueAt: .at(windowStart),
            check: { plan in #expect(plan.status.reservation == nil) }),
        DecisionCase(
            name: "at slot − lead → one placeholder per parallel pod, reservation Pending, requeued at the slot",
            task: ready.jobSpec("parallelism", 3), now: windowStart, holds: [hold(0), hold(1), hold(2)],
            events: ["Reserving"], requeueAt: .at(slot),
            check: { plan in
                #expect(plan.status.reservation == .init(slot: slot, pods: 3, placed: 0, phase: .pending))
                #expect(plan.placeholderCreations.allSatisfy { $0.slot == slot })
            }),
        DecisionCase(
            name: "parallelism above completions → completions placeholders",
            task: ready.jobSpec("parallelism", 4).jobSpec("completions", 2), now: windowStart,
            holds: [hold(0), hold(1)]),
        DecisionCase(
            name: "placeholders exist but not yet scheduled → no duplicate creates, no second Reserving",
            task: reserving(ready), pods: held(task), now: windowStart.plus(seconds: 5), noEvents: ["Reserving"],
            check: { plan in #expect(plan.status.reservation?.phase == .pending) }),
        DecisionCase(
            name: "one of two placeholders lost → recreated",
            task: reserving(ready.jobSpec("parallelism", 2), pods: 2), pods: [held(task)[0]],
            now: windowStart.plus(seconds: 30), holds: [hold(1)]),
        DecisionCase(
            name: "every placeholder placed → Reserved, with an Event once",
            task: reserving(ready.jobSpec("parallelism", 2), pods: 2),
            pods: held(task, count: 2).map { $0.placed(since: windowStart.plus(seconds: 2)) },
            now: windowStart.plus(seconds: 3), events: ["Reserved"],
            check: { plan in
                #expect(plan.status.reservation == .init(slot: slot, pods: 2, placed: 2, phase: .reserved))
            }),
        DecisionCase(
            name: "already Reserved → no Event again",
            task: reserving(ready, placed: 1, phase: .reserved),
            pods: held(task).map { $0.placed(since: windowStart) }, now: windowStart.plus(seconds: 60),
            noEvents: ["Reserved", "Reserving"]),
        DecisionCase(
            name: "one placed, one refused → Partial with the scheduler's message",
            task: reserving(ready.jobSpec("parallelism", 2), pods: 2),
            pods: [
                held(task, count: 2)[0].placed(since: windowStart),
                held(task, count: 2)[1].unschedulable(message: refusal),
            ],
            now: windowStart.plus(seconds: 3),
            check: { plan in
                #expect(
                    plan.status.reservation
                        == .init(slot: slot, pods: 2, placed: 1, phase: .partial, message: refusal))
            }),
        DecisionCase(
            name: "every placeholder refused → Unschedulable",
            task: reserving(ready), pods: held(task).map { $0.unschedulable(message: refusal) },
            now: windowStart.plus(seconds: 3),
            check: { plan in
                #expect(plan.status.reservation?.phase == .unschedulable)
                #expect(plan.status.reservation?.message == refusal)
            }),
        DecisionCase(
            name: "slot due → Job created, then its placeholders deleted in the same plan",
            task: reserving(ready, placed: 1, phase: .reserved), pods: held(task).map { $0.placed(since: windowStart) },
            now: slot, creates: [jobName(slot)], releases: [hold(0) + ":SlotDue"], events: ["Created"],
            noEvents: ["ReservationUnschedulable"], requeueAt: .at(Instants.nextHour.plus(minutes: -5)),
            check: { plan in
                #expect(plan.status.reservation == nil)
                let kinds = plan.actions.map(\.dispatchClass)
                #expect(kinds.prefix(2) == [.jobCreate, .placeholderDelete])
            }),
        DecisionCase(
            name: "slot due with the reservation unplaced → ReservationUnschedulable Warning, placeholders deleted",
            task: reserving(ready, phase: .unschedulable), pods: held(task).map { $0.unschedulable(message: refusal) },
            now: slot.plus(seconds: 1), creates: [jobName(slot)], releases: [hold(0) + ":SlotDue"],
            events: ["Created", "ReservationUnschedulable"],
            check: { plan in
                let warning = plan.events.first { $0.reason == "ReservationUnschedulable" }
                #expect(warning?.type == .warning)
                #expect(warning?.message.contains("only 0 of 1") == true)
                #expect(warning?.message.contains(refusal) == true)
            }),
        DecisionCase(
            name: "slot due under Forbid with a run still active → Skipped, placeholders deleted anyway",
            task: reserving(
                ScheduledTask.fixture().preAllocate(lead: 300).concurrency(.forbid)
                    .withActiveRun(slot: Instants.previousHour)),
            jobs: [running], pods: [running.pod.running(since: Instants.previousHour)] + held(task),
            now: slot.plus(seconds: 1), releases: [hold(0) + ":SlotDue"], events: ["Skipped"],
            runs: ["10:00 Skipped ConcurrencyForbidden"]),
        DecisionCase(
            name: "suspended during the window → placeholders deleted, no reservation",
            task: reserving(ready.suspended()), pods: held(task), now: windowStart.plus(minutes: 1),
            releases: [hold(0) + ":NotWanted"], noEvents: ["ReservationUnschedulable"],
            check: { plan in #expect(plan.status.reservation == nil) }),
        DecisionCase(
            name: "preAllocate removed → placeholders deleted",
            task: reserving(ScheduledTask.fixture().scheduled(through: Instants.previousHour)), pods: held(task),
            now: windowStart.plus(minutes: 1), releases: [hold(0) + ":NotWanted"]),
        DecisionCase(
            name: "invalid spec → placeholders deleted",
            task: reserving(ready.schedule("61 * * * *")), pods: held(task), now: windowStart.plus(minutes: 1),
            releases: [hold(0) + ":NotWanted"]),
        DecisionCase(
            name: "schedule moved to :30 → the 10:00 placeholders go; the 10:30 window is not open yet",
            task: reserving(ready.schedule("30 * * * *")), pods: held(task), now: windowStart.plus(minutes: 1),
            releases: [hold(0) + ":NotWanted"], requeueAt: .at(Instants.halfPast.plus(minutes: -5))),
        DecisionCase(
            name: "pod template edited → outdated placeholder deleted; its successor follows the delete",
            task: reserving(ready.podSpec("nodeSelector", ["pool": "batch"])), pods: held(task),
            now: windowStart.plus(minutes: 1), releases: [hold(0) + ":Outdated"]),
        DecisionCase(
            name: "placeholder preempted (Failed) → deleted to be recreated",
            task: reserving(ready),
            pods: held(task).map {
                var pod = $0
                pod.status = PodStatus(phase: "Failed", reason: "Preempted")
                return pod
            },
            now: windowStart.plus(minutes: 1), releases: [hold(0) + ":Ended"]),
        DecisionCase(
            name: "placeholder already being deleted → neither deleted again nor recreated",
            task: reserving(ready.suspended()), pods: held(task).map { $0.deleting(since: windowStart) },
            now: windowStart.plus(minutes: 1)),
        DecisionCase(
            name: "orphans after a failover: a past slot's placeholders deleted, no warning without a record",
            task: task.scheduled(through: slot), pods: held(task), now: Instants.halfPast,
            releases: [hold(0) + ":SlotDue"], noEvents: ["ReservationUnschedulable"]),
        DecisionCase(
            name: "a namesake's placeholder (other owner uid) is left to the garbage collector",
            task: ready,
            pods: held(task.with { $0.metadata.uid = "uid-old" }), now: windowStart.plus(seconds: -10)),
        DecisionCase(
            name: "lead longer than the interval → at each slot the next slot's placeholders follow at once",
            task: reserving(
                ScheduledTask.fixture(schedule: "*/5 * * * *").preAllocate(lead: 600)
                    .scheduled(through: slot.plus(minutes: -5))),
            pods: held(ScheduledTask.fixture(schedule: "*/5 * * * *").preAllocate(lead: 600)).map {
                $0.placed(since: windowStart)
            },
            now: slot, creates: [jobName(slot)], holds: [hold(0, slot.plus(minutes: 5))],
            releases: [hold(0) + ":SlotDue"], events: ["Created", "Reserving"],
            check: { plan in #expect(plan.status.reservation?.slot == slot.plus(minutes: 5)) }),
        DecisionCase(
            name: "jitter → the window is relative to the jittered due instant",
            task: ready.jitter(1), now: windowStart, holds: [hold(0)]),
        DecisionCase(
            name: "template names its PriorityClass → the Job keeps it, placeholders stay punctual-placeholder",
            task: ready.templatePriorityClass("batch-critical"), now: windowStart, holds: [hold(0)],
            events: ["PriorityClassFromTemplate", "Reserving"],
            check: { plan in
                let pod = plan.placeholderCreations.first?.pod
                #expect(pod?[path: ["spec", "priorityClassName"]] == "punctual-placeholder")
            }),
    ]

    @Test(arguments: cases)
    func decide(_ row: DecisionCase) { row.verify() }

    @Test("jitter: the window opens lead seconds before the jittered due instant, not the nominal slot")
    func jitter() {
        let task = Self.ready.jitter(600)
        let offset = Jitter.offset(seed: task.metadata.uid ?? "", jitterSeconds: 600)
        #expect(offset > 0)
        let opens = Self.windowStart.addingTimeInterval(offset)
        let before = Decision.plan(for: Observation(task: task, now: opens.addingTimeInterval(-1)))
        #expect(before.placeholderCreations.isEmpty)
        #expect(before.requeueAt == opens)
        let at = Decision.plan(for: Observation(task: task, now: opens))
        #expect(at.placeholderCreations.map(\.slot) == [Self.slot])
    }

    @Test("the placeholder image comes from the controller settings")
    func image() {
        let plan = Decision.plan(
            for: Observation(
                task: Self.ready, now: Self.windowStart,
                settings: ControllerSettings(placeholderImage: "mirror.example/pause:3.10")))
        let pod = plan.placeholderCreations.first?.pod
        #expect(pod?[path: ["spec", "containers"]]?.arrayValue?.first?["image"] == "mirror.example/pause:3.10")
    }

    @Test("a crash after the placeholders were created: the next leader decides the same, creating nothing twice")
    func idempotent() {
        let first = Decision.plan(for: Observation(task: Self.ready, now: Self.windowStart))
        let created = first.placeholderCreations.enumerated().map {
            Pod.placeholder(for: Self.task, slot: $0.element.slot, index: $0.offset, created: Self.windowStart)
        }
        // The status write was lost: the next leader sees the Pods but no reservation.
        let second = Decision.plan(
            for: Observation(task: Self.ready, pods: created, now: Self.windowStart.plus(seconds: 1)))
        #expect(second.placeholderCreations.isEmpty)
        #expect(second.placeholderDeletions.isEmpty)
        #expect(second.status.reservation?.slot == Self.slot)
    }
}
