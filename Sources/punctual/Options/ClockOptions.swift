import ArgumentParser
import Foundation
import KubeClient

/// `--speed` and `--clock-anchor`: run on an accelerated clock that other processes can share.
///
/// `punctual sim` and `punctual controller` started with the same two values agree on the time, so
/// a minutely schedule fires every few real seconds against the simulated cluster (hack/e2e-sim.sh
/// does this). The controller hides these flags: against a real cluster only speed 1 makes sense.
struct ClockOptions: ParsableArguments {
    @Option(help: "Let time pass this many times faster than on the system clock (for trying schedules quickly).")
    var speed: Double = 1

    @Option(
        help: """
            With --speed: the instant (RFC 3339, e.g. 2026-01-01T00:00:00Z) at which the accelerated clock \
            reads the system time. Give every process that must agree the same value (default: when this \
            process starts).
            """)
    var clockAnchor: String?

    /// Checks the values, naming the flag at fault.
    func check() throws(CommandLineError) {
        _ = try clock(startedAt: Date())
    }

    /// The clock to run on: ``SystemClock`` at speed 1 without an anchor, otherwise a
    /// ``ScaledClock`` over it.
    ///
    /// - Parameter startedAt: the anchor when `--clock-anchor` is absent.
    func clock(startedAt: Date) throws(CommandLineError) -> any WallClock {
        guard speed.isFinite, speed > 0 else {
            throw CommandLineError("--speed must be a number greater than 0, got \(speed)")
        }
        var anchor = startedAt
        if let clockAnchor {
            guard let parsed = try? Date(clockAnchor, strategy: .iso8601) else {
                throw CommandLineError(
                    "--clock-anchor \"\(clockAnchor)\": expected an RFC 3339 time such as 2026-01-01T00:00:00Z")
            }
            anchor = parsed
        }
        if speed == 1 && clockAnchor == nil { return SystemClock() }
        do {
            return try ScaledClock(base: SystemClock(), anchor: anchor, speed: speed)
        } catch {
            throw CommandLineError("--speed: \(error.message)")
        }
    }
}
