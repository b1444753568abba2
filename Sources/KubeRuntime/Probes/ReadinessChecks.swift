import Synchronization

/// Named readiness conditions behind `/readyz`: e.g. "informer caches synced", "election loop
/// alive". The process is ready when every registered check passes.
public final class ReadinessChecks: Sendable {
    /// A check answers quickly from in-memory state (it runs on every probe).
    public typealias Check = @Sendable () async -> Bool

    private let checks = Mutex<[(name: String, check: Check)]>([])

    public init() {}

    /// Registers (or replaces) the check called `name`.
    public func register(_ name: String, _ check: @escaping Check) {
        checks.withLock { checks in
            checks.removeAll { $0.name == name }
            checks.append((name, check))
        }
    }

    /// The names of the checks that fail now, in registration order; empty when ready.
    public func failing() async -> [String] {
        let snapshot = checks.withLock { $0 }
        var failing: [String] = []
        for (name, check) in snapshot where !(await check()) {
            failing.append(name)
        }
        return failing
    }
}
