import KubeClient
import Synchronization

/// A one-waiter wake-up flag: ``signal()`` wakes the current (or next) ``wait(until:on:)``.
///
/// The standby loop of the elector waits on it for "the lease changed" while sleeping until
/// the lease's expiry, so one sleep on the clock covers both.
final class WakeupSignal: Sendable {
    enum Reason: Sendable {
        case signalled
        case deadline
    }

    private struct State {
        var isPending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Wakes the waiter, or the next one if nobody waits right now.
    func signal() {
        let waiter = state.withLock { state in
            guard let waiter = state.waiter else {
                state.isPending = true
                return nil as CheckedContinuation<Void, Never>?
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Suspends until signalled or until `deadline` on `clock`, whichever comes first.
    ///
    /// - Throws: `CancellationError` if the calling task is cancelled.
    func wait(until deadline: WallInstant, on clock: any WallClock) async throws -> Reason {
        let reason = try await withThrowingTaskGroup(of: Reason.self) { group in
            group.addTask {
                try await clock.sleep(until: deadline, tolerance: nil)
                return .deadline
            }
            group.addTask {
                await self.waitForSignal()
                return .signalled
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .deadline
        }
        try Task.checkCancellation()
        return reason
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.isPending {
                        state.isPending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                let waiter = state.waiter
                state.waiter = nil
                return waiter
            }
            waiter?.resume()
        }
    }
}
