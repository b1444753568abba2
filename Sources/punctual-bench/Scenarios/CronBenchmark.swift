import ArgumentParser
import Cron
import Foundation

/// Measures `CronSchedule.next(after:)` calls per second on one core for typical schedules.
///
/// Each measurement walks a schedule forward from 2026-01-01, feeding every slot back as the next
/// starting point, as a controller does; it runs for `--seconds` and reports calls per second.
struct CronBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "next() calls per second for typical schedules in UTC and America/New_York."
    )

    @Option(help: "Seconds to measure each schedule and zone.")
    var seconds: Double = 1

    static let schedules = ["*/5 * * * *", "0 * * * *", "30 2 * * *", "0 9 * * MON-FRI", "0 0 1 * *", "0 0 29 2 *"]
    static let zones = ["UTC", "America/New_York"]

    /// One row of results.
    struct Result: Codable {
        var schedule: String
        var zone: String
        var callsPerSecond: Int
    }

    /// The JSON line.
    struct Report: Codable {
        var scenario = "cron"
        var activeProcessorCount = ProcessInfo.processInfo.activeProcessorCount
        var results: [Result]
    }

    func validate() throws {
        guard seconds > 0 && seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") }
    }

    func run() throws {
        var results: [Result] = []
        for zone in Self.zones {
            for text in Self.schedules {
                let schedule = try CronSchedule(text, timeZoneIdentifier: zone)
                results.append(Result(schedule: text, zone: zone, callsPerSecond: measure(schedule)))
            }
        }
        print(
            "schedule".padding(toLength: 18, withPad: " ", startingAt: 0)
                + "zone".padding(toLength: 20, withPad: " ", startingAt: 0) + "next() calls/s")
        for result in results {
            print(
                result.schedule.padding(toLength: 18, withPad: " ", startingAt: 0)
                    + result.zone.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + result.callsPerSecond.formatted())
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(Report(results: results)), as: UTF8.self))
    }

    /// Calls per second of `next(after:)`, chaining each slot into the next call.
    private func measure(_ schedule: CronSchedule) -> Int {
        let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        let clock = ContinuousClock()
        let budget = Duration.seconds(seconds)
        let began = clock.now
        var calls = 0
        var cursor = start
        let end = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01T00:00:00Z
        while clock.now - began < budget {
            for _ in 0..<1_000 {
                // Start over at 2100 so rare schedules (February 29) stay in the years a
                // controller meets, instead of walking off towards year 9999.
                if let slot = schedule.next(after: cursor), slot < end {
                    cursor = slot
                } else {
                    cursor = start
                }
                calls += 1
            }
        }
        let elapsed = (clock.now - began).timeInterval
        return Int(Double(calls) / elapsed)
    }
}

extension Duration {
    fileprivate var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
