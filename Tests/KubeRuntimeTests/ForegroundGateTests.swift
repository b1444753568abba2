import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Synchronization
import Testing

/// Background writers give way to foreground work, on a manual clock: they wait while it is in
/// progress, proceed when it ends, and proceed anyway after the bound.
@Suite struct ForegroundGateTests {
    let clock = ManualClock(start: testEpoch)

    /// One background writer waiting for its turn, and when it got it.
    final class Waiter: Sendable {
        final class Outcome: Sendable {
            let proceededAt = Mutex<WallInstant?>(nil)
        }

        private let outcome = Outcome()
        private let task: Task<Void, Never>

        init(_ gate: ForegroundGate, clock: ManualClock, queuedAt: WallInstant? = nil) {
            let outcome = outcome
            task = Task {
                await gate.waitForBackgroundTurn(queuedAt: queuedAt)
                let now = clock.now
                outcome.proceededAt.withLock { $0 = now }
            }
        }

        var hasProceeded: Bool { outcome.proceededAt.withLock { $0 != nil } }

        /// Waits for the writer to proceed and returns the virtual time it did.
        func proceeded() async -> WallInstant? {
            await task.value
            return outcome.proceededAt.withLock { $0 }
        }

        func cancel() { task.cancel() }
    }

    /// Lets the waiter reach its suspension point (one sleeper on the clock: its bound or linger).
    private func waitingOnClock() async -> Bool {
        await settle(clock, sleepers: 1)
    }

    @Test func proceedsAtOnceWhenNoForegroundWork() async {
        let gate = ForegroundGate(clock: clock)
        let start = clock.now
        #expect(await Waiter(gate, clock: clock).proceeded() == start)
        #expect(clock.sleeperCount == 0)
    }

    @Test func waitsWhileACreateIsPendingAndProceedsWhenItEnds() async {
        let gate = ForegroundGate(clock: clock, bound: .seconds(2))
        let start = clock.now
        gate.enter()
        let waiter = Waiter(gate, clock: clock)
        #expect(await waitingOnClock())
        #expect(!waiter.hasProceeded)
        gate.leave()
        // No virtual time passed: the end of the foreground work released it.
        #expect(await waiter.proceeded() == start)
        #expect(await settle(clock, sleepers: 0))
    }

    @Test func proceedsAfterTheBoundWhileForegroundWorkGoesOn() async {
        let gate = ForegroundGate(clock: clock, bound: .seconds(2))
        let start = clock.now
        gate.enter()
        let waiter = Waiter(gate, clock: clock)
        #expect(await waitingOnClock())
        clock.advance(by: .milliseconds(1_999))
        #expect(await waitingOnClock())
        #expect(!waiter.hasProceeded)
        clock.advance(by: .milliseconds(1))
        #expect(await waiter.proceeded() == start.advanced(by: .seconds(2)))
        #expect(gate.isBusy)
        gate.leave()
    }

    /// Work queued behind other background work is held back at most the maximum delay in total,
    /// counted from when it was queued, not a bound again for each writer's wait before it.
    @Test func theMaximumDelayCountsFromWhenTheWorkWasQueued() async {
        let gate = ForegroundGate(clock: clock, bound: .seconds(2), maximumDelay: .seconds(5))
        let queued = gate.now
        gate.enter()
        // Taken up 4 s after it was queued: the maximum delay ends before the bound does.
        clock.advance(by: .seconds(4))
        let waiter = Waiter(gate, clock: clock, queuedAt: queued)
        #expect(await waitingOnClock())
        #expect(!waiter.hasProceeded)
        clock.advance(by: .seconds(1))
        #expect(await waiter.proceeded() == queued.advanced(by: .seconds(5)))
        // Queued longer ago than the maximum delay: no wait at all.
        clock.advance(by: .seconds(1))
        #expect(await Waiter(gate, clock: clock, queuedAt: queued).proceeded() == clock.now)
        // Queued just now: the bound applies.
        let fresh = Waiter(gate, clock: clock, queuedAt: gate.now)
        let start = clock.now
        #expect(await waitingOnClock())
        clock.advance(by: .seconds(2))
        #expect(await fresh.proceeded() == start.advanced(by: .seconds(2)))
        #expect(gate.isBusy)
        gate.leave()
    }

    struct NestingCase: Sendable, CustomTestStringConvertible {
        let name: String
        /// Foreground operations started before the writer waits.
        let entered: Int
        var testDescription: String { name }
    }

    @Test(arguments: [
        NestingCase(name: "one create", entered: 1),
        NestingCase(name: "three creates in flight", entered: 3),
    ])
    func waitsUntilTheLastForegroundOperationEnds(_ nesting: NestingCase) async {
        let gate = ForegroundGate(clock: clock)
        for _ in 0..<nesting.entered { gate.enter() }
        let waiter = Waiter(gate, clock: clock)
        for _ in 1..<nesting.entered {
            gate.leave()
            #expect(await waitingOnClock())
            #expect(!waiter.hasProceeded, "proceeded with operations still in progress")
        }
        gate.leave()
        #expect(await waiter.proceeded() != nil)
        #expect(!gate.isBusy)
    }

    @Test func lingerBridgesTheGapBetweenForegroundOperations() async {
        // Whole seconds keep the virtual instants exact.
        let gate = ForegroundGate(clock: clock, bound: .seconds(60), linger: .seconds(5))
        let start = clock.now
        gate.enter()
        gate.leave()
        let waiter = Waiter(gate, clock: clock)
        #expect(await waitingOnClock())
        clock.advance(by: .seconds(2))
        // The next operation of the burst starts within the linger: the writer keeps waiting.
        gate.enter()
        #expect(await waitingOnClock())
        clock.advance(by: .seconds(3))
        #expect(await waitingOnClock())
        #expect(!waiter.hasProceeded)
        gate.leave()
        #expect(await waitingOnClock())
        #expect(!waiter.hasProceeded)
        clock.advance(by: .seconds(5))
        #expect(await waiter.proceeded() == start.advanced(by: .seconds(10)))
    }

    @Test func foregroundClosureEndsEvenWhenItThrows() async {
        struct Refused: Error {}
        let gate = ForegroundGate(clock: clock)
        let busyInside = await gate.withForeground { gate.isBusy }
        #expect(busyInside)
        await #expect(throws: Refused.self) {
            try await gate.withForeground { () async throws(Refused) -> Void in throw Refused() }
        }
        #expect(!gate.isBusy)
    }

    @Test func cancelledWriterStopsWaiting() async {
        let gate = ForegroundGate(clock: clock)
        gate.enter()
        let waiter = Waiter(gate, clock: clock)
        #expect(await waitingOnClock())
        waiter.cancel()
        #expect(await waiter.proceeded() == clock.now)
        #expect(await settle(clock, sleepers: 0))
        gate.leave()
    }
}
