import Alerting
import Foundation
import PunctualController
import PunctualTestSupport
import Testing

/// The ledger behind exactly-once alerts, and the controller-wide default receivers' format.
@Suite("Alert ledger and default receivers")
struct AlertLedgerTests {
    static func alert(_ attempt: Int, kind: AlertKind = .failed) -> Alert {
        Alert(
            namespace: "default", task: "report", kind: kind, scheduledTime: Instants.topOfTheHour, attempt: attempt,
            message: "exit code 1", firedAt: Instants.justAfterTheHour)
    }

    @Test("pending → sent survives the annotation round trip; the alert is kept only while pending")
    func roundTrip() {
        var ledger = AlertLedger()
        ledger.recordPending(Self.alert(1), receiver: "ops")
        ledger.recordPending(Self.alert(1), receiver: "chat")
        let key = AlertLedger.key(Self.alert(1), receiver: "ops")
        ledger.finish(key, as: .sent)
        let read = AlertLedger(annotations: [ScheduledTask.alertsAnnotation: ledger.annotationValue])
        #expect(read == ledger)
        #expect(read.contains(key))
        #expect(read.entries.first { $0.key == key }?.alert == nil)
        #expect(read.pending.map(\.receiver) == ["chat"])
        #expect(read.pending.first?.alert == Self.alert(1))
    }

    @Test("finished entries beyond the cap go oldest first; pending ones always stay")
    func pruning() {
        var ledger = AlertLedger()
        ledger.recordPending(Self.alert(0), receiver: "ops")
        let total = AlertLedger.finishedEntriesKept + 5
        for attempt in 1...total {
            ledger.recordPending(Self.alert(attempt), receiver: "ops")
            ledger.finish(AlertLedger.key(Self.alert(attempt), receiver: "ops"), as: .sent)
        }
        #expect(ledger.entries.count == AlertLedger.finishedEntriesKept + 1)
        #expect(ledger.pending.map(\.key) == [AlertLedger.key(Self.alert(0), receiver: "ops")])
        #expect(!ledger.contains(AlertLedger.key(Self.alert(5), receiver: "ops")))
        #expect(ledger.contains(AlertLedger.key(Self.alert(6), receiver: "ops")))
    }

    @Test("an unreadable annotation is an empty ledger")
    func unreadable() {
        #expect(AlertLedger(annotations: [ScheduledTask.alertsAnnotation: "{not json"]) == AlertLedger())
        #expect(AlertLedger(annotations: nil) == AlertLedger())
    }

    @Test("firing alerts are kept per receiver and kind, and resolved per receiver")
    func firing() {
        var ledger = AlertLedger()
        ledger.fire(Self.alert(1), receiver: "am")
        ledger.fire(Self.alert(2), receiver: "am")
        ledger.fire(Self.alert(1, kind: .missed), receiver: "am")
        ledger.fire(Self.alert(1), receiver: "other")
        #expect(ledger.firing.count == 3)
        #expect(ledger.resolveAll(receiver: "am").map(\.attempt).sorted() == [1, 2])
        #expect(ledger.firing.map(\.receiver) == ["other"])
    }

    struct DefaultsCase: CustomTestStringConvertible, Sendable {
        let name: String
        let json: String
        /// `name:type` of each receiver, or nil when parsing must fail.
        let receivers: [String]?
        var error: String? = nil
        var testDescription: String { name }
    }

    static let defaultsCases: [DefaultsCase] = [
        DefaultsCase(
            name: "one of each kind, names defaulted by position",
            json: """
                [{"name": "ops", "slack": {"url": "https://hooks.slack.com/services/T/B/X"}},
                 {"webhook": {"url": "https://relay.example/a", "headers": {"Authorization": "Bearer t"}}},
                 {"name": "robot", "dingtalk": {"url": "https://oapi.dingtalk.com/robot/send?access_token=t",
                   "signSecret": "SEC1"}},
                 {"name": "am", "alertmanager": {"url": "http://alertmanager.monitoring:9093"}}]
                """,
            receivers: ["ops:slack", "default-1:webhook", "robot:dingtalk", "am:alertmanager"]),
        DefaultsCase(
            name: "two kinds in one entry → error naming the entry",
            json: #"[{"slack": {"url": "https://a.example"}, "webhook": {"url": "https://b.example"}}]"#,
            receivers: nil, error: "receivers.json[0]: must set exactly one of webhook, slack, dingtalk, alertmanager"),
        DefaultsCase(
            name: "not a URL → error naming the entry",
            json: #"[{"slack": {"url": "no url"}}]"#, receivers: nil, error: "receivers.json[0]: url is not a URL"),
        DefaultsCase(
            name: "not an array → error", json: #"{"slack": {}}"#, receivers: nil,
            error: "receivers.json is not a JSON array of receivers"),
    ]

    @Test(arguments: defaultsCases)
    func defaults(_ testCase: DefaultsCase) {
        do {
            let receivers = try DefaultReceivers.parse(Data(testCase.json.utf8))
            #expect(receivers.map { "\($0.name):\($0.type)" } == testCase.receivers)
            if case .webhook(_, let headers) = receivers.first(where: { $0.type == "webhook" })?.destination {
                #expect(headers == ["Authorization": "Bearer t"])
            }
        } catch {
            #expect(testCase.receivers == nil, "\(error)")
            #expect(error.description.hasPrefix(testCase.error ?? "?"), "\(error)")
            #expect(!error.description.contains("hooks.slack.com"), "values are never quoted")
        }
    }
}
