import KubeClient
import Synchronization

/// Lets time-critical requests go first at the request level: background writers wait while
/// foreground work is in progress, for at most a bound.
///
/// The client's rate limiter orders requests only when it has no token to spare; with a generous
/// budget the API server itself is the bottleneck, and every background request (a status patch,
/// an Event) served during a burst of foreground ones (Job creates whose slot is due) delays them.
/// The foreground marks its requests with ``withForeground(_:)`` (or ``enter()``/``leave()``),
/// from before it asks for the budget until the answer; background writers call
/// ``waitForBackgroundTurn(queuedAt:)`` before each request. A background writer proceeds when no
/// foreground work has been in progress for ``linger`` (zero by default; a positive linger bridges
/// short gaps between one foreground operation and the next of the same burst), or after waiting
/// ``bound``, or once ``maximumDelay`` has passed since its work was queued, so that background
/// work is delayed, never starved. The per-wait bound alone lets one writer through every `bound`
/// while foreground work goes on, so work queued behind a hundred others would wait a hundred
/// bounds; the delay since queueing caps that, and a burst of foreground work shorter than it still
/// goes first.
///
/// Waiting is what lets background writers coalesce: a status writer that reads what to write
/// only after its turn comes writes the newest status of a task once, not every intermediate one.
public final class ForegroundGate: Sendable {
    /// The longest one background request waits for its turn.
    public let bound: Duration
    /// The longest background work is held back in total, from when it was queued.
    public let maximumDelay: Duration
    /// How long the gate must have been idle before background requests proceed.
    public let linger: Duration

    private let clock: any WallClock
    private let state = Mutex(State())

    private struct State {
        /// Foreground operations in progress.
        var active = 0
        /// When the last foreground operation ended.
        var lastEnd: WallInstant?
        /// Background writers waiting for `active` to drop to zero.
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they registered.
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    /// What a background writer should do next.
    private enum Turn {
        case proceed
        case sleep(until: WallInstant)
        case waitForIdle
    }

    /// - Parameters:
    ///   - clock: the clock the bound and the linger are measured on.
    ///   - bound: the longest a background request waits (it then proceeds anyway).
    ///   - linger: how long no foreground work must have been in progress.
    ///   - maximumDelay: the longest background work is held back since it was queued (15 s: longer
    ///     than the creates of 10,000 due tasks take here, far shorter than a leadership).
    public init(
        clock: any WallClock, bound: Duration = .seconds(2), linger: Duration = .zero,
        maximumDelay: Duration = .seconds(15)
    ) {
        self.clock = clock
        self.bound = max(.zero, bound)
        self.maximumDelay = max(.zero, maximumDelay)
        self.linger = max(.zero, linger)
    }

    // MARK: - Foreground

    /// Marks one foreground operation as started; balance with ``leave()``.
    public func enter() {
        state.withLock { $0.active += 1 }
    }

    /// Marks one foreground operation as ended; background writers may proceed once none is left.
    public func leave() {
        let now = clock.now
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.active = max(0, state.active - 1)
            state.lastEnd = now
            guard state.active == 0 else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Runs `operation` as foreground work.
    public func withForeground<T, E: Error>(
        isolation: isolated (any Actor)? = #isolation, _ operation: () async throws(E) -> T
    ) async throws(E) -> T {
        enter()
        defer { leave() }
        return try await operation()
    }

    /// Whether foreground work is in progress now.
    public var isBusy: Bool { state.withLock { $0.active > 0 } }

    /// The gate's current instant: what a background writer notes as the time its work was queued.
    public var now: WallInstant { clock.now }

    // MARK: - Background

    /// Returns when a background request may be sent: once no foreground work has been in
    /// progress for ``linger``, after ``bound`` at the latest, at once if its work was queued
    /// ``maximumDelay`` ago, or when the calling task is cancelled.
    ///
    /// - Parameter queuedAt: when the work became pending, on the gate's clock (``now``); now when nil.
    public func waitForBackgroundTurn(queuedAt: WallInstant? = nil) async {
        let now = clock.now
        let deadline = min(now.advanced(by: bound), (queuedAt ?? now).advanced(by: maximumDelay))
        while !Task.isCancelled {
            switch turn(deadline: deadline) {
            case .proceed:
                return
            case .sleep(let until):
                do {
                    try await clock.sleep(until: until, tolerance: nil)
                } catch {
                    return
                }
            case .waitForIdle:
                await waitForIdle(orUntil: deadline)
            }
        }
    }

    private func turn(deadline: WallInstant) -> Turn {
        let now = clock.now
        guard now < deadline else { return .proceed }
        return state.withLock { state in
            guard state.active == 0 else { return .waitForIdle }
            guard let lastEnd = state.lastEnd else { return .proceed }
            let quietFrom = lastEnd.advanced(by: linger)
            return now >= quietFrom ? .proceed : .sleep(until: min(quietFrom, deadline))
        }
    }

    /// Waits until the foreground becomes idle or the clock reaches `deadline`, whichever comes first.
    private func waitForIdle(orUntil deadline: WallInstant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.clock.sleep(until: deadline, tolerance: nil) }
            group.addTask { await self.idle() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when no foreground work is in progress (or when cancelled).
    private func idle() async {
        let id: UInt64 = state.withLock {
            $0.nextID += 1
            return $0.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil || state.active == 0 { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume()
        }
        // A cancellation that came after the waiter was resumed left its mark; the handler cannot run any more.
        _ = state.withLock { $0.cancelled.remove(id) }
    }
}
