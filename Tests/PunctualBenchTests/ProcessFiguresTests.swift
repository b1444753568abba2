import Foundation
import Testing

@testable import punctual_bench

/// Reading another process's figures: `/proc/<pid>/stat` and `/proc/<pid>/status` lines, and the
/// Prometheus text of a controller's /metrics.
@Suite struct ProcessFiguresTests {
    // MARK: - /proc/<pid>/stat

    struct StatCase: Sendable, CustomStringConvertible {
        var name: String
        var stat: String
        var ticks: Int?
        var description: String { name }
    }

    static let statTail = "S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 123456 1000000 2000 0\n"

    @Test(arguments: [
        StatCase(name: "utime plus stime", stat: "4242 (punctual) " + statTail, ticks: 325),
        StatCase(name: "command with spaces", stat: "4242 (punctual controller) " + statTail, ticks: 325),
        StatCase(name: "command with a parenthesis", stat: "4242 (a) b (c)) " + statTail, ticks: 325),
        StatCase(
            name: "large counters", stat: "7 (x) R 1 7 7 0 -1 0 0 0 0 0 987654321 123456789 0 0 20 0 1 0 9",
            ticks: 1_111_111_110),
        StatCase(name: "truncated line", stat: "4242 (punctual) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250", ticks: nil),
        StatCase(name: "no command field", stat: "4242 punctual S 1 2 3 4 5 6 7 8 9 10 11 12 13", ticks: nil),
        StatCase(name: "not numeric", stat: "4242 (p) S 1 2 3 4 5 6 7 8 9 10 x y 13 14", ticks: nil),
        StatCase(name: "empty", stat: "", ticks: nil),
    ])
    func cpuTicksOfAStatLine(_ test: StatCase) {
        #expect(ProcessUsage.cpuTicks(inStat: test.stat) == test.ticks)
    }

    @Test func ownProcessReadsLikeGetrusage() throws {
        let fromProc = try ProcessUsage.of(pid: getpid())
        let fromRusage = ProcessUsage.current()
        // Both count this process's CPU; /proc has tick resolution (10 ms), read first.
        #expect(fromProc.cpuSeconds <= fromRusage.cpuSeconds + 0.02)
        #expect((fromProc.peakResidentMiB ?? 0) > 0)
        #expect((fromProc.residentMiB ?? 0) > 0)
    }

    @Test func missingProcessIsAnErrorNamingTheFile() {
        #expect(throws: BenchProcessError.self) { try ProcessUsage.of(pid: -1) }
    }

    // MARK: - Prometheus text

    struct SampleCase: Sendable, CustomStringConvertible {
        var name: String
        var line: String
        var expected: PrometheusText.Sample?
        var description: String { name }
    }

    @Test(arguments: [
        SampleCase(
            name: "no labels", line: "informer_relists_total 3",
            expected: .init(name: "informer_relists_total", labels: [:], value: 3)),
        SampleCase(
            name: "labels", line: #"workqueue_adds_total{name="scheduledtasks"} 1076"#,
            expected: .init(name: "workqueue_adds_total", labels: ["name": "scheduledtasks"], value: 1076)),
        SampleCase(
            name: "several labels and a timestamp",
            line: #"rest_client_requests_total{verb="POST",resource="jobs",code="201"} 150 1700000000000"#,
            expected: .init(
                name: "rest_client_requests_total", labels: ["verb": "POST", "resource": "jobs", "code": "201"],
                value: 150)),
        SampleCase(
            name: "escaped quote, backslash and comma in a value",
            line: #"m{a="x\"y",b="c\\d",c="e,f"} 1"#,
            expected: .init(name: "m", labels: ["a": #"x"y"#, "b": #"c\d"#, "c": "e,f"], value: 1)),
        SampleCase(
            name: "trailing comma in labels", line: #"m{a="1",} 2.5"#,
            expected: .init(name: "m", labels: ["a": "1"], value: 2.5)),
        SampleCase(
            name: "exponent", line: "m_seconds_sum 1.5e-3",
            expected: .init(name: "m_seconds_sum", labels: [:], value: 0.0015)),
        SampleCase(
            name: "infinity bucket", line: #"m_bucket{le="+Inf"} +Inf"#,
            expected: .init(name: "m_bucket", labels: ["le": "+Inf"], value: .infinity)),
        SampleCase(name: "help comment", line: "# HELP m a counter", expected: nil),
        SampleCase(name: "type comment", line: "# TYPE m counter", expected: nil),
        SampleCase(name: "blank", line: "   ", expected: nil),
        SampleCase(name: "unclosed labels", line: #"m{a="1" 2"#, expected: nil),
        SampleCase(name: "no value", line: "m", expected: nil),
        SampleCase(name: "value not a number", line: "m abc", expected: nil),
    ])
    func sampleLine(_ test: SampleCase) {
        #expect(PrometheusText.sample(test.line) == test.expected)
    }

    static let exposition = """
        # HELP rest_client_requests_total requests
        # TYPE rest_client_requests_total counter
        rest_client_requests_total{verb="POST",resource="jobs",code="201"} 150
        rest_client_requests_total{verb="POST",resource="jobs",code="409"} 2
        rest_client_requests_total{verb="PATCH",resource="scheduledtasks",code="200"} 366
        # TYPE workqueue_work_duration_seconds histogram
        workqueue_work_duration_seconds_bucket{name="scheduledtasks",le="+Inf"} 1076
        workqueue_work_duration_seconds_count{name="scheduledtasks"} 1076
        workqueue_work_duration_seconds_count{name="other"} 9
        informer_relists_total{resource="jobs.batch"} 1
        informer_relists_total{resource="pods"} 2
        """

    @Test func sumsSelectByNameAndLabels() {
        let text = PrometheusText(parsing: Self.exposition)
        #expect(text.samples.count == 8)
        #expect(text.sum("workqueue_work_duration_seconds_count", labels: ["name": "scheduledtasks"]) == 1076)
        #expect(text.sum("informer_relists_total") == 3)
        #expect(text.sum("rest_client_requests_total", labels: ["verb": "POST"]) == 152)
        #expect(text.sum("absent_metric") == 0)
    }

    @Test func sumsGroupByLabelValues() {
        let text = PrometheusText(parsing: Self.exposition)
        #expect(
            text.sums("rest_client_requests_total", by: ["verb", "resource"])
                == ["POST jobs": 152, "PATCH scheduledtasks": 366])
    }

    // MARK: - steady on the system clock

    @Test(arguments: [
        (0, "* * * * *"), (1, "0-59/2 * * * *"), (13, "1-59/5 * * * *"), (27, "2-59/10 * * * *"),
    ])
    func hourlyScheduleKeepsPeriodAndStagger(_ index: Int, _ expected: String) {
        #expect(SteadyBenchmark.hourlySchedule(index) == expected)
    }

    @Test(arguments: [
        (1_767_232_800.0, 1_767_232_800.0), (1_767_232_800.5, 1_767_232_860.0), (1_767_232_859.9, 1_767_232_860.0),
    ])
    func minuteBoundary(_ instant: Double, _ expected: Double) {
        #expect(
            SteadyBenchmark.minuteBoundary(after: Date(timeIntervalSince1970: instant))
                == Date(timeIntervalSince1970: expected))
    }
}
