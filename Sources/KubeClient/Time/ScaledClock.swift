import Foundation

/// A wall clock that runs `speed` times faster than another one from a fixed anchor instant: the
/// accelerated timeline that separate processes can share.
///
/// At `anchor` both clocks read the same; `t` seconds later on `base` this clock reads
/// `anchor + t × speed`. Sleeps are converted back, so sleeping one minute at speed 60 takes one
/// second on `base`. Unlike `ManualClock.runAccelerated` (one process, one clock instance), two
/// processes that build a `ScaledClock` over their system clocks with the same anchor and speed
/// read the same time, up to the difference of their system clocks times `speed`; this is what lets
/// `punctual sim` and `punctual controller`, started with the same `--speed` and `--clock-anchor`,
/// run a minutely schedule every few seconds against each other.
///
/// Only for tests and demonstrations: every duration the components wait for (lease renewals,
/// backoffs, deadlines) shrinks by `speed` in real time, so scale such settings up by the same
/// factor where the real-time value matters.
public struct ScaledClock<Base: WallClock>: WallClock {
    /// The clock this one is derived from (``SystemClock`` outside tests).
    public let base: Base
    /// The instant at which this clock and `base` agree.
    public let anchor: Date
    /// Seconds on this clock per second on `base`; greater than 0.
    public let speed: Double

    /// - Throws: ``ConfigurationError`` (field `speed`) unless `speed` is finite and greater than 0.
    public init(base: Base, anchor: Date, speed: Double) throws(ConfigurationError) {
        guard speed.isFinite, speed > 0 else {
            throw ConfigurationError(field: "speed", message: "must be a finite number greater than 0, got \(speed)")
        }
        self.base = base
        self.anchor = anchor
        self.speed = speed
    }

    public var now: WallInstant { scaled(base.now) }

    public var minimumResolution: Swift.Duration { base.minimumResolution }

    public func sleep(until deadline: WallInstant, tolerance: Swift.Duration?) async throws {
        try await base.sleep(until: unscaled(deadline), tolerance: tolerance.map { $0 / speed })
    }

    // MARK: - Conversion

    /// The instant on this clock that corresponds to `instant` on `base`.
    public func scaled(_ instant: WallInstant) -> WallInstant {
        WallInstant(anchor.addingTimeInterval(instant.date.timeIntervalSince(anchor) * speed))
    }

    /// The instant on `base` at which this clock reads `instant`.
    public func unscaled(_ instant: WallInstant) -> WallInstant {
        WallInstant(anchor.addingTimeInterval(instant.date.timeIntervalSince(anchor) / speed))
    }
}
