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

// MARK: - Carrying over what this process knows onto a ledger read again

extension AlertLedgerTests {
    @Test("carry-over: outcomes known here finish stored pending entries; stored outcomes and trimmed records stay")
    func carryOver() {
        let keys = (1...4).map { AlertLedger.key(Self.alert($0), receiver: "ops") }
        // Stored: 1 pending, 2 sent, 3 absent (trimmed), 4 absent (dropped by an unconditional writer).
        var stored = AlertLedger()
        stored.recordPending(Self.alert(1), receiver: "ops")
        stored.recordPending(Self.alert(2), receiver: "ops")
        stored.finish(keys[1], as: .sent)
        // Known here: 1 sent (its write failed), 2 pending (behind), 3 sent, 4 pending.
        var known = AlertLedger()
        for attempt in 1...4 { known.recordPending(Self.alert(attempt), receiver: "ops") }
        known.finish(keys[0], as: .failed, reason: "delivery failed: rejected")
        known.finish(keys[2], as: .sent)

        stored.carryOver(from: known)
        #expect(stored.entries.map(\.key) == [keys[0], keys[1], keys[3]])
        #expect(stored.entries.map(\.state) == [.failed, .sent, .pending])
        #expect(stored.entries[0].reason == "delivery failed: rejected")
        #expect(stored.entries[2].alert == Self.alert(4), "a pending record keeps its alert, to be sent")
    }
}
