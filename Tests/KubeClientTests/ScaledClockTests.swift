import Foundation
import KubeClient
import KubeSim
import Testing

@Suite struct ScaledClockTests {
    static let anchor = Date(timeIntervalSince1970: 1_800_000_000)

    struct Reading: CustomTestStringConvertible, Sendable {
        let name: String
        let speed: Double
        /// Base seconds after the anchor.
        let baseOffset: TimeInterval
        /// Expected scaled seconds after the anchor.
        let expectedOffset: TimeInterval
        var testDescription: String { name }
    }

    @Test(arguments: [
        Reading(name: "at the anchor both clocks agree", speed: 20, baseOffset: 0, expectedOffset: 0),
        Reading(name: "3 s at speed 20 → one minute", speed: 20, baseOffset: 3, expectedOffset: 60),
        Reading(name: "before the anchor time also runs faster", speed: 20, baseOffset: -3, expectedOffset: -60),
        Reading(name: "speed 1 is the base clock", speed: 1, baseOffset: 42.5, expectedOffset: 42.5),
        Reading(name: "speed below 1 slows time down", speed: 0.5, baseOffset: 10, expectedOffset: 5),
    ])
    func readsScaledTime(_ reading: Reading) throws {
        let base = ManualClock(start: Self.anchor.addingTimeInterval(reading.baseOffset))
        let clock = try ScaledClock(base: base, anchor: Self.anchor, speed: reading.speed)
        #expect(abs(clock.now.date.timeIntervalSince(Self.anchor) - reading.expectedOffset) < 1e-6)
        // The conversion back lands on the base instant.
        #expect(abs(clock.unscaled(clock.now).date.timeIntervalSince(base.now.date)) < 1e-6)
    }

    @Test(arguments: [0.0, -2.0, Double.infinity, Double.nan])
    func refusesASpeedThatIsNotPositiveAndFinite(_ speed: Double) {
        #expect(throws: ConfigurationError.self) {
            _ = try ScaledClock(base: ManualClock(start: Self.anchor), anchor: Self.anchor, speed: speed)
        }
    }

    @Test func twoClocksWithTheSameAnchorAndSpeedAgree() throws {
        // Two processes: different base instances showing the same system time.
        let instant = Self.anchor.addingTimeInterval(7.25)
        let first = try ScaledClock(base: ManualClock(start: instant), anchor: Self.anchor, speed: 30)
        let second = try ScaledClock(base: ManualClock(start: instant), anchor: Self.anchor, speed: 30)
        #expect(first.now == second.now)
    }

    @Test(.timeLimit(.minutes(1))) func aVirtualMinuteSleepsOneBaseSecondAtSpeed60() async throws {
        let base = ManualClock(start: Self.anchor)
        let clock = try ScaledClock(base: base, anchor: Self.anchor, speed: 60)
        let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
        // Wait (bounded, in real time) until the sleeper waits on the base clock.
        for _ in 0..<2_000 where base.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(base.sleeperCount == 1)
        #expect(base.nextDeadline == WallInstant(Self.anchor.addingTimeInterval(1)))
        base.advance(by: .milliseconds(999))
        #expect(base.sleeperCount == 1, "still asleep 1 ms before the base deadline")
        base.advance(by: .milliseconds(1))
        try await sleeper.value
        #expect(clock.now == WallInstant(Self.anchor.addingTimeInterval(60)))
    }
}
