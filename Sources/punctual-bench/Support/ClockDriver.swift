import KubeClient
import KubeSim

/// Drives the simulation's one `ManualClock` so that the simulator, the runtime, the controller
/// and the measurements all read the same time.
///
/// A benchmark runs in two phases. During set-up the clock runs fast (so that client rate limits
/// and delays do not make set-up slow) but never reaches a cap placed a few seconds before the
/// measured slot. Then the clock jumps to the cap and runs at real speed: from there on, a second
/// of simulated time is a second of wall time (within one tick), so a skew read on this clock is
/// a wall-clock skew.
struct ClockDriver: Sendable {
    let clock: ManualClock

    /// Runs `body` while the clock advances at `speed` × real time in steps of `tick`, never past
    /// `cap`; the clock stops when `body` returns.
    func whileRunning<T: Sendable>(
        speed: Double, cap: WallInstant? = nil, tick: Duration = .milliseconds(1),
        _ body: () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await advance(speed: speed, cap: cap, tick: tick) }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    private func advance(speed: Double, cap: WallInstant?, tick: Duration) async {
        let realClock = ContinuousClock()
        var last = realClock.now
        while !Task.isCancelled {
            do { try await realClock.sleep(for: tick) } catch { return }
            let current = realClock.now
            var target = clock.now.advanced(by: last.duration(to: current) * speed)
            last = current
            if let cap, target > cap { target = cap }
            clock.advance(to: target)
        }
    }
}
