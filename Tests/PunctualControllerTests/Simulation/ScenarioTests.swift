import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// Multi-step scenarios in virtual time: the decision, applied to an in-memory world, over days.
@Suite("Scenarios in virtual time")
struct ScenarioTests {
    static let start = Instants.topOfTheHour.plus(hours: -2)  // 08:00
    static let hourly = ScheduledTask.fixture(created: Instants.topOfTheHour.plus(days: -1))

    struct Downtime: Sendable, CustomTestStringConvertible {
        let name: String
        let task: ScheduledTask
        /// Slots created right after coming back (attempt 1), in order.
        let startedOnReturn: [Date]
        let missed: Int64
        var testDescription: String { name }
    }

    static let back = Instants.topOfTheHour.plus(days: 7)  // 10:00 a week later
    static let downtimeCases: [Downtime] = [
        Downtime(
            name: "Unlimited: only the latest missed slot starts", task: hourly, startedOnReturn: [back],
            missed: 7 * 24 - 1),
        Downtime(
            name: "OnceMost: the latest slot starts on time, none late", task: hourly.guarantee(.onceMost),
            startedOnReturn: [back], missed: 7 * 24 - 1),
        Downtime(
            name: "OnceOnly with a 2 h catch-up window: the slots inside it run late, oldest first",
            task: hourly.guarantee(.onceOnly).catchUpWindow(7200),
            startedOnReturn: [back.plus(hours: -1), back], missed: 7 * 24 - 2),
        Downtime(
            name: "OnceOnly with a 3 h catch-up window: three slots run late, oldest first",
            task: hourly.guarantee(.onceOnly).catchUpWindow(3 * 3600),
            startedOnReturn: [back.plus(hours: -2), back.plus(hours: -1), back], missed: 7 * 24 - 3),
    ]

    @Test("7 days without a controller, back 5 s after a slot", arguments: downtimeCases)
    func sevenDaysOfDowntime(_ row: Downtime) {
        var world = World(task: row.task.scheduled(through: Self.start.plus(hours: -1)), now: Self.start)
        world.run(until: Instants.topOfTheHour.plus(minutes: 30))
        #expect(world.createdSlots == [Self.start, Instants.previousHour, Instants.topOfTheHour])
        world.downtime(until: Self.back.plus(seconds: 5))
        let before = world.created.count
        world.run(until: Self.back.plus(minutes: 30, hours: 2).plus(seconds: 5))
        let after = world.created.dropFirst(before).map(\.slot)
        #expect(Array(after.prefix(row.startedOnReturn.count)) == row.startedOnReturn)
        #expect(
            Array(after.dropFirst(row.startedOnReturn.count)) == [Self.back.plus(hours: 1), Self.back.plus(hours: 2)])
        #expect(world.task.status?.missedRuns == row.missed)
        #expect(Set(world.createdSlots).count == world.createdSlots.count, "a slot was created twice")
        #expect(world.conflicts == 0)
        #expect(world.events.filter { $0.reason == "Missed" }.count == 1, "misses are reported once")
    }

    @Test("DST in America/New_York: 30 2 * * * fires once at the end of the spring-forward gap, once on fall-back")
    func daylightSaving() {
        let task = ScheduledTask.fixture(schedule: "30 2 * * *", created: Instants.at("2026-03-06T12:00:00Z"))
            .timeZone("America/New_York").guarantee(.onceOnly)
        var world = World(task: task, now: Instants.at("2026-03-07T00:00:00Z"))
        world.run(until: Instants.at("2026-03-10T00:00:00Z"))
        #expect(
            world.createdSlots == [
                Instants.at("2026-03-07T07:30:00Z"),  // 02:30 EST
                Instants.at("2026-03-08T07:00:00Z"),  // 02:30 does not exist: 03:00 EDT
                Instants.at("2026-03-09T06:30:00Z"),  // 02:30 EDT
            ])
        let autumn = task.schedule("30 1 * * *").with {
            $0.metadata.creationTimestamp = Instants.at("2026-10-30T12:00:00Z")
        }
        var fall = World(task: autumn, now: Instants.at("2026-10-31T00:00:00Z"))
        fall.run(until: Instants.at("2026-11-03T00:00:00Z"))
        #expect(
            fall.createdSlots == [
                Instants.at("2026-10-31T05:30:00Z"),  // 01:30 EDT
                Instants.at("2026-11-01T05:30:00Z"),  // first 01:30 (EDT) only
                Instants.at("2026-11-02T06:30:00Z"),  // 01:30 EST
            ])
        #expect(fall.task.status?.missedRuns == 0)
        #expect(world.task.status?.missedRuns == 0)
    }

    @Test("Queue: held slots drain in slot order, never two runs at once, expired ones Missed")
    func queueDrainsInOrder() {
        let task = ScheduledTask.fixture(schedule: "*/10 * * * *", created: Self.start)
            .guarantee(.onceOnly).catchUpWindow(1800).concurrency(.queue)
        var world = World(task: task, now: Self.start)
        world.script = { _ in RunScript(runsFor: 25 * 60) }
        world.run(until: Self.start.plus(hours: 3))
        let slots = world.createdSlots
        #expect(slots == slots.sorted())
        #expect(slots.count >= 6)
        #expect(world.peakActive == 1)
        #expect(world.events.contains { $0.reason == "Queued" })
        #expect((world.task.status?.missedRuns ?? 0) > 0, "slots held longer than the window are Missed")
        let missed = world.runs(.missed)
        #expect(missed.allSatisfy { !slots.contains($0.scheduledTime) })
    }

    @Test("OnceOnly retries with doubling backoff until the third attempt succeeds")
    func retriesWithBackoff() {
        let task = Self.hourly.guarantee(.onceOnly).retry(failure: 3, backoff: 30).scheduled(through: Self.start)
        var world = World(task: task, now: Self.start.plus(minutes: 30))
        world.script = { creation in RunScript(runsFor: 60, exitCode: creation.attempt < 3 ? 1 : 0) }
        world.run(until: Instants.previousHour.plus(minutes: 30))
        let attempts = world.created.map { ($0.attempt, $0.at) }
        #expect(attempts.map(\.0) == [1, 2, 3])
        let slot = Instants.previousHour
        // Attempt 1: created at 09:00, running at +3 s, failed at +63 s; retry 30 s later.
        #expect(attempts[1].1 == slot.plus(seconds: 63 + 30))
        // Attempt 2 fails 63 s after its creation; the backoff doubles to 60 s.
        #expect(attempts[2].1 == attempts[1].1.plus(seconds: 63 + 60))
        #expect(world.task.status?.runs?.last?.phase == .succeeded)
        #expect(world.task.status?.consecutiveFailures == 0)
        #expect(world.alerts.map(\.kind) == [.failed, .failed, .recovered])
        #expect(world.peakActive == 1)
    }

    @Test("Replace while running: each slot deletes the active run and starts its own")
    func replaceWhileRunning() {
        let task = Self.hourly.concurrency(.replace).scheduled(through: Self.start.plus(hours: -1))
        var world = World(task: task, now: Self.start)
        world.script = { _ in RunScript(runsFor: 90 * 60) }
        world.run(until: Instants.topOfTheHour.plus(minutes: 30))
        #expect(world.createdSlots == [Self.start, Instants.previousHour, Instants.topOfTheHour])
        #expect(world.deleted.map(\.reason) == [.replaced, .replaced])
        #expect(world.runs(.failed).map(\.reason) == ["Replaced", "Replaced"])
        #expect(world.task.status?.consecutiveFailures == 0)
        // The replaced Job goes one reconcile after the new one is created (once the mark is stored).
        #expect(world.peakActive == 2)
        #expect(world.task.status?.active?.map(\.scheduledTime) == [Instants.topOfTheHour])
    }

    @Test("OnceOnly Replace catching up after downtime, its status write lost: every slot is recorded")
    func replaceCatchUpSurvivesALostStatusWrite() {
        // 08:00 runs for hours; the controller is down from 08:00:05 to 10:00:30, so 09:00 and
        // 10:00 are caught up in one plan: 09:00 replaces 08:00 and is replaced by 10:00 at once.
        let task = Self.hourly.guarantee(.onceOnly).catchUpWindow(3 * 3600).concurrency(.replace)
            .scheduled(through: Self.start.plus(hours: -1))
        var world = World(task: task, now: Self.start)
        world.script = { _ in RunScript(runsFor: 5 * 3600) }
        world.run(until: Self.start.plus(seconds: 5))
        world.downtime(until: Instants.topOfTheHour.plus(seconds: 30))
        // The leader dies after that plan's creates (and anything else it sent) but before its
        // status is stored; the next leader starts from the status of 08:00.
        world.droppedStatusWrites = 1
        world.run(until: Instants.nextHour.plus(minutes: 5))
        #expect(world.createdSlots == [Self.start, Instants.previousHour, Instants.topOfTheHour, Instants.nextHour])
        #expect(
            (world.task.status?.runs ?? []).map(render) == [
                "08:00 Failed Replaced", "09:00 Failed Replaced", "10:00 Failed Replaced", "11:00 Running",
            ])
        #expect(world.alerts.isEmpty)
    }

    @Test("history pruning keeps successfulJobsLimit finished Jobs and runsLimit entries")
    func historyPruning() {
        let task = ScheduledTask.fixture(schedule: "*/10 * * * *", created: Self.start).history(successful: 2, runs: 5)
        var world = World(task: task, now: Self.start)
        world.run(until: Self.start.plus(minutes: 5, hours: 3))
        #expect(world.created.count == 18)  // 08:10 ... 11:00; 08:00 is the creation instant
        let finished = world.materialize().jobs.filter(\.isComplete)
        #expect(finished.count <= 3)  // the limit, plus the one finished since the last prune
        #expect(world.deleted.allSatisfy { $0.reason == .historyLimit })
        #expect(world.task.status?.runs?.count == 5)
        #expect(world.task.status?.runs?.last?.scheduledTime == Self.start.plus(hours: 3))
    }

    @Test("suspend at 10:30, resume at 15:30: nothing in between is run or missed")
    func suspendAndResume() {
        var world = World(task: Self.hourly.scheduled(through: Self.start.plus(hours: -1)), now: Self.start)
        world.run(until: Instants.halfPast)
        world.task = world.task.suspended().generation(2)
        world.run(until: Instants.halfPast.plus(hours: 5))
        world.task = world.task.suspended(false).generation(3)
        world.run(until: Instants.halfPast.plus(hours: 7))
        #expect(
            world.createdSlots == [
                Self.start, Instants.previousHour, Instants.topOfTheHour, Instants.topOfTheHour.plus(hours: 6),
                Instants.topOfTheHour.plus(hours: 7),
            ])
        #expect(world.task.status?.missedRuns == 0)
        #expect(
            world.events.map(\.reason).filter { ["Suspended", "Resumed"].contains($0) } == ["Suspended", "Resumed"])
    }

    @Test("schedule edit at 10:35 (hourly → every 15 min): the next run is 10:45, nothing before it")
    func scheduleEdit() {
        var world = World(
            task: Self.hourly.guarantee(.onceOnly).catchUpWindow(3600).scheduled(through: Self.start), now: Self.start)
        world.run(until: Instants.topOfTheHour.plus(minutes: 35))
        world.task = world.task.schedule("*/15 * * * *").generation(2)
        world.run(until: Instants.nextHour.plus(minutes: 1))
        #expect(
            world.createdSlots == [
                Instants.previousHour, Instants.topOfTheHour, Instants.topOfTheHour.plus(minutes: 45),
                Instants.nextHour,
            ])
        #expect(!world.createdSlots.contains(Instants.topOfTheHour.plus(minutes: 15)))
        #expect(!world.createdSlots.contains(Instants.topOfTheHour.plus(minutes: 30)))
        #expect(world.task.status?.missedRuns == 0)
    }

    @Test("image pull stuck for ever: every run deleted at its starting deadline and Missed, task never blocked")
    func stuckPending() {
        let task = Self.hourly.concurrency(.forbid).startingDeadline(120).scheduled(through: Self.start.plus(hours: -1))
        var world = World(task: task, now: Self.start)
        world.script = { _ in .stuck(reason: "ImagePullBackOff", message: "Back-off pulling image \"nope\"") }
        world.run(until: Instants.topOfTheHour.plus(minutes: 30))
        #expect(world.createdSlots == [Self.start, Instants.previousHour, Instants.topOfTheHour])
        #expect(
            world.deleted.map(\.reason) == [
                .startingDeadlineExceeded, .startingDeadlineExceeded, .startingDeadlineExceeded,
            ])
        #expect(world.task.status?.missedRuns == 3)
        #expect(world.runs(.skipped).isEmpty)
        #expect(world.runs(.missed).allSatisfy { $0.message?.contains("ImagePullBackOff") == true })
    }

    @Test("crash between Job create and status write: the run is adopted, never doubled")
    func crashBetweenCreateAndStatus() {
        var world = World(task: Self.hourly.scheduled(through: Self.start.plus(hours: -1)), now: Self.start)
        world.droppedStatusWrites = 1
        world.reconcile()
        #expect(world.created.count == 1)
        #expect(world.task.status?.lastScheduleTime == Self.start.plus(hours: -1))
        world.now = Self.start.plus(seconds: 1)
        world.run(until: Instants.topOfTheHour.plus(minutes: 30))
        #expect(world.createdSlots == [Self.start, Instants.previousHour, Instants.topOfTheHour])
        #expect(world.events.contains { $0.reason == "Adopted" })
        #expect(world.conflicts == 0)
    }

    @Test("two controllers deciding at once: the second create answers 409, one Job per slot")
    func twoControllers() {
        var world = World(task: Self.hourly.scheduled(through: Self.start.plus(hours: -1)), now: Self.start)
        let observation = world.observation
        let first = Decision.plan(for: observation)
        let second = Decision.plan(for: observation)
        world.apply(first)
        world.apply(second)
        #expect(world.created.count == 1)
        #expect(world.conflicts == 1)
        world.run(until: Instants.topOfTheHour.plus(minutes: 30))
        #expect(world.createdSlots == [Self.start, Instants.previousHour, Instants.topOfTheHour])
    }

    @Test("pre-allocation over a day: placeholders from slot − lead exactly until their slot's Job is created")
    func preallocationWindows() {
        let task = Self.hourly.preAllocate(lead: 300).jobSpec("parallelism", 2)
        var world = World(task: task.scheduled(through: Self.start.plus(hours: -1)), now: Self.start)
        world.run(until: Self.start.plus(minutes: -2, hours: 24))
        let slots = (1...24).map { Self.start.plus(hours: Double($0)) }
        #expect(world.createdSlots == [Self.start] + slots.dropLast())
        #expect(world.placeholderLog.count == 2 * 24)
        for entry in world.placeholderLog {
            #expect(entry.created == entry.slot.plus(minutes: -5), "\(entry.name) created")
            if entry.slot < world.now {
                #expect(entry.deleted == entry.slot, "\(entry.name) deleted")
                #expect(world.created.contains { $0.slot == entry.slot && $0.at == entry.slot })
            }
        }
        #expect(world.placeholders.count == 2)  // the next slot's, held at the end
        #expect(world.events.filter { $0.reason == "Reserved" }.count == 24)
        #expect(!world.events.contains { $0.reason == "ReservationUnschedulable" })
        #expect(world.conflicts == 0)
    }

    @Test("controller down across a reserved slot: the placeholders are deleted at its return, never reused")
    func preallocationOrphans() {
        let task = Self.hourly.preAllocate(lead: 300)
        var world = World(task: task.scheduled(through: Self.start.plus(hours: -1)), now: Self.start)
        world.run(until: Instants.previousHour.plus(minutes: -2))  // 08:58: the 09:00 placeholder is held
        #expect(world.placeholders.count == 1)
        world.downtime(until: Instants.previousHour.plus(minutes: 20))
        world.reconcile()
        #expect(world.placeholders.isEmpty)
        #expect(world.placeholderLog.last?.deleted == Instants.previousHour.plus(minutes: 20))
        #expect(world.events.contains { $0.reason == "ReservationUnschedulable" } == false)
    }
}
