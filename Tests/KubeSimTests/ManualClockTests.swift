import Foundation
import KubeClient
import KubeSim
import Testing

@Suite struct ManualClockTests {
    @Test func sleeperWakesOnlyWhenTimeReachesItsDeadline() async throws {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 0))
        let task = Task { try await clock.sleep(for: .seconds(10)) }
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await task.value
        #expect(clock.currentDate == Date(timeIntervalSince1970: 10))
    }

    @Test func cancellationEndsTheSleep() async {
        let clock = ManualClock(start: Date(timeIntervalSince1970: 0))
        let task = Task { try await clock.sleep(for: .seconds(10)) }
        while clock.sleeperCount == 0 { await Task.yield() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }
}
