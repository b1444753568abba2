import Cron
import Foundation
import PunctualTestSupport
import Testing

/// `next` and `previous` checked against each other and against a brute-force reference that
/// walks every minute with Foundation's `Calendar` (never used by the engine itself).
@Suite struct CronPropertyTests {
    /// A schedule with its matching sets written out by hand, independently of the parser.
    struct Reference: CustomTestStringConvertible, Sendable {
        let schedule: String
        let minutes: Set<Int>
        var hours = Set(0...23)
        var days = Set(1...31)
        var months = Set(1...12)
        var weekdays = Set(0...6)
        var isDayOfMonthUnrestricted = true
        var isDayOfWeekUnrestricted = true
        let isHourFixed: Bool
        var testDescription: String { schedule }

        func matches(_ wall: DateComponents) -> Bool {
            guard let minute = wall.minute, let hour = wall.hour, let day = wall.day, let month = wall.month,
                let weekday = wall.weekday
            else { return false }
            guard minutes.contains(minute), hours.contains(hour), months.contains(month) else { return false }
            let dayOfMonth = days.contains(day)
            let dayOfWeek = weekdays.contains(weekday - 1)
            if isDayOfMonthUnrestricted || isDayOfWeekUnrestricted { return dayOfMonth && dayOfWeek }
            return dayOfMonth || dayOfWeek
        }
    }

    static let references: [Reference] = [
        Reference(schedule: "*/5 * * * *", minutes: Set(stride(from: 0, to: 60, by: 5)), isHourFixed: false),
        Reference(schedule: "0 * * * *", minutes: [0], isHourFixed: false),
        Reference(
            schedule: "0 */2 * * *", minutes: [0], hours: Set(stride(from: 0, to: 24, by: 2)), isHourFixed: false),
        Reference(schedule: "30 2 * * *", minutes: [30], hours: [2], isHourFixed: true),
        Reference(schedule: "*/20 1 * * *", minutes: [0, 20, 40], hours: [1], isHourFixed: true),
        Reference(schedule: "15,45 1-2 * * *", minutes: [15, 45], hours: [1, 2], isHourFixed: true),
        Reference(schedule: "0 0 * * *", minutes: [0], hours: [0], isHourFixed: true),
        Reference(
            schedule: "0 0 */10 * SUN", minutes: [0], hours: [0], days: [1, 11, 21, 31], weekdays: [0],
            isDayOfMonthUnrestricted: false, isDayOfWeekUnrestricted: false, isHourFixed: true),
        Reference(
            schedule: "30 0-3 * * MON-FRI", minutes: [30], hours: [0, 1, 2, 3], weekdays: [1, 2, 3, 4, 5],
            isDayOfWeekUnrestricted: false, isHourFixed: true),
    ]

    /// A zone and an instant near one of its offset changes, the centre of a three-day window.
    struct Window: CustomTestStringConvertible, Sendable {
        let zone: String
        let centre: String
        var testDescription: String { "\(zone) around \(centre)" }
    }

    static let windows: [Window] = [
        Window(zone: "America/New_York", centre: "2026-03-08T07:00:00Z"),
        Window(zone: "America/New_York", centre: "2026-11-01T06:00:00Z"),
        Window(zone: "Europe/London", centre: "2026-03-29T01:00:00Z"),
        Window(zone: "Europe/London", centre: "2026-10-25T01:00:00Z"),
        Window(zone: "Australia/Lord_Howe", centre: "2026-04-04T15:00:00Z"),
        Window(zone: "Australia/Lord_Howe", centre: "2026-10-03T15:30:00Z"),
        Window(zone: "Asia/Shanghai", centre: "1991-04-13T18:00:00Z"),
        Window(zone: "Asia/Shanghai", centre: "2026-03-08T00:00:00Z"),
        Window(zone: "Pacific/Apia", centre: "2011-12-30T10:00:00Z"),
        Window(zone: "America/Sao_Paulo", centre: "2018-11-04T03:00:00Z"),
        Window(zone: "America/Sao_Paulo", centre: "2019-02-17T02:00:00Z"),
        Window(zone: "UTC", centre: "2026-01-01T00:00:00Z"),
    ]

    // MARK: - Brute force

    @Test(arguments: windows)
    func matchesMinuteByMinuteReference(_ window: Window) throws {
        let zone = try CronSchedule.timeZone(named: window.zone)
        let centre = Int(try instant(window.centre).timeIntervalSince1970)
        let minutes = MinuteTable(zone: zone, from: centre - 36 * 3600, through: centre + 36 * 3600)
        for reference in Self.references {
            let schedule = try CronSchedule.parse(reference.schedule, timeZone: zone)
            let expected = minutes.referenceSlots(reference).map { rfc3339(date($0)) }
            let actual = schedule.slots(from: date(minutes.start), through: date(minutes.end)).map(rfc3339)
            #expect(actual == expected, "\(reference.schedule) in \(window.zone)")
        }
    }

    /// Wall times and offsets of every minute of a window, read once from Foundation.
    struct MinuteTable {
        let start: Int
        let end: Int
        private let zone: TimeZone
        private let walls: [DateComponents]
        private static let fields: Set<Calendar.Component> = [.year, .month, .day, .hour, .minute, .weekday]

        init(zone: TimeZone, from start: Int, through end: Int) {
            var local = Calendar(identifier: .gregorian)
            local.timeZone = zone
            self.start = start
            self.end = end
            self.zone = zone
            walls = stride(from: start, through: end, by: 60).map { local.dateComponents(Self.fields, from: date($0)) }
        }

        /// Slots by definition: every minute whose wall time matches; for fixed hours only the
        /// first instant of a repeated wall time, plus each spring-forward transition whose gap
        /// holds a matching wall time.
        func referenceSlots(_ reference: Reference) -> [Int] {
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = .gmt
            func offset(_ x: Int) -> Int { zone.secondsFromGMT(for: date(x)) }
            var slots: [Int] = []
            for (index, wall) in walls.enumerated() {
                let x = start + index * 60
                let matches = reference.matches(wall)
                guard reference.isHourFixed else {
                    if matches { slots.append(x) }
                    continue
                }
                let isRepeat = { [1800, 3600, 5400, 7200].contains { offset(x - $0) - offset(x) == $0 } }
                if matches && !isRepeat() {
                    slots.append(x)
                    continue
                }
                let before = offset(x - 1)
                let after = offset(x)
                guard after > before else { continue }
                let gap = stride(from: x + before, to: x + after, by: 60)
                if gap.contains(where: { reference.matches(utc.dateComponents(Self.fields, from: date($0))) }) {
                    slots.append(x)
                }
            }
            return slots
        }
    }

    // MARK: - next and previous agree

    static let schedules =
        references.map(\.schedule) + [
            "@hourly", "@weekly", "0 0 29 2 *", "*/7 2-3 * * *", "59 23 31 12 *", "0 1,2 * * *", "*/15 * * * *",
            "0 0 13 * FRI", "45 1 * * 7",
        ]

    @Test(arguments: schedules)
    func nextAndPreviousAgree(_ text: String) throws {
        var generator = SeededGenerator(seed: UInt64(truncatingIfNeeded: text.utf8.reduce(7) { $0 &* 31 &+ Int($1) }))
        let zones = [
            "UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Shanghai",
            "Pacific/Apia", "America/Sao_Paulo", "Asia/Kolkata",
        ]
        for zoneName in zones {
            let schedule = try CronSchedule(text, timeZoneIdentifier: zoneName)
            let centres = try Self.windows.filter { $0.zone == zoneName }.map { try instant($0.centre) }
            for round in 0..<120 {
                let t: Date
                if round < 4 {
                    // Beyond the cached transition table (2400), where Foundation is asked directly.
                    t = Date(
                        timeIntervalSince1970: Double.random(in: 13_600_000_000...14_000_000_000, using: &generator))
                } else if round.isMultiple(of: 3) || centres.isEmpty {
                    // Anywhere between 1960 and 2060.
                    t = Date(timeIntervalSince1970: Double.random(in: -315_619_200...2_871_763_200, using: &generator))
                } else {
                    let centre = centres[round % centres.count]
                    t = centre.addingTimeInterval(Double.random(in: -3 * 86_400...3 * 86_400, using: &generator))
                }
                let next = try #require(schedule.next(after: t), "\(text) \(zoneName) next after \(t)")
                let previous = try #require(schedule.previous(atOrBefore: t), "\(text) \(zoneName) previous \(t)")
                #expect(next > t && previous <= t)
                #expect(schedule.previous(atOrBefore: next) == next, "\(text) \(zoneName) at \(rfc3339(next))")
                #expect(schedule.next(after: previous) == next, "\(text) \(zoneName) between \(rfc3339(previous))")
            }
        }
    }
}

private func date(_ seconds: Int) -> Date { Date(timeIntervalSince1970: Double(seconds)) }
