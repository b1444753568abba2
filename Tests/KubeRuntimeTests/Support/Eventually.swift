import Foundation
import KubeClient
import KubeSim

/// Polls `condition` until it holds or a short real-time bound passes.
///
/// Virtual time never moves by itself, so the only real waiting in these tests is for other
/// tasks to reach their next suspension point; the bound is generous for a loaded 2-core
/// machine and is never reached when the code is right.
func eventually(
    timeout: Duration = .seconds(30),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        for _ in 0..<10 { await Task.yield() }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return try await condition()
}

/// Waits until every task sleeping on `clock` has stayed asleep for a few scheduler rounds,
/// i.e. the system is quiescent and only virtual time can move it on.
func settle(_ clock: ManualClock, sleepers: Int) async -> Bool {
    var stableRounds = 0
    return await eventually {
        if clock.sleeperCount == sleepers {
            stableRounds += 1
        } else {
            stableRounds = 0
        }
        return stableRounds >= 5
    }
}

/// A fixed instant all virtual clocks start at, so failures print readable times.
let testEpoch = Date(timeIntervalSince1970: 1_800_000_000)
