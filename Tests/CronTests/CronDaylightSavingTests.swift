import Cron
import Foundation
import Testing

/// Daylight-saving behaviour (Vixie cron rules) in zones with one-hour, half-hour and no shifts.
///
/// 2026 transitions used below: America/New_York 2026-03-08 07:00Z (02:00 EST → 03:00 EDT) and
/// 2026-11-01 06:00Z (02:00 EDT → 01:00 EST); Europe/London 2026-03-29 01:00Z (01:00 GMT →
/// 02:00 BST) and 2026-10-25 01:00Z (02:00 BST → 01:00 GMT); Australia/Lord_Howe 2026-04-04
/// 15:00Z (02:00 +11 → 01:30 +10:30) and 2026-10-03 15:30Z (02:00 +10:30 → 02:30 +11).
@Suite struct CronDaylightSavingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let zone: String
        let schedule: String
        let after: String
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // MARK: America/New_York
        Case(
            name: "New York: fixed hour in the gap fires once at the gap's end", zone: "America/New_York",
            schedule: "30 2 * * *", after: "2026-03-07T12:00:00Z",
            expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        Case(
            name: "New York: several gap wall times still fire once", zone: "America/New_York",
            schedule: "0,15,30,45 2 * * *", after: "2026-03-08T00:00:00Z",
            expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z", "2026-03-09T06:15:00Z"]),
        Case(
            name: "New York: gap slot and 03:00 slot are one slot", zone: "America/New_York",
            schedule: "0 2,3 * * *", after: "2026-03-08T00:00:00Z",
            expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z", "2026-03-09T07:00:00Z"]),
        Case(
            name: "New York: fixed minute wildcard in the gap fires once", zone: "America/New_York",
            schedule: "* 2 * * *", after: "2026-03-08T06:58:00Z",
            expected: ["2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z", "2026-03-09T06:01:00Z"]),
        Case(
            name: "New York: wildcard hour skips the gap", zone: "America/New_York",
            schedule: "30 * * * *", after: "2026-03-08T05:00:00Z",
            expected: ["2026-03-08T05:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"]),
        Case(
            name: "New York: stepped hour follows elapsed time", zone: "America/New_York",
            schedule: "0 */2 * * *", after: "2026-03-08T04:00:00Z",
            expected: ["2026-03-08T05:00:00Z", "2026-03-08T08:00:00Z", "2026-03-08T10:00:00Z"]),
        Case(
            name: "New York: midnight is untouched by spring forward", zone: "America/New_York",
            schedule: "@daily", after: "2026-03-07T12:00:00Z",
            expected: ["2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"]),
        Case(
            name: "New York: fixed hour in the overlap fires at the first occurrence", zone: "America/New_York",
            schedule: "30 1 * * *", after: "2026-10-31T12:00:00Z",
            expected: ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]),
        Case(
            name: "New York: fixed hour, stepped minutes: first half of the overlap only", zone: "America/New_York",
            schedule: "*/20 1 * * *", after: "2026-11-01T04:00:00Z",
            expected: ["2026-11-01T05:00:00Z", "2026-11-01T05:20:00Z", "2026-11-01T05:40:00Z", "2026-11-02T06:00:00Z"]),
        Case(
            name: "New York: wildcard hour fires in both halves of the overlap", zone: "America/New_York",
            schedule: "0 * * * *", after: "2026-11-01T04:30:00Z",
            expected: ["2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"]),
        Case(
            name: "New York: searching from the second half finds no repeat", zone: "America/New_York",
            schedule: "30 1 * * *", after: "2026-11-01T06:10:00Z",
            expected: ["2026-11-02T06:30:00Z"]),

        // MARK: Europe/London
        Case(
            name: "London: 01:30 in the gap fires at 02:00 BST", zone: "Europe/London",
            schedule: "30 1 * * *", after: "2026-03-28T12:00:00Z",
            expected: ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        Case(
            name: "London: 01:30 repeated fires at its BST occurrence", zone: "Europe/London",
            schedule: "30 1 * * *", after: "2026-10-24T12:00:00Z",
            expected: ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        Case(
            name: "London: hourly at :15 fires twice in the repeated hour", zone: "Europe/London",
            schedule: "15 * * * *", after: "2026-10-24T23:30:00Z",
            expected: ["2026-10-25T00:15:00Z", "2026-10-25T01:15:00Z", "2026-10-25T02:15:00Z"]),

        // MARK: Australia/Lord_Howe (30-minute shift)
        Case(
            name: "Lord Howe: 02:15 in the half-hour gap fires at 02:30", zone: "Australia/Lord_Howe",
            schedule: "15 2 * * *", after: "2026-10-03T00:00:00Z",
            expected: ["2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"]),
        Case(
            name: "Lord Howe: 02:45 after the gap is unaffected", zone: "Australia/Lord_Howe",
            schedule: "45 2 * * *", after: "2026-10-03T00:00:00Z",
            expected: ["2026-10-03T15:45:00Z", "2026-10-04T15:45:00Z"]),
        Case(
            name: "Lord Howe: 01:45 repeated fires at its first occurrence", zone: "Australia/Lord_Howe",
            schedule: "45 1 * * *", after: "2026-04-04T00:00:00Z",
            expected: ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"]),
        Case(
            name: "Lord Howe: half-hourly fires in both halves of the overlap", zone: "Australia/Lord_Howe",
            schedule: "*/30 * * * *", after: "2026-04-04T14:00:00Z",
            expected: ["2026-04-04T14:30:00Z", "2026-04-04T15:00:00Z", "2026-04-04T15:30:00Z", "2026-04-04T16:00:00Z"]),
        Case(
            name: "Lord Howe: half-hourly skips the gap", zone: "Australia/Lord_Howe",
            schedule: "*/30 * * * *", after: "2026-10-03T15:00:00Z",
            expected: ["2026-10-03T15:30:00Z", "2026-10-03T16:00:00Z"]),

        // MARK: Asia/Shanghai (no daylight saving since 1991)
        Case(
            name: "Shanghai: 02:30 every day at 18:30Z", zone: "Asia/Shanghai",
            schedule: "30 2 * * *", after: "2026-03-07T00:00:00Z",
            expected: ["2026-03-07T18:30:00Z", "2026-03-08T18:30:00Z"]),
        Case(
            name: "Shanghai: midnight on the first of the month", zone: "Asia/Shanghai",
            schedule: "@monthly", after: "2026-10-15T00:00:00Z",
            expected: ["2026-10-31T16:00:00Z", "2026-11-30T16:00:00Z"]),
        Case(
            name: "Shanghai: leap day", zone: "Asia/Shanghai",
            schedule: "0 0 29 2 *", after: "2026-01-01T00:00:00Z",
            expected: ["2028-02-28T16:00:00Z", "2032-02-28T16:00:00Z"]),

        // MARK: Whole-day and midnight transitions
        Case(
            name: "Apia skipped 30 December 2011: a fixed-hour slot fires at the jump", zone: "Pacific/Apia",
            schedule: "0 12 * * *", after: "2011-12-29T12:00:00Z",
            expected: ["2011-12-29T22:00:00Z", "2011-12-30T10:00:00Z", "2011-12-30T22:00:00Z"]),
        Case(
            name: "São Paulo 2018: midnight in the gap fires at 01:00", zone: "America/Sao_Paulo",
            schedule: "@daily", after: "2018-11-03T12:00:00Z",
            expected: ["2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z"]),
    ]

    @Test(arguments: cases)
    func slots(_ testCase: Case) throws {
        let schedule = try CronSchedule(testCase.schedule, timeZoneIdentifier: testCase.zone)
        let after = try instant(testCase.after)
        #expect(schedule.nextSlots(after: after, count: testCase.expected.count) == testCase.expected)
        // The same slots, found backwards from the last one.
        let last = try instant(testCase.expected.last ?? testCase.after)
        let backwards = schedule.previousSlots(atOrBefore: last, count: testCase.expected.count)
        #expect(backwards == testCase.expected.reversed())
    }

    @Test func localWallTimeOfTheGapSlotIsTheGapEnd() throws {
        let zone = try CronSchedule.timeZone(named: "America/New_York")
        let schedule = try CronSchedule.parse("30 2 * * *", timeZone: zone)
        let slot = try #require(schedule.next(after: try instant("2026-03-08T00:00:00Z")))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let wall = calendar.dateComponents([.hour, .minute], from: slot)
        #expect(wall.hour == 3 && wall.minute == 0)
    }
}
