import Foundation
import KubeClient
import KubeSim
import Synchronization

/// Waits until the tasks sleeping on `clock` stop changing for a few scheduler rounds: every
/// component has reached its next wait and only virtual time can move the system on.
func settle(_ clock: ManualClock) async {
    var stableRounds = 0
    var last: (Int, WallInstant?) = (-1, nil)
    _ = await eventually {
        let current = (clock.sleeperCount, clock.nextDeadline)
        if current.0 == last.0, current.1 == last.1 {
            stableRounds += 1
        } else {
            stableRounds = 0
            last = current
        }
        return stableRounds >= 5
    }
}

/// Moves `clock` to `target` one wake-up at a time, letting the system settle after each, so
/// every component observes every instant it asked for, as it would in real time.
func run(_ clock: ManualClock, until target: WallInstant) async {
    while true {
        await settle(clock)
        guard let next = clock.nextDeadline, next <= target else { break }
        clock.advance(to: next)
    }
    clock.advance(to: target)
    await settle(clock)
}

/// Suspends until the calling task is cancelled, without sleeping on any clock.
func suspendUntilCancelled() async {
    let waiter = CancellationWaiter()
    await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiter.park(continuation)
        }
    } onCancel: {
        waiter.wake()
    }
}

private final class CancellationWaiter: Sendable {
    private let slot = Mutex<(continuation: CheckedContinuation<Void, Never>?, isWoken: Bool)>((nil, false))

    func park(_ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = slot.withLock { slot in
            if slot.isWoken || Task.isCancelled { return true }
            slot.continuation = continuation
            return false
        }
        if resumeNow { continuation.resume() }
    }

    func wake() {
        let continuation = slot.withLock { slot in
            slot.isWoken = true
            let continuation = slot.continuation
            slot.continuation = nil
            return continuation
        }
        continuation?.resume()
    }
}
