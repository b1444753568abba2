import Cron
import Foundation
import Testing

/// Every syntax rule, as "this schedule, after this instant, fires at these instants" (UTC).
@Suite struct CronSyntaxTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let schedule: String
        var after = "2026-01-01T00:00:00Z"  // a Thursday
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "every minute", schedule: "* * * * *",
            expected: ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z", "2026-01-01T00:03:00Z"]),
        Case(
            name: "? is the same as *", schedule: "? ? ? ? ?",
            expected: ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"]),
        Case(
            name: "list", schedule: "5,10,50 * * * *",
            expected: ["2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z", "2026-01-01T00:50:00Z", "2026-01-01T01:05:00Z"]),
        Case(
            name: "range", schedule: "10-12 * * * *",
            expected: ["2026-01-01T00:10:00Z", "2026-01-01T00:11:00Z", "2026-01-01T00:12:00Z", "2026-01-01T01:10:00Z"]),
        Case(
            name: "star with step", schedule: "*/20 * * * *",
            expected: ["2026-01-01T00:20:00Z", "2026-01-01T00:40:00Z", "2026-01-01T01:00:00Z"]),
        Case(
            name: "range with step", schedule: "1-30/7 * * * *",
            expected: [
                "2026-01-01T00:01:00Z", "2026-01-01T00:08:00Z", "2026-01-01T00:15:00Z", "2026-01-01T00:22:00Z",
                "2026-01-01T00:29:00Z", "2026-01-01T01:01:00Z",
            ]),
        Case(
            name: "N/step means N-max/step", schedule: "5/15 * * * *",
            expected: ["2026-01-01T00:05:00Z", "2026-01-01T00:20:00Z", "2026-01-01T00:35:00Z", "2026-01-01T00:50:00Z"]),
        Case(
            name: "step larger than the range fires at the start only", schedule: "0 */100 * * *",
            expected: ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]),
        Case(
            name: "hour step", schedule: "0 */6 * * *",
            expected: ["2026-01-01T06:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T18:00:00Z", "2026-01-02T00:00:00Z"]),
        Case(
            name: "leading zeros", schedule: "05 07 * * *",
            expected: ["2026-01-01T07:05:00Z", "2026-01-02T07:05:00Z"]),
        Case(
            name: "tabs and repeated spaces separate fields", schedule: " 0\t0  *  * * ",
            expected: ["2026-01-02T00:00:00Z"]),
        Case(
            name: "month names in any case", schedule: "0 0 1 jAn,JUL *",
            expected: ["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
        Case(
            name: "month name range", schedule: "0 0 1 MAR-may *",
            expected: ["2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z", "2027-03-01T00:00:00Z"]),
        Case(
            name: "weekday name range", schedule: "0 9 * * mon-FRI",
            expected: ["2026-01-01T09:00:00Z", "2026-01-02T09:00:00Z", "2026-01-05T09:00:00Z"]),
        Case(
            name: "7 is Sunday", schedule: "0 0 * * 7",
            expected: ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
        Case(
            name: "range ending at 7 includes Sunday", schedule: "0 0 * * 5-7",
            expected: ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z"]),
        Case(
            name: "weekday step expands over 0-6", schedule: "0 0 * * 1/2",
            expected: ["2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z", "2026-01-09T00:00:00Z"]),
        Case(
            name: "both day fields restricted: either matches", schedule: "0 0 */10 * SUN",
            expected: [
                "2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z", "2026-01-18T00:00:00Z", "2026-01-21T00:00:00Z",
                "2026-01-25T00:00:00Z", "2026-01-31T00:00:00Z",
            ]),
        Case(
            name: "day-of-month * : weekday decides", schedule: "0 0 * * MON",
            expected: ["2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"]),
        Case(
            name: "day-of-month */1 is unrestricted", schedule: "0 0 */1 * MON",
            expected: ["2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"]),
        Case(
            name: "day-of-week ? is unrestricted", schedule: "0 0 13 * ?",
            expected: ["2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"]),
        Case(
            name: "13th or Friday", schedule: "0 0 13 * FRI",
            expected: ["2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z"]),
        Case(
            name: "impossible date with a weekday still fires on the weekday", schedule: "0 0 30 2 MON",
            expected: ["2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z"]),
        Case(
            name: "day 31 only in long months", schedule: "0 0 31 * *",
            expected: ["2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z"]),
        Case(
            name: "February 29 waits for a leap year", schedule: "0 0 29 2 *", after: "2026-03-01T00:00:00Z",
            expected: ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        Case(
            name: "2100 is no leap year", schedule: "0 0 29 2 *", after: "2096-03-01T00:00:00Z",
            expected: ["2104-02-29T00:00:00Z"]),
        Case(
            name: "last minute of the year", schedule: "59 23 31 12 *",
            expected: ["2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"]),
        Case(name: "@yearly", schedule: "@yearly", expected: ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]),
        Case(name: "@annually", schedule: "@annually", expected: ["2027-01-01T00:00:00Z"]),
        Case(name: "@monthly", schedule: "@monthly", expected: ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"]),
        Case(name: "@weekly", schedule: "@weekly", expected: ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
        Case(name: "@daily", schedule: "@daily", expected: ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]),
        Case(name: "@midnight", schedule: "@midnight", expected: ["2026-01-02T00:00:00Z"]),
        Case(name: "@hourly", schedule: "@hourly", expected: ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]),
        Case(
            name: "slot exactly at the start is excluded", schedule: "0 0 1 1 *",
            expected: ["2027-01-01T00:00:00Z"]),
    ]

    @Test(arguments: cases)
    func nextSlots(_ testCase: Case) throws {
        let schedule = try CronSchedule.parse(testCase.schedule)
        let slots = schedule.nextSlots(after: try instant(testCase.after), count: testCase.expected.count)
        #expect(slots == testCase.expected)
    }

    @Test(arguments: cases)
    func previousWalksTheSameSlotsBackwards(_ testCase: Case) throws {
        let schedule = try CronSchedule.parse(testCase.schedule)
        let last = try instant(testCase.expected.last ?? testCase.after)
        let slots = schedule.previousSlots(atOrBefore: last, count: testCase.expected.count)
        #expect(slots == testCase.expected.reversed())
    }

    // MARK: - Equality

    struct Equivalence: CustomTestStringConvertible, Sendable {
        let name: String
        let left: String
        let right: String
        let isEqual: Bool
        var testDescription: String { name }
    }

    @Test(arguments: [
        Equivalence(name: "@weekly is Sunday midnight", left: "@weekly", right: "0 0 * * 7", isEqual: true),
        Equivalence(name: "0 and 7 are Sunday", left: "0 0 * * 0", right: "0 0 * * SUN", isEqual: true),
        Equivalence(name: "*/1 is *", left: "*/1 * * * *", right: "* * * * *", isEqual: true),
        Equivalence(name: "N/s is N-max/s", left: "5/15 * * * *", right: "5-59/15 * * * *", isEqual: true),
        Equivalence(name: "names equal numbers", left: "0 0 1 JAN-MAR MON", right: "0 0 1 1-3 1", isEqual: true),
        Equivalence(name: "different minutes", left: "1 * * * *", right: "2 * * * *", isEqual: false),
        Equivalence(name: "stepped hour is not fixed", left: "0 0-23/1 * * *", right: "0 0-23 * * *", isEqual: false),
    ])
    func equality(_ testCase: Equivalence) throws {
        let left = try CronSchedule.parse(testCase.left)
        let right = try CronSchedule.parse(testCase.right)
        #expect((left == right) == testCase.isEqual)
        if testCase.isEqual { #expect(left.hashValue == right.hashValue) }
    }

    @Test func differentZonesAreDifferentSchedules() throws {
        let utc = try CronSchedule("0 0 * * *", timeZoneIdentifier: "UTC")
        let shanghai = try CronSchedule("0 0 * * *", timeZoneIdentifier: "Asia/Shanghai")
        #expect(utc != shanghai)
    }

    // MARK: - Fixed hours

    @Test(arguments: [
        ("30 2 * * *", true), ("0 1-5 * * *", true), ("0 2,14 * * *", true), ("@daily", true),
        ("0 * * * *", false), ("0 ? * * *", false), ("0 */2 * * *", false), ("0 0-23/2 * * *", false),
        ("0 5/6 * * *", false), ("0 1,*/3 * * *", false), ("@hourly", false),
    ])
    func fixedHourClassification(schedule: String, isFixed: Bool) throws {
        #expect(try CronSchedule.parse(schedule).hasFixedHour == isFixed)
    }

    // MARK: - Ranges of slots

    @Test func slotsInAHalfOpenRangeExcludeTheUpperBound() throws {
        let schedule = try CronSchedule.parse("0 * * * *")
        let slots = schedule.slots(in: try instant("2026-01-01T00:00:00Z")..<(try instant("2026-01-01T03:00:00Z")))
        #expect(slots.map(rfc3339) == ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"])
    }

    @Test func slotsThroughAnEndIncludeIt() throws {
        let schedule = try CronSchedule.parse("0 * * * *")
        let slots = schedule.slots(
            from: try instant("2026-01-01T00:00:01Z"), through: try instant("2026-01-01T02:00:00Z"))
        #expect(slots.map(rfc3339) == ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"])
    }

    @Test func slotsAreLazy() throws {
        let schedule = try CronSchedule.parse("* * * * *")
        let start = try instant("2026-01-01T00:00:00Z")
        let forever = schedule.slots(from: start, through: try instant("9000-01-01T00:00:00Z"))
        #expect(Array(forever.prefix(2)).map(rfc3339) == ["2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"])
    }

    @Test func emptyAndReversedRangesHaveNoSlots() throws {
        let schedule = try CronSchedule.parse("* * * * *")
        let start = try instant("2026-01-01T00:00:00Z")
        #expect(Array(schedule.slots(in: start..<start)).isEmpty)
        #expect(Array(schedule.slots(from: start, through: start.addingTimeInterval(-60))).isEmpty)
    }

    @Test func previousOfASlotIsTheSlotItself() throws {
        let schedule = try CronSchedule.parse("0 0 29 2 *")
        let leapDay = try instant("2028-02-29T00:00:00Z")
        #expect(schedule.previous(atOrBefore: leapDay) == leapDay)
        #expect(schedule.previous(atOrBefore: leapDay.addingTimeInterval(-0.5)).map(rfc3339) == "2024-02-29T00:00:00Z")
    }

    @Test func instantsOutsideYearsOneToNineThousandHaveNoSlots() throws {
        let schedule = try CronSchedule.parse("* * * * *")
        #expect(schedule.next(after: .distantFuture.addingTimeInterval(1e12)) == nil)
        #expect(schedule.previous(atOrBefore: Date(timeIntervalSince1970: -.infinity)) == nil)
    }
}
