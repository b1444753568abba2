import Alerting
import Foundation

/// The durable record of a task's alerts, kept as JSON in the task's
/// ``ScheduledTask/alertsAnnotation``: what makes delivery exactly-once per
/// (task, slot, attempt, kind, receiver) across leader failovers.
///
/// An entry is written `pending` (with the alert, so a new leader can send it) before the
/// status that marks its transition as handled is submitted, and sent once that status is
/// stored; it becomes `sent` or `failed` when the delivery ends. A new leader that decides the
/// same transition again (because the status write was lost) finds the entry and does not send
/// twice; one that finds a `pending` entry nobody is delivering sends it when the stored status
/// records its outcome, and finishes it `failed` with a ``Entry/reason`` when status records the
/// run otherwise (``RecordedOutcome``). The remaining window is at-least-once: a delivery that
/// succeeded but whose `sent` mark was lost with the leader is sent again by the next one.
///
/// `firing` lists the alerts posted to Alertmanager receivers that are still firing: they are
/// re-posted while the task keeps failing and resolved when it recovers.
public struct AlertLedger: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable, Hashable {
        case pending
        case sent
        case failed
    }

    public struct Entry: Codable, Sendable, Hashable {
        /// ``Alert/identity`` plus the receiver's name.
        public var key: String
        public var receiver: String
        public var state: State
        /// The alert, only while pending (what a new leader needs to send it).
        public var alert: Alert?
        /// Why a `failed` entry was not sent: the delivery's error (`delivery failed: …`), or why
        /// it was never tried (`not sent: …`, e.g. the stored status records the run otherwise).
        public var reason: String?
    }

    public struct Firing: Codable, Sendable, Hashable {
        public var receiver: String
        public var alert: Alert
    }

    /// Finished entries kept (the newest); older transitions can no longer be decided again.
    public static let finishedEntriesKept = 64

    public var entries: [Entry] = []
    public var firing: [Firing] = []

    public init() {}

    /// The dedup key of `alert` at `receiver`.
    public static func key(_ alert: Alert, receiver: String) -> String { "\(alert.identity)@\(receiver)" }

    /// Whether an alert was already recorded (pending, sent or failed) for this receiver.
    public func contains(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The entry recorded under `key`, if any.
    public func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }

    /// Records an alert as pending for `receiver`.
    public mutating func recordPending(_ alert: Alert, receiver: String) {
        entries.append(
            Entry(key: Self.key(alert, receiver: receiver), receiver: receiver, state: .pending, alert: alert))
    }

    /// Marks an entry finished (`reason`: why it was not sent, if it was not tried) and drops the
    /// oldest finished entries beyond the cap.
    public mutating func finish(_ key: String, as state: State, reason: String? = nil) {
        guard let index = entries.firstIndex(where: { $0.key == key }) else { return }
        entries[index].state = state
        entries[index].alert = nil
        entries[index].reason = reason
        let finished = entries.indices.filter { entries[$0].state != .pending }
        let excess = finished.count - Self.finishedEntriesKept
        if excess > 0 {
            let drop = Set(finished.prefix(excess))
            entries = entries.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        }
    }

    /// Adds what `known` (this process's copy) knows and `self` (the stored ledger, read again
    /// after a write's condition failed) does not: the outcome of entries stored `pending` that
    /// `known` has finished (their own write failed), and `pending` records missing here (only an
    /// unconditional writer drops them). Finished records missing here are not restored: the
    /// stored ledger let them go as the oldest beyond ``finishedEntriesKept``.
    public mutating func carryOver(from known: AlertLedger) {
        for entry in known.entries {
            if let stored = self.entry(entry.key) {
                if stored.state == .pending, entry.state != .pending {
                    finish(entry.key, as: entry.state, reason: entry.reason)
                }
            } else if entry.state == .pending {
                entries.append(entry)
            }
        }
    }

    /// Entries still waiting for a delivery.
    public var pending: [Entry] { entries.filter { $0.state == .pending } }

    /// Sets (or replaces) the firing alert of `kind` at `receiver`.
    public mutating func fire(_ alert: Alert, receiver: String) {
        firing.removeAll { $0.receiver == receiver && $0.alert.kind == alert.kind }
        firing.append(Firing(receiver: receiver, alert: alert))
    }

    /// Stops tracking the firing alert recorded under `key` (``key(_:receiver:)``).
    public mutating func stopFiring(_ key: String) {
        firing.removeAll { Self.key($0.alert, receiver: $0.receiver) == key }
    }

    /// Removes and returns the firing alerts of `receiver`.
    public mutating func resolveAll(receiver: String) -> [Alert] {
        let resolved = firing.filter { $0.receiver == receiver }.map(\.alert)
        firing.removeAll { $0.receiver == receiver }
        return resolved
    }

    // MARK: - Annotation encoding

    /// Reads the ledger from a task's annotations; an absent or unreadable one is empty (an
    /// unreadable one can only be a manual edit; the worst outcome is an alert sent again).
    public init(annotations: [String: String]?) {
        guard let text = annotations?[ScheduledTask.alertsAnnotation], let data = text.data(using: .utf8),
            let ledger = try? Self.decoder.decode(Self.self, from: data)
        else {
            self.init()
            return
        }
        self = ledger
    }

    /// The annotation value.
    public var annotationValue: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
