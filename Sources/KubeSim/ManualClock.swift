import Foundation
import KubeClient
import Synchronization

/// A wall clock that only moves when told to: virtual time for tests, the demo and benchmarks.
///
/// Sleepers wait until ``advance(by:)`` or ``advance(to:)`` moves the time past their deadline;
/// they are resumed in deadline order. The clock can also run *accelerated*: ``runAccelerated``
/// drives it forward at a multiple of real time, which is how `punctual demo` makes a minutely
/// schedule fire every few seconds while every component still shares this one instance.
public final class ManualClock: WallClock, @unchecked Sendable {
    // @unchecked: all mutable state is inside `state`, a Mutex.
    private struct Sleeper {
        let id: UInt64
        let deadline: WallInstant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: WallInstant
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var cancelled: Set<UInt64> = []
    }

    private let state: Mutex<State>

    /// Creates a clock that reads `start` until advanced.
    public init(start: Date) {
        state = Mutex(State(now: WallInstant(start)))
    }

    public var now: WallInstant { state.withLock { $0.now } }

    public var minimumResolution: Swift.Duration { .nanoseconds(1) }

    /// The number of tasks currently sleeping on this clock; tests use it to know that every
    /// component has reached its next wait before advancing time.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline any sleeper waits for, if any.
    public var nextDeadline: WallInstant? {
        state.withLock { $0.sleepers.values.map(\.deadline).min() }
    }

    public func sleep(until deadline: WallInstant, tolerance: Swift.Duration?) async throws {
        try Task.checkCancellation()
        let id: UInt64 = state.withLock {
            $0.nextID += 1
            return $0.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(id: id, deadline: deadline, continuation: continuation)
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the time forward by `duration` and wakes every sleeper whose deadline has passed.
    public func advance(by duration: Swift.Duration) {
        let target = now.advanced(by: duration)
        advance(to: target)
    }

    /// Moves the time to `instant` (never backwards) and wakes every sleeper whose deadline has
    /// passed, earliest first.
    public func advance(to instant: WallInstant) {
        let due: [Sleeper] = state.withLock { state in
            if instant > state.now { state.now = instant }
            let due = state.sleepers.values.filter { $0.deadline <= state.now }.sorted { $0.deadline < $1.deadline }
            for sleeper in due { state.sleepers.removeValue(forKey: sleeper.id) }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Drives the clock forward at `speed` × real time until the calling task is cancelled.
    ///
    /// - Parameters:
    ///   - speed: virtual seconds per real second (60 makes a minute pass every real second).
    ///   - tick: how often, in real time, the clock is advanced.
    public func runAccelerated(speed: Double, tick: Swift.Duration = .milliseconds(20)) async {
        let realClock = ContinuousClock()
        var last = realClock.now
        while !Task.isCancelled {
            do { try await realClock.sleep(for: tick) } catch { return }
            let current = realClock.now
            let elapsed = last.duration(to: current)
            last = current
            advance(by: elapsed * speed)
        }
    }
}
