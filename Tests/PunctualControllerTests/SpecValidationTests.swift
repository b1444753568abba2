import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

@Suite("SpecValidation: problems name the JSON path")
struct SpecValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let task: ScheduledTask
        let problems: [String]
        var testDescription: String { name }
    }

    static let base = ScheduledTask.fixture()

    static let cases: [Case] = [
        Case(name: "the fixture is valid", task: base, problems: []),
        Case(
            name: "bad cron names the field", task: base.schedule("0 25 * * *"),
            problems: ["spec.schedule: invalid schedule \"0 25 * * *\": hour \"25\": 25 is out of range (allowed 0-23)"]
        ),
        Case(
            name: "unknown zone", task: base.timeZone("Mars/Olympus"),
            problems: ["spec.timeZone: \"Mars/Olympus\" is not an IANA time zone (for example UTC, Asia/Shanghai)"]),
        Case(
            name: "TZ= prefix belongs in spec.timeZone", task: base.schedule("TZ=UTC 0 * * * *"),
            problems: ["spec.schedule: " + ((try? CronScheduleProbe.error("TZ=UTC 0 * * * *")) ?? "")]),
        Case(
            name: "negative backoff", task: base.retry(backoff: -5),
            problems: ["spec.retry.backoffSeconds: must be ≥ 0, got -5"]),
        Case(
            name: "OnceMost with retry", task: base.guarantee(.onceMost).retry(failure: 1),
            problems: [
                "spec.retry: OnceMost never retries a slot: retry budgets need guarantee OnceOnly or Unlimited"
            ]),
        Case(
            name: "maxConcurrent with Forbid", task: base.concurrency(.forbid, max: 2),
            problems: ["spec.maxConcurrent: applies only to concurrencyPolicy Allow or Queue, got Forbid"]),
        Case(
            name: "catch-up window outside OnceOnly", task: base.catchUpWindow(60),
            problems: ["spec.catchUpWindowSeconds: applies only to guarantee OnceOnly, got Unlimited"]),
        Case(
            name: "negative deadlines and jitter",
            task: base.startingDeadline(0).activeDeadline(-1).jitter(-3),
            problems: [
                "spec.jitterSeconds: must be ≥ 0, got -3", "spec.startingDeadlineSeconds: must be ≥ 1, got 0",
                "spec.activeDeadlineSeconds: must be ≥ 1, got -1",
            ]),
        Case(
            name: "history limits", task: base.history(successful: -1, runs: 101),
            problems: [
                "spec.history.successfulJobsLimit: must be ≥ 0, got -1",
                "spec.history.runsLimit: must be ≤ 100, got 101",
            ]),
        Case(
            name: "template without containers",
            task: base.with { $0.spec.jobTemplate = ["spec": ["template": ["spec": ["containers": []]]]] },
            problems: ["spec.jobTemplate.spec.template.spec.containers: must name at least one container"]),
        Case(
            name: "template with restartPolicy Always",
            task: base.with {
                $0.spec.jobTemplate.set(path: ["spec", "template", "spec", "restartPolicy"], to: "Always")
            },
            problems: [
                "spec.jobTemplate.spec.template.spec.restartPolicy: "
                    + "a Job's pods must use Never or OnFailure, got Always"
            ]),
        Case(
            name: "receiver with two kinds",
            task: base.with {
                let ref = ScheduledTaskSpec.SecretKeySelector(name: "s", key: "k")
                $0.spec.alerting = .init(receivers: [
                    .init(slack: .init(urlSecretRef: ref), alertmanager: .init(url: "http://am:9093"))
                ])
            },
            problems: [
                "spec.alerting.receivers[0]: must set exactly one of webhook, slack, dingtalk, alertmanager, got 2"
            ]),
        Case(
            name: "two receivers with the same name",
            task: base.with {
                let ref = ScheduledTaskSpec.SecretKeySelector(name: "s", key: "k")
                $0.spec.alerting = .init(receivers: [
                    .init(name: "ops", slack: .init(urlSecretRef: ref)),
                    .init(name: "ops", webhook: .init(urlSecretRef: ref)),
                ])
            },
            problems: ["spec.alerting.receivers[1].name: must be unique, \"ops\" is used before"]),
    ]

    @Test(arguments: cases)
    func problems(_ row: Case) {
        #expect(SpecValidation.problems(in: row.task.spec).map(\.description) == row.problems)
    }
}

/// The Cron module's own message for a rejected schedule, so the table does not restate it.
enum CronScheduleProbe {
    static func error(_ text: String) throws -> String {
        SpecValidation.problems(in: ScheduledTask.fixture(schedule: text).spec).first?.message ?? ""
    }
}
