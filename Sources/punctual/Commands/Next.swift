import ArgumentParser
import Cron
import Foundation
import KubeClient

extension Punctual {
    /// `punctual next`: prints the upcoming slots of a schedule, to check a schedule before
    /// deploying it ("when will `30 2 * * *` run around the DST change?").
    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next slots of a cron schedule.",
            discussion: """
                Slots are printed one per line as RFC 3339 instants in UTC, or with the zone's offset \
                with --local. The schedule has the meaning of ScheduledTask spec.schedule, including \
                its daylight-saving rules. Invalid input exits with status 2.
                """
        )

        @Argument(help: "A five-field cron schedule or a descriptor such as @daily (quote it).")
        var schedule: String

        @Option(name: .long, help: "IANA time zone the schedule is read in.")
        var timeZone: String = "UTC"

        @Option(name: .long, help: "RFC 3339 instant to start after (default: now).")
        var after: String?

        @Option(name: .long, help: "How many slots to print (1-100000).")
        var count: Int = 5

        @Flag(name: .long, help: "Print slots with the zone's UTC offset instead of in UTC.")
        var local = false

        func run() throws {
            do {
                let zone = try resolvedZone()
                for slot in try slots(in: zone) {
                    print(local ? SlotFormat.local(slot, in: zone) : SlotFormat.utc(slot))
                }
            } catch let error as InvalidInput {
                FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
                throw ExitCode(2)
            }
        }

        // MARK: - Steps

        private func resolvedZone() throws -> TimeZone {
            do {
                return try CronSchedule.timeZone(named: timeZone)
            } catch {
                throw InvalidInput(message: error.description)
            }
        }

        private func slots(in zone: TimeZone) throws -> [Date] {
            guard (1...100_000).contains(count) else {
                throw InvalidInput(message: "--count must be between 1 and 100000, got \(count)")
            }
            let parsed: CronSchedule
            do {
                parsed = try CronSchedule.parse(schedule, timeZone: zone)
            } catch {
                throw InvalidInput(message: error.description)
            }
            var cursor = try start()
            var slots: [Date] = []
            while slots.count < count, let slot = parsed.next(after: cursor) {
                slots.append(slot)
                cursor = slot
            }
            guard !slots.isEmpty else {
                throw InvalidInput(message: "schedule \"\(schedule)\" has no slot after \(SlotFormat.utc(cursor))")
            }
            return slots
        }

        private func start() throws -> Date {
            guard let after else { return SystemClock().currentDate }
            guard let date = KubeTime.parse(after) else {
                throw InvalidInput(
                    message: "--after \"\(after)\" is not an RFC 3339 instant (for example 2026-03-08T00:00:00Z)")
            }
            return date
        }
    }
}

/// A problem with the command line that is reported as `error: <message>` and exit status 2.
private struct InvalidInput: Error {
    var message: String
}

/// RFC 3339 renderings of a slot.
enum SlotFormat {
    /// `2026-03-08T07:00:00Z`.
    static func utc(_ date: Date) -> String {
        KubeTime.format(date)
    }

    /// `2026-03-08T03:00:00-04:00`: the wall time in `zone` with its offset. Offsets that are not
    /// whole minutes (local mean time before ~1900) cannot be written in RFC 3339, so such slots
    /// are printed in UTC.
    static func local(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        guard offset % 60 == 0 else { return utc(date) }
        let wall = KubeTime.format(date.addingTimeInterval(TimeInterval(offset))).dropLast()  // drop "Z"
        let minutes = abs(offset) / 60
        let sign = offset < 0 ? "-" : "+"
        return wall + sign + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
