import Foundation

/// The real wall clock: `Date()` for the time, `ContinuousClock` for sleeping.
///
/// This is the only place in Punctual that reads the system time. A wall-clock deadline is
/// converted into a continuous-clock sleep when the sleep starts, so a system clock step during a
/// sleep shortens or lengthens it by the step (as `time.Timer` does in Go); callers re-check the
/// time after waking, as every level-triggered loop in Punctual does.
public struct SystemClock: WallClock {
    public init() {}

    public var now: WallInstant { WallInstant(Date()) }

    public var minimumResolution: Swift.Duration { .microseconds(1) }

    public func sleep(until deadline: WallInstant, tolerance: Swift.Duration?) async throws {
        let delay = now.duration(to: deadline)
        if delay <= .zero {
            try Task.checkCancellation()
            return
        }
        try await ContinuousClock().sleep(for: delay, tolerance: tolerance)
    }
}
