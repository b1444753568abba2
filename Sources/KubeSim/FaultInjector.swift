import Foundation
import KubeClient
import Synchronization

/// Scripted failures of the simulated API server, for tests and for `punctual sim` users.
///
/// Reachable in-process (`server.faults`) and over HTTP under `/sim/faults` (JSON bodies):
///
/// - `POST /sim/faults/fail` with
///   `{"verb": "create", "resource": "jobs", "count": 3, "code": 429, "retryAfterSeconds": 2}`: the next
///   `count` requests matching verb and resource (both optional; `resource` is the plural, or
///   `plural.group` such as `jobs.batch`) fail with `code` as a proper Status; 429 carries `Retry-After`.
/// - `POST /sim/faults/latency` with `{"milliseconds": 200}`: every API request waits this long
///   first (0 turns it off).
/// - `POST /sim/faults/unavailable` with `{"seconds": 30}`: every API request answers 503 for this
///   long on the simulation clock.
/// - `POST /sim/faults/close-watches`: every open watch stream ends now (in-process subscriptions
///   opened fault-exempt stay open).
/// - `POST /sim/faults/compact`: the watch history is forgotten; older resourceVersions and continue
///   tokens get 410 Expired.
/// - `GET /sim/faults`: the pending faults, as JSON. `DELETE /sim/faults`: clears failures, latency
///   and unavailability.
///
/// Every endpoint answers the pending faults as JSON; with a bearer token configured they need it too.
///
/// Latency is real time, not simulation time: a request that slept on a ``ManualClock`` would
/// stall until a test advanced the clock, which would make the server itself part of the
/// virtual-time choreography. Unavailability windows are measured on the injected clock, so a
/// test can open one, advance time past it and see the server come back.
public final class FaultInjector: Sendable {
    /// One scripted failure rule.
    public struct FailureRule: Sendable, Hashable, Codable {
        /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`; `nil` matches all.
        public var verb: String?
        /// The plural resource name (`jobs`) or `plural.group` (`jobs.batch`); `nil` matches all.
        public var resource: String?
        /// How many matching requests fail.
        public var count: Int
        /// The HTTP status: 429, 500, 503 (others are allowed and get a generic reason).
        public var code: Int
        /// The `Retry-After` seconds sent with 429 (and 503).
        public var retryAfterSeconds: Int?
        /// An optional message for the Status.
        public var message: String?

        public init(
            verb: String? = nil, resource: String? = nil, count: Int = 1, code: Int, retryAfterSeconds: Int? = nil,
            message: String? = nil
        ) {
            self.verb = verb
            self.resource = resource
            self.count = count
            self.code = code
            self.retryAfterSeconds = retryAfterSeconds
            self.message = message
        }

        func matches(verb: String, resource: GroupResource) -> Bool {
            if let wanted = self.verb, wanted.lowercased() != verb { return false }
            if let wanted = self.resource, wanted != resource.resource, wanted != resource.description { return false }
            return true
        }
    }

    private struct State {
        var rules: [FailureRule] = []
        var latency: Duration = .zero
        var unavailableUntil: Date?
    }

    private let state = Mutex(State())
    private let clock: any WallClock
    private let store: SimStore

    init(clock: any WallClock, store: SimStore) {
        self.clock = clock
        self.store = store
    }

    // MARK: - Scripting

    /// Makes the next `rule.count` matching requests fail with `rule.code`.
    public func fail(_ rule: FailureRule) {
        state.withLock { $0.rules.append(rule) }
    }

    /// Delays every API request by `latency` of real time (`.zero` turns it off).
    public func setLatency(_ latency: Duration) {
        state.withLock { $0.latency = latency }
    }

    /// Answers 503 to every API request for `duration` of simulation time from now.
    public func makeUnavailable(for duration: Duration) {
        let until = clock.currentDate.addingTimeInterval(duration.timeInterval)
        state.withLock { $0.unavailableUntil = until }
    }

    /// Ends every open watch stream, and every in-process subscription that is not fault-exempt.
    public func closeAllWatches() {
        store.closeWatchesSparingFaultExempt()
    }

    /// Forgets the watch history, so older resourceVersions and continue tokens get 410 Expired.
    public func compactHistory() {
        store.compactHistory()
    }

    /// Clears failure rules, latency and unavailability.
    public func reset() {
        state.withLock { $0 = State() }
    }

    /// The failure rules still pending.
    public var pendingFailures: [FailureRule] { state.withLock { $0.rules } }

    // MARK: - Evaluation

    /// What to do with one API request before serving it.
    struct Decision {
        var latency: Duration
        var failure: (Status, retryAfter: Int?)?
    }

    func decide(verb: String, resource: GroupResource?) -> Decision {
        let now = clock.currentDate
        return state.withLock { state in
            var decision = Decision(latency: state.latency)
            if let until = state.unavailableUntil {
                if now < until {
                    let remaining = Int(until.timeIntervalSince(now).rounded(.up))
                    decision.failure = (
                        .serviceUnavailable("the server is currently unavailable (injected)"), remaining
                    )
                    return decision
                }
                state.unavailableUntil = nil
            }
            guard let resource,
                let index = state.rules.firstIndex(where: { $0.matches(verb: verb, resource: resource) })
            else { return decision }
            let rule = state.rules[index]
            state.rules[index].count -= 1
            if state.rules[index].count <= 0 { state.rules.remove(at: index) }
            var status = Status.injected(
                code: rule.code, retryAfterSeconds: rule.retryAfterSeconds, message: rule.message)
            if let retryAfter = rule.retryAfterSeconds, status.details?.retryAfterSeconds == nil {
                status.details = Status.Details(retryAfterSeconds: retryAfter)
            }
            decision.failure = (status, rule.code == 429 ? (rule.retryAfterSeconds ?? 1) : rule.retryAfterSeconds)
            return decision
        }
    }

    /// A JSON description of the pending faults, for `GET /sim/faults`.
    func snapshot() -> JSONValue {
        let now = clock.currentDate
        return state.withLock { state in
            var value: JSONValue = [
                "failures": .array(state.rules.compactMap { try? JSONValue(encoding: $0) }),
                "latencyMilliseconds": .int(Int64(state.latency.timeInterval * 1000)),
            ]
            if let until = state.unavailableUntil, until > now {
                value["unavailableSeconds"] = .double(until.timeIntervalSince(now))
            }
            return value
        }
    }
}
