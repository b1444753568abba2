import Foundation

/// The fixed per-task delay of `spec.jitterSeconds`.
///
/// Derived from a stable hash of the task's uid, so it is the same on every replica and after
/// every restart, spreads tasks with the same schedule evenly, and changes only when the task is
/// recreated.
public enum Jitter {
    /// A whole number of seconds in `[0, jitterSeconds)`; 0 when `jitterSeconds` ≤ 1.
    public static func offset(seed: String, jitterSeconds: Int) -> TimeInterval {
        guard jitterSeconds > 1 else { return 0 }
        return TimeInterval(StableHash.fnv1a(seed) % UInt64(jitterSeconds))
    }
}
