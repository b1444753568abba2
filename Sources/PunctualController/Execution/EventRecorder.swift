import Foundation
import KubeClient
import Logging

/// Records core/v1 Events about ScheduledTasks (what `kubectl describe stask` and
/// `kubectl get events` show), deduplicated as client-go's `EventCorrelator` does.
///
/// Identical events (same task, type, reason and message) are one Event object whose `count`
/// and `lastTimestamp` grow, instead of one object per occurrence. The Event's name is derived
/// from those fields, so the deduplication also holds across restarts and leaders: a create that
/// answers 409 AlreadyExists is turned into a count increment of the existing Event.
///
/// Events are informational: a failed write is reported to the caller (who logs it) and never
/// retried here, so it cannot hold up scheduling. For the same reason its writes ask the client's
/// rate limiter with ``RequestPriority/low``: Job creates waiting for a token go first.
public actor EventRecorder {
    /// The `source.component` and `reportingComponent` of every Event.
    public static let component = "punctual-controller"

    /// What we remember of one recorded Event, to patch its count without reading it first.
    private struct Seen {
        var name: String
        var count: Int32
        var lastUse: UInt64
    }

    private let client: KubeClient
    private let clock: any WallClock
    private let host: String?
    private let instance: String?
    private let cacheLimit: Int
    private var seen: [String: Seen] = [:]
    private var useCounter: UInt64 = 0

    /// Events waiting to be recorded in the background (see ``submit(_:about:)``).
    nonisolated let submissions = AsyncStream<Submission>.makeStream(
        bufferingPolicy: .bufferingNewest(EventRecorder.backgroundLimit))

    /// How many submitted Events may wait before the oldest are dropped.
    public static let backgroundLimit = 10_000

    /// - Parameters:
    ///   - client: where Events are written.
    ///   - clock: the source of `firstTimestamp`/`lastTimestamp`.
    ///   - instance: the reporting instance (the leader election identity), if any.
    ///   - host: the node or host the controller runs on, if known.
    ///   - cacheLimit: how many distinct Events are remembered; the least recently used are
    ///     forgotten first (a forgotten one is found again through its deterministic name).
    public init(
        client: KubeClient, clock: any WallClock, instance: String? = nil, host: String? = nil,
        cacheLimit: Int = 4096
    ) {
        self.client = client
        self.clock = clock
        self.instance = instance
        self.host = host
        self.cacheLimit = max(1, cacheLimit)
    }

    /// Records `event` about `task`: creates the Event, or increments the count of an identical one.
    ///
    /// - Throws: ``ExecutionError`` (operation `recordEvent`) when the API write fails.
    public func record(_ event: PlannedEvent, about task: ScheduledTask) async throws(ExecutionError) {
        let namespace = task.metadata.namespace ?? "default"
        let taskName = task.metadata.name ?? ""
        let key = Self.deduplicationKey(event, namespace: namespace, task: taskName, uid: task.metadata.uid)
        let name = Self.eventName(task: taskName, key: key)
        let events = client.resource(CoreEvent.self, namespace: namespace)
        let now = clock.currentDate
        do {
            if let known = seen[key] {
                do {
                    try await increment(events, name: name, to: known.count + 1, at: now)
                    remember(key, name: name, count: known.count + 1)
                    return
                } catch let error as KubeError where error.isNotFound {
                    // The Event expired (the API server keeps them for an hour): start a new one.
                    seen.removeValue(forKey: key)
                }
            }
            do {
                let created = try await events.create(
                    makeEvent(event, task: task, name: name, namespace: namespace, now: now),
                    options: WriteOptions(isSafeToRetry: true, priority: .low))
                remember(key, name: name, count: created.count ?? 1)
            } catch let error as KubeError where error.isAlreadyExists {
                // Recorded before by us (before a restart) or by another replica: count it.
                let existing = try await events.get(name)
                let count = (existing.count ?? 1) + 1
                try await increment(events, name: name, to: count, at: now)
                remember(key, name: name, count: count)
            }
        } catch {
            throw ExecutionError(
                operation: .recordEvent, task: "\(namespace)/\(taskName)", object: name,
                disposition: .classify(error, operation: .recordEvent), underlying: error)
        }
    }

    // MARK: - Helpers

    private func increment(
        _ events: ResourceClient<CoreEvent>, name: String, to count: Int32, at now: Date
    ) async throws {
        let patch: JSONValue = ["count": .int(Int64(count)), "lastTimestamp": .string(KubeTime.format(now))]
        _ = try await events.patch(name, patch: .merge(patch), options: WriteOptions(priority: .low))
    }

    private func makeEvent(
        _ event: PlannedEvent, task: ScheduledTask, name: String, namespace: String, now: Date
    ) -> CoreEvent {
        let reference = ObjectReference(
            apiVersion: task.apiVersion, kind: task.kind, namespace: namespace, name: task.metadata.name,
            uid: task.metadata.uid, resourceVersion: task.metadata.resourceVersion)
        return CoreEvent(
            metadata: ObjectMeta(name: name, namespace: namespace),
            involvedObject: reference, reason: event.reason, message: event.message, type: event.type.rawValue,
            source: CoreEvent.Source(component: Self.component, host: host), firstTimestamp: now,
            lastTimestamp: now, count: 1, reportingComponent: Self.component, reportingInstance: instance)
    }

    private func remember(_ key: String, name: String, count: Int32) {
        useCounter += 1
        seen[key] = Seen(name: name, count: count, lastUse: useCounter)
        if seen.count > cacheLimit, let oldest = seen.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            seen.removeValue(forKey: oldest.key)
        }
    }

    /// The fields that make two events "the same" (client-go's `getEventKey` without the source host).
    static func deduplicationKey(_ event: PlannedEvent, namespace: String, task: String, uid: String?) -> String {
        [namespace, task, uid ?? "", event.type.rawValue, event.reason, event.message].joined(separator: "\u{1F}")
    }

    /// `<task>.<16 hex digits>`: a valid object name, the same for the same deduplication key.
    static func eventName(task: String, key: String) -> String {
        "\(task.prefix(200)).\(StableHash.hex(key, length: 16))"
    }
}
