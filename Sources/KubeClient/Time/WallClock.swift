import Foundation

/// A point on a wall clock: a `Date` that can take part in the stdlib `Clock` machinery.
///
/// Kubernetes speaks in wall-clock instants (creationTimestamp, renewTime, a cron slot), while
/// Swift concurrency sleeps on a `Clock`. This instant joins the two so one clock value serves
/// both the scheduling logic (`now.date`) and `Task.sleep(until:clock:)`.
public struct WallInstant: InstantProtocol, Sendable, Hashable, Comparable, CustomStringConvertible {
    public typealias Duration = Swift.Duration

    /// The wall-clock instant.
    public var date: Date

    public init(_ date: Date) { self.date = date }

    public func advanced(by duration: Swift.Duration) -> WallInstant {
        WallInstant(date.addingTimeInterval(duration.timeInterval))
    }

    public func duration(to other: WallInstant) -> Swift.Duration {
        .seconds(other.date.timeIntervalSince(date))
    }

    public static func < (lhs: WallInstant, rhs: WallInstant) -> Bool { lhs.date < rhs.date }

    public var description: String { date.formatted(.iso8601) }
}

/// The one clock abstraction of Punctual: a stdlib `Clock` whose instants are wall-clock dates.
///
/// Every component that reads the time or waits takes a `WallClock` in its initialiser, so tests
/// and the demo can run schedules in virtual time (see `ManualClock` in KubeSim) while production
/// uses ``SystemClock``. Because it refines `Clock`, any API that waits on `any Clock<Duration>`
/// accepts it unchanged.
public protocol WallClock: Clock, Sendable where Instant == WallInstant, Duration == Swift.Duration {}

extension WallClock {
    /// The current wall-clock time according to this clock.
    public var currentDate: Date { now.date }

    /// Sleeps for `duration` on this clock (virtual time on a manual clock).
    public func sleep(for duration: Swift.Duration) async throws {
        try await sleep(until: now.advanced(by: duration), tolerance: nil)
    }
}

extension Swift.Duration {
    /// The duration in seconds as a `TimeInterval`, with attosecond precision folded to double.
    public var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
