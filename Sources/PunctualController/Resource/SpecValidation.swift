import Cron
import Foundation
import KubeClient

/// One problem of a ScheduledTask spec, naming the JSON path at fault.
public struct SpecProblem: Sendable, Hashable, CustomStringConvertible {
    /// The JSON path, e.g. `spec.retry.backoffSeconds`.
    public var path: String
    /// What is wrong and what is expected, e.g. `must be ≥ 0, got -5`.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `spec.retry.backoffSeconds: must be ≥ 0, got -5`.
    public var description: String { "\(path): \(message)" }
}

/// The semantic checks of a ScheduledTask spec, shared by the controller (condition `InvalidSpec`)
/// and `punctual validate` (offline).
///
/// It repeats what the CRD's OpenAPI schema and CEL rules reject at admission, because a task may
/// come from a server without them (or from a file), and adds what a schema cannot say: that the
/// schedule parses, the time zone exists, and the Job template is shaped like a JobTemplateSpec.
/// The server-side dry run of the Job is the executor's business, not this type's.
public enum SpecValidation {
    /// Every problem of `spec`, in field order; empty when the spec is valid.
    public static func problems(in spec: ScheduledTaskSpec) -> [SpecProblem] {
        var problems: [SpecProblem] = []
        func report(_ path: String, _ message: String) {
            problems.append(SpecProblem(path: "spec.\(path)", message: message))
        }
        func atLeast<N: BinaryInteger>(_ value: N?, _ minimum: N, _ path: String) {
            if let value, value < minimum { report(path, "must be ≥ \(minimum), got \(value)") }
        }
        func atMost<N: BinaryInteger>(_ value: N?, _ maximum: N, _ path: String) {
            if let value, value > maximum { report(path, "must be ≤ \(maximum), got \(value)") }
        }

        checkSchedule(spec, report: report)
        atLeast(spec.jitterSeconds, 0, "jitterSeconds")
        atMost(spec.jitterSeconds, 3600, "jitterSeconds")
        atLeast(spec.maxConcurrent, 1, "maxConcurrent")
        if spec.maxConcurrent != nil, ![.allow, .queue].contains(spec.effectiveConcurrencyPolicy) {
            report(
                "maxConcurrent",
                "applies only to concurrencyPolicy Allow or Queue, got \(spec.effectiveConcurrencyPolicy.rawValue)")
        }
        atLeast(spec.startingDeadlineSeconds, 1, "startingDeadlineSeconds")
        atLeast(spec.catchUpWindowSeconds, 0, "catchUpWindowSeconds")
        if spec.catchUpWindowSeconds != nil, spec.effectiveGuarantee != .onceOnly {
            report(
                "catchUpWindowSeconds",
                "applies only to guarantee OnceOnly, got \(spec.effectiveGuarantee.rawValue)")
        }
        atLeast(spec.activeDeadlineSeconds, 1, "activeDeadlineSeconds")
        if let retry = spec.retry {
            if spec.effectiveGuarantee == .onceMost {
                report("retry", "OnceMost never retries a slot: retry budgets need guarantee OnceOnly or Unlimited")
            }
            atLeast(retry.maxStartupRetries, 0, "retry.maxStartupRetries")
            atLeast(retry.maxFailureRetries, 0, "retry.maxFailureRetries")
            atLeast(retry.backoffSeconds, 0, "retry.backoffSeconds")
        }
        if let lead = spec.priority?.preAllocate?.leadSeconds {
            atLeast(lead, 1, "priority.preAllocate.leadSeconds")
            atMost(lead, 3600, "priority.preAllocate.leadSeconds")
        }
        if let history = spec.history {
            atLeast(history.successfulJobsLimit, 0, "history.successfulJobsLimit")
            atLeast(history.failedJobsLimit, 0, "history.failedJobsLimit")
            atLeast(history.runsLimit, 1, "history.runsLimit")
            atMost(history.runsLimit, 100, "history.runsLimit")
        }
        if let alerting = spec.alerting {
            atLeast(alerting.longRunningSeconds, 1, "alerting.longRunningSeconds")
            checkReceivers(alerting.receivers ?? [], report: report)
        }
        checkJobTemplate(spec.jobTemplate, report: report)
        return problems
    }

    // MARK: - Schedule and zone

    private static func checkSchedule(_ spec: ScheduledTaskSpec, report: (String, String) -> Void) {
        do {
            _ = try CronSchedule.timeZone(named: spec.effectiveTimeZone)
        } catch {
            report(
                "timeZone", "\"\(spec.effectiveTimeZone)\" is not an IANA time zone (for example UTC, Asia/Shanghai)")
        }
        do {
            _ = try CronSchedule.parse(spec.schedule)
        } catch {
            report("schedule", error.description)
        }
    }

    // MARK: - Receivers

    private static func checkReceivers(
        _ receivers: [ScheduledTaskSpec.Alerting.Receiver], report: (String, String) -> Void
    ) {
        if receivers.count > 16 { report("alerting.receivers", "must have at most 16 items, got \(receivers.count)") }
        for (index, receiver) in receivers.enumerated() {
            let kinds = [
                receiver.webhook != nil, receiver.slack != nil, receiver.dingtalk != nil,
                receiver.alertmanager != nil,
            ].filter { $0 }.count
            if kinds != 1 {
                report(
                    "alerting.receivers[\(index)]",
                    "must set exactly one of webhook, slack, dingtalk, alertmanager, got \(kinds)")
            }
            if let manager = receiver.alertmanager, (manager.url == nil) == (manager.urlSecretRef == nil) {
                report("alerting.receivers[\(index)].alertmanager", "must set exactly one of url and urlSecretRef")
            }
            // The name is part of the key alerts are deduplicated on.
            if let name = receiver.name, receivers[..<index].contains(where: { $0.name == name }) {
                report("alerting.receivers[\(index)].name", "must be unique, \"\(name)\" is used before")
            }
        }
    }

    // MARK: - Job template

    private static func checkJobTemplate(_ template: JSONValue, report: (String, String) -> Void) {
        guard template.objectValue != nil else {
            report("jobTemplate", "must be an object (a batch/v1 JobTemplateSpec)")
            return
        }
        guard let podSpec = template[path: ["spec", "template", "spec"]], podSpec.objectValue != nil else {
            report("jobTemplate.spec.template.spec", "is required (the pod spec of every run)")
            return
        }
        let containers = podSpec["containers"]?.arrayValue ?? []
        if containers.isEmpty {
            report("jobTemplate.spec.template.spec.containers", "must name at least one container")
        }
        for (index, container) in containers.enumerated()
        where (container["name"]?.stringValue ?? "").isEmpty {
            report("jobTemplate.spec.template.spec.containers[\(index)].name", "is required")
        }
        if let policy = podSpec["restartPolicy"]?.stringValue, !["Never", "OnFailure"].contains(policy) {
            report(
                "jobTemplate.spec.template.spec.restartPolicy",
                "a Job's pods must use Never or OnFailure, got \(policy)")
        }
    }
}
