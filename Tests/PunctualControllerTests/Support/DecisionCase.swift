import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

/// One row of a decision table: what the controller observes and what the plan must contain.
///
/// Expectations left at their defaults are not checked, except `creates`, `deletes`, `holds` and
/// `releases`, which are exact: a decision that creates or deletes something unexpected fails
/// every table.
struct DecisionCase: Sendable, CustomTestStringConvertible {
    let name: String
    var task: ScheduledTask
    var jobs: [Job] = []
    var pods: [Pod] = []
    var now: Date
    var settings = ControllerSettings()
    /// Whether the task's status is stored (false: the controller's unwritten status overlay).
    var isStatusStored = true

    /// Names of the Jobs created, in order.
    var creates: [String] = []
    /// `name:Reason` of the Jobs deleted, in order.
    var deletes: [String] = []
    /// Names of the placeholder Pods created, in order.
    var holds: [String] = []
    /// `name:Reason` of the placeholder Pods deleted, in order.
    var releases: [String] = []
    /// Event reasons that must appear (in this relative order).
    var events: [String] = []
    /// Event reasons that must not appear.
    var noEvents: [String] = []
    /// Alert kinds that must be planned, in order.
    var alerts: [PlannedAlert.Kind]? = nil
    /// History entries that must be present, as rendered by ``render(_:)``.
    var runs: [String] = []
    var requeueAt: Requeue = .unchecked
    var missedRuns: Int64? = nil
    var lastScheduleTime: Date? = nil
    var consecutiveFailures: Int? = nil
    /// `type=status/reason` of conditions that must be set.
    var conditions: [String] = []
    /// Extra checks on the plan.
    var check: (@Sendable (Plan) -> Void)? = nil

    var testDescription: String { name }

    enum Requeue: Sendable {
        case unchecked
        case never
        case at(Date)
    }

    var observation: Observation {
        Observation(task: task, jobs: jobs, pods: pods, now: now, settings: settings, isStatusStored: isStatusStored)
    }

    /// Decides and checks every expectation.
    func verify(sourceLocation: SourceLocation = #_sourceLocation) {
        let plan = Decision.plan(for: observation)
        #expect(plan.jobCreations.map(\.name) == creates, "creates", sourceLocation: sourceLocation)
        #expect(
            plan.jobDeletions.map { "\($0.name):\($0.reason.rawValue)" } == deletes, "deletes",
            sourceLocation: sourceLocation)
        #expect(plan.placeholderCreations.map(\.name) == holds, "holds", sourceLocation: sourceLocation)
        #expect(
            plan.placeholderDeletions.map { "\($0.name):\($0.reason.rawValue)" } == releases, "releases",
            sourceLocation: sourceLocation)
        let reasons = plan.events.map(\.reason)
        #expect(reasons.isOrderedSuperset(of: events), "events \(reasons)", sourceLocation: sourceLocation)
        for reason in noEvents {
            #expect(!reasons.contains(reason), "unexpected event \(reason)", sourceLocation: sourceLocation)
        }
        if let alerts {
            #expect(plan.alerts.map(\.kind) == alerts, "alerts", sourceLocation: sourceLocation)
        }
        let rendered = (plan.status.runs ?? []).map(render)
        for run in runs {
            #expect(rendered.contains(run), "runs \(rendered)", sourceLocation: sourceLocation)
        }
        switch requeueAt {
        case .unchecked: break
        case .never: #expect(plan.requeueAt == nil, "requeueAt", sourceLocation: sourceLocation)
        case .at(let date): #expect(plan.requeueAt == date, "requeueAt", sourceLocation: sourceLocation)
        }
        if let missedRuns {
            #expect(plan.status.missedRuns == missedRuns, "missedRuns", sourceLocation: sourceLocation)
        }
        if let lastScheduleTime {
            #expect(
                plan.status.lastScheduleTime == lastScheduleTime, "lastScheduleTime", sourceLocation: sourceLocation)
        }
        if let consecutiveFailures {
            #expect(
                plan.status.consecutiveFailures == consecutiveFailures, "consecutiveFailures",
                sourceLocation: sourceLocation)
        }
        let setConditions = (plan.status.conditions ?? []).map { "\($0.type)=\($0.status)/\($0.reason ?? "")" }
        for condition in conditions {
            #expect(setConditions.contains(condition), "conditions \(setConditions)", sourceLocation: sourceLocation)
        }
        check?(plan)
    }
}

/// `10:00 Missed Superseded` (slot as RFC 3339 time of day, UTC, when on 2026-06-01; else the
/// full instant), `#2` appended for attempts after the first.
func render(_ run: ScheduledTaskStatus.Run) -> String {
    var text = short(run.scheduledTime)
    if run.attempt > 1 { text += " #\(run.attempt)" }
    text += " \(run.phase.rawValue)"
    if let reason = run.reason { text += " \(reason)" }
    return text
}

/// `10:00` for instants on 2026-06-01 (UTC), the full RFC 3339 text otherwise.
func short(_ date: Date) -> String {
    let full = KubeTime.format(date)
    guard full.hasPrefix("2026-06-01T") else { return full }
    let time = full.dropFirst(11).prefix(8)
    return time.hasSuffix(":00") ? String(time.prefix(5)) : String(time)
}

extension Array where Element: Equatable {
    /// Whether `other`'s elements appear in this array in the same relative order.
    func isOrderedSuperset(of other: [Element]) -> Bool {
        var index = startIndex
        for element in other {
            guard let found = self[index...].firstIndex(of: element) else { return false }
            index = found + 1
        }
        return true
    }
}

/// The name of the Job for `slot` of the fixture task `report`.
func jobName(_ slot: Date, attempt: Int = 1, task: String = "report") -> String {
    JobNaming.name(task: task, slot: slot, attempt: attempt)
}
