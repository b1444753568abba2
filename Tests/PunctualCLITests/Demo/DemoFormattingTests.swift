import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Testing

@testable import punctual

/// The demo's output pieces, without running it: stream lines, the task table, the live
/// region's escape sequences, the summary, and the embedded manifests.
@Suite struct DemoFormattingTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    // MARK: - Stream lines

    struct LineCase: CustomTestStringConvertible, Sendable {
        let name: String
        let event: DemoEvent
        let line: String
        var testDescription: String { name }
    }

    static let lineCases: [LineCase] = [
        LineCase(
            name: "created: time, kind and subject in aligned columns",
            event: DemoEvent(
                time: Instants.at("2026-06-01T10:31:00Z"), kind: .created, subject: "demo-hello",
                detail: "demo-hello-29634751  slot 10:31:00"),
            line: "10:31:00  created    demo-hello            demo-hello-29634751  slot 10:31:00"),
        LineCase(
            name: "the longest kind sets the kind column's width",
            event: DemoEvent(
                time: Instants.at("2026-06-01T23:59:59Z"), kind: .succeeded, subject: "a", detail: "a-1 in 5s"),
            line: "23:59:59  succeeded  a                     a-1 in 5s"),
        LineCase(
            name: "a subject longer than its column pushes the detail right",
            event: DemoEvent(
                time: Instants.at("2026-06-01T00:00:05Z"), kind: .failover,
                subject: "punctual-controller-7d4b9-w8rzn_0123456789ab", detail: "took over"),
            line: "00:00:05  failover   punctual-controller-7d4b9-w8rzn_0123456789ab  took over"),
        LineCase(
            name: "an empty detail leaves no trailing spaces",
            event: DemoEvent(time: Instants.at("2026-06-01T08:05:09Z"), kind: .missed, subject: "x", detail: ""),
            line: "08:05:09  missed     x"),
    ]

    @Test(arguments: lineCases)
    func streamLine(_ testCase: LineCase) {
        #expect(testCase.event.line(style: .plain) == testCase.line)
    }

    @Test func colourWrapsOnlyTheKind() {
        let event = DemoEvent(time: Instants.topOfTheHour, kind: .failed, subject: "job", detail: "exit code 1")
        let coloured = TerminalStyle(isLive: true, usesColour: true, width: 200)
        let line = event.line(style: coloured)
        #expect(line == "10:00:00  \u{1B}[31mfailed   \u{1B}[0m  job                   exit code 1")
        let uncoloured = TerminalStyle(isLive: true, usesColour: false, width: 200)
        #expect(event.line(style: uncoloured) == event.line(style: .plain))
        #expect(!event.line(style: .plain).contains("\u{1B}"))
    }

    @Test func everyKindHasAColourAndFitsTheColumn() {
        for kind in DemoEvent.Kind.allCases {
            let line = DemoEvent(time: Instants.midnight, kind: kind, subject: "s", detail: "d").line(style: .plain)
            #expect(
                line == "00:00:00  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  s"
                    + String(repeating: " ", count: 19) + "  d")
        }
    }

    @Test func batchesAreToldInStoryOrder() {
        let early = Instants.topOfTheHour
        let late = Instants.justAfterTheHour
        let events = [
            DemoEvent(time: late, kind: .alerted, subject: "a", detail: "1"),
            DemoEvent(time: early, kind: .started, subject: "a", detail: "2"),
            DemoEvent(time: early, kind: .retried, subject: "a", detail: "3"),
            DemoEvent(time: late, kind: .failed, subject: "a", detail: "4"),
            DemoEvent(time: early, kind: .started, subject: "b", detail: "5"),
            DemoEvent(time: late, kind: .failover, subject: "r", detail: "6"),
            DemoEvent(time: late, kind: .killed, subject: "r", detail: "7"),
        ]
        #expect(DemoEvent.inStoryOrder(events).map(\.detail) == ["3", "2", "5", "4", "1", "7", "6"])
    }

    // MARK: - Table

    @Test func tableReadsLikeKubectlGet() {
        let now = Instants.at("2026-06-01T10:03:30Z")
        let hello = ScheduledTask.fixture(schedule: "* * * * *", name: "demo-hello", created: Instants.topOfTheHour)
            .guarantee(.onceMost)
            .editingStatus {
                $0.activeRuns = 1
                $0.lastScheduleTime = Instants.at("2026-06-01T10:03:00Z")
                $0.lastResult = .succeeded
                $0.nextScheduleTime = Instants.at("2026-06-01T10:04:00Z")
            }
        let report = ScheduledTask.fixture(schedule: "0 2 * * *", name: "daily-report", created: Instants.topOfTheHour)
            .timeZone("Asia/Shanghai")
        #expect(
            TaskTable.lines([hello, report], now: now) == [
                "NAME           SCHEDULE    TIMEZONE        GUARANTEE   ACTIVE   LAST SCHEDULE   LAST RESULT   "
                    + "NEXT     AGE",
                "daily-report   0 2 * * *   Asia/Shanghai   <none>      <none>   <none>          <none>        "
                    + "<none>   3m30s",
                "demo-hello     * * * * *   <none>          OnceMost    1        30s             Succeeded     "
                    + "in 30s   3m30s",
            ])
    }

    struct WidthCase: CustomTestStringConvertible, Sendable {
        let name: String
        let width: Int?
        let header: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        WidthCase(
            name: "no limit: every column", width: nil,
            header: "NAME   SCHEDULE    TIMEZONE   GUARANTEE   ACTIVE   LAST SCHEDULE   LAST RESULT   NEXT     AGE"),
        WidthCase(
            name: "wide enough: every column", width: 100,
            header: "NAME   SCHEDULE    TIMEZONE   GUARANTEE   ACTIVE   LAST SCHEDULE   LAST RESULT   NEXT     AGE"),
        WidthCase(
            name: "one column short: AGE goes", width: 91,
            header: "NAME   SCHEDULE    TIMEZONE   GUARANTEE   ACTIVE   LAST SCHEDULE   LAST RESULT   NEXT"),
        WidthCase(
            name: "narrow: AGE, TIMEZONE, ACTIVE and GUARANTEE go", width: 60,
            header: "NAME   SCHEDULE    LAST SCHEDULE   LAST RESULT   NEXT"),
        WidthCase(
            name: "narrower: LAST SCHEDULE goes too", width: 50,
            header: "NAME   SCHEDULE    LAST RESULT   NEXT"),
    ])
    func tableGivesUpColumnsToFit(_ testCase: WidthCase) {
        let task = ScheduledTask.fixture(schedule: "* * * * *", name: "a", created: Instants.topOfTheHour)
            .editingStatus { $0.nextScheduleTime = Instants.at("2026-06-01T10:04:00Z") }
        let lines = TaskTable.lines([task], now: Instants.at("2026-06-01T10:03:30Z"), width: testCase.width)
        #expect(lines.first == testCase.header)
        if let width = testCase.width { #expect(lines.allSatisfy { $0.count < width }) }
    }

    @Test func tableAddsANamespaceColumnForSeveralNamespaces() {
        let now = Instants.topOfTheHour
        let first = ScheduledTask.fixture(name: "a", created: now)
        let second = ScheduledTask.fixture(name: "b", created: now).with { $0.metadata.namespace = "batch" }
        let lines = TaskTable.lines([first, second], now: now)
        #expect(lines.map { String($0.prefix(12)) } == ["NAMESPACE   ", "batch       ", "default     "])
    }

    // MARK: - Terminal

    @Test func liveRegionIsErasedAndRedrawn() {
        let output = Output()
        var screen = DemoScreen(style: TerminalStyle(isLive: true, usesColour: false, width: 40)) { output.append($0) }
        let event = DemoEvent(time: Instants.midnight, kind: .created, subject: "t", detail: "t-1")
        screen.update(events: [event], status: "status", table: ["HEADER", "row"])
        screen.update(
            events: [], status: "status", table: ["HEADER", "row", "another row that is far too long for the terminal"])
        #expect(
            output.chunks == [
                "00:00:00  created    t                     t-1\n\nstatus\nHEADER\nrow\n",
                "\u{1B}[4F\u{1B}[J\nstatus\nHEADER\nrow\nanother row that is far too long for t…\n",
            ])
    }

    @Test func plainOutputIsAppendOnly() {
        let output = Output()
        var screen = DemoScreen(style: .plain) { output.append($0) }
        let event = DemoEvent(time: Instants.midnight, kind: .started, subject: "t", detail: "t-1")
        screen.update(events: [event], status: "ignored", table: ["NOT", "SHOWN"])
        screen.update(events: [], status: "ignored", table: ["NOT", "SHOWN"])
        screen.finish(status: "final:", table: ["NAME", "t"])
        #expect(output.chunks.joined() == "00:00:00  started    t                     t-1\n\nfinal:\n\nNAME\nt\n\n")
    }

    @Test func aFailedWriteClosesTheScreen() {
        struct Gone: Error {}
        let output = Output()
        var screen = DemoScreen(style: .plain) { chunk in
            output.append(chunk)
            throw Gone()
        }
        let event = DemoEvent(time: Instants.midnight, kind: .started, subject: "t", detail: "t-1")
        #expect(!screen.isClosed)
        screen.update(events: [event], status: "", table: [])
        screen.update(events: [event], status: "", table: [])
        screen.print(["summary"])
        #expect(screen.isClosed)
        #expect(output.chunks.count == 1)
    }

    struct StyleCase: CustomTestStringConvertible, Sendable {
        let name: String
        let environment: [String: String]
        var testDescription: String { name }
    }

    /// Tests run with standard output redirected, so every environment gives plain output.
    @Test(arguments: [
        StyleCase(name: "no terminal", environment: [:]),
        StyleCase(name: "no terminal, NO_COLOR set but empty", environment: ["NO_COLOR": ""]),
        StyleCase(name: "dumb terminal", environment: ["TERM": "dumb"]),
    ])
    func pipedOutputIsPlain(_ testCase: StyleCase) {
        #expect(TerminalStyle.detect(environment: testCase.environment) == .plain)
    }

    // MARK: - Summary

    @Test func summaryCountsRunsPerTaskFailoversAndAlerts() {
        var tally = DemoTally()
        let at = Instants.midnight
        let events: [DemoEvent] = [
            DemoEvent(time: at, kind: .leader, subject: "a", detail: ""),
            DemoEvent(time: at, kind: .created, subject: "hello", detail: ""),
            DemoEvent(time: at, kind: .started, subject: "hello", detail: ""),
            DemoEvent(time: at, kind: .succeeded, subject: "hello", detail: ""),
            DemoEvent(time: at, kind: .created, subject: "flaky", detail: ""),
            DemoEvent(time: at, kind: .failed, subject: "flaky", detail: ""),
            DemoEvent(time: at, kind: .alerted, subject: "flaky", detail: ""),
            DemoEvent(time: at, kind: .retried, subject: "flaky", detail: ""),
            DemoEvent(time: at, kind: .failed, subject: "flaky", detail: ""),
            DemoEvent(time: at, kind: .alerted, subject: "flaky", detail: ""),
            DemoEvent(time: at, kind: .killed, subject: "a", detail: ""),
            DemoEvent(time: at, kind: .failover, subject: "b", detail: "", previousHolder: "a"),
            DemoEvent(time: at, kind: .missed, subject: "late", detail: ""),
        ]
        for event in events { tally.record(event) }
        #expect(
            tally.summary(simulated: 1200, wall: 60, speed: 20) == [
                "Summary: 20m of cluster time in 60s (20× speed)",
                "  TASK    RUNS   SUCCEEDED   FAILED   RETRIED   MISSED   SKIPPED   KILLED AT DEADLINE   ALERTS",
                "  flaky   1      0           2        1         0        0         0                    2",
                "  hello   1      1           0        0         0        0         0                    0",
                "  late    0      0           0        0         1        0         0                    0",
                "Leader failovers: 1",
                "  killed a",
                "  b took over from a",
                "Alerts: 2",
            ])
    }

    @Test(arguments: [(20.0, "20×"), (7.5, "7.5×"), (1.0, "1×")])
    func speed(_ speed: Double, _ text: String) {
        #expect(DemoTally.speedText(speed) == text)
    }

    // MARK: - Embedded manifests

    @Test func embeddedManifestsMatchTheRepository() throws {
        let embedded = [EmbeddedManifests.crd, EmbeddedManifests.priorityClasses] + EmbeddedManifests.examples
        let examples = try FileManager.default.contentsOfDirectory(
            atPath: Self.repositoryRoot.appendingPathComponent("examples").path
        ).filter { $0.hasSuffix(".yaml") }.sorted().map { "examples/\($0)" }
        #expect(
            embedded.map(\.path)
                == ["crds/punctual.dev_scheduledtasks.yaml", "config/priority/priorityclasses.yaml"] + examples)
        for manifest in embedded {
            let file = try String(
                contentsOf: Self.repositoryRoot.appendingPathComponent(manifest.path), encoding: .utf8)
            #expect(manifest.text == file, "\(manifest.path) changed: run hack/update-demo-manifests.sh")
        }
    }

    @Test func demoTasksParse() throws {
        let names = try DemoTasks.manifest.documents().compactMap { $0[path: ["metadata", "name"]]?.stringValue }
        #expect(names == ["demo-hello", "demo-flaky", "demo-no-capacity"])
    }
}

/// Collects what a ``DemoScreen`` writes.
private final class Output {
    private(set) var chunks: [String] = []
    func append(_ chunk: String) { chunks.append(chunk) }
}
