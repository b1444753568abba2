/// How urgently a request needs the client's budget (`qps`/`burst`).
///
/// When the ``ClientRateLimiter`` has no token to spare, waiting requests are served by priority
/// (highest first), in arrival order within one priority. Use `high` for the writes that make work
/// late when delayed (e.g. creating a Job whose slot is due), `low` for best-effort housekeeping
/// (events, deleting history) whose volume is bounded, and `normal` for everything else.
public enum RequestPriority: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case low = 0
    case normal = 1
    case high = 2

    public static func < (lhs: RequestPriority, rhs: RequestPriority) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String {
        switch self {
        case .low: "low"
        case .normal: "normal"
        case .high: "high"
        }
    }
}
