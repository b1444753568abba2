import Cron
import Foundation
import PunctualTestSupport
import Testing

/// Every rejection names what is wrong: the field, the offending text and what is allowed.
@Suite struct CronErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let schedule: String
        let code: CronError.Code
        var field: CronField? = nil
        var text: String? = nil
        /// Phrases the message must contain besides the field, text and allowed values.
        var mentions: [String] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty", schedule: "", code: .emptySchedule, mentions: ["five fields"]),
        Case(name: "only whitespace", schedule: " \t ", code: .emptySchedule),
        Case(name: "four fields", schedule: "* * * *", code: .wrongFieldCount, mentions: ["expected 5", "found 4"]),
        Case(name: "six fields (seconds)", schedule: "0 * * * * *", code: .wrongFieldCount, mentions: ["found 6"]),
        Case(name: "minute 60", schedule: "60 * * * *", code: .valueOutOfRange, field: .minute, text: "60"),
        Case(name: "hour 24", schedule: "0 24 * * *", code: .valueOutOfRange, field: .hour, text: "24"),
        Case(name: "day-of-month 0", schedule: "0 0 0 * *", code: .valueOutOfRange, field: .dayOfMonth, text: "0"),
        Case(name: "day-of-month 32", schedule: "0 0 32 * *", code: .valueOutOfRange, field: .dayOfMonth, text: "32"),
        Case(name: "month 0", schedule: "0 0 1 0 *", code: .valueOutOfRange, field: .month, text: "0"),
        Case(name: "month 13", schedule: "0 0 1 13 *", code: .valueOutOfRange, field: .month, text: "13"),
        Case(name: "day-of-week 8", schedule: "0 0 * * 8", code: .valueOutOfRange, field: .dayOfWeek, text: "8"),
        Case(
            name: "range end out of range", schedule: "0 0 * * 1-8", code: .valueOutOfRange, field: .dayOfWeek,
            text: "1-8"),
        Case(
            name: "out-of-range element in a list", schedule: "0,61 * * * *", code: .valueOutOfRange, field: .minute,
            text: "61"),
        Case(
            name: "reversed minutes", schedule: "30-10 * * * *", code: .reversedRange, field: .minute, text: "30-10",
            mentions: ["after its end"]),
        Case(
            name: "reversed weekday names", schedule: "0 0 * * FRI-MON", code: .reversedRange, field: .dayOfWeek,
            text: "FRI-MON"),
        Case(name: "zero step", schedule: "*/0 * * * *", code: .invalidStep, field: .minute, text: "*/0"),
        Case(name: "step that is no number", schedule: "0 */x * * *", code: .invalidStep, field: .hour, text: "*/x"),
        Case(name: "name as a step", schedule: "0 0 * * */MON", code: .invalidStep, field: .dayOfWeek, text: "*/MON"),
        Case(name: "empty step", schedule: "1/ * * * *", code: .invalidStep, field: .minute, text: "1/"),
        Case(name: "too many slashes", schedule: "1/2/3 * * * *", code: .malformedField, field: .minute, text: "1/2/3"),
        Case(name: "too many hyphens", schedule: "1-2-3 * * * *", code: .malformedField, field: .minute, text: "1-2-3"),
        Case(
            name: "empty list element", schedule: "1,,2 * * * *", code: .malformedField, field: .minute,
            text: "1,,2"),
        Case(name: "trailing comma", schedule: "0 1, * * *", code: .malformedField, field: .hour, text: "1,"),
        Case(name: "negative number", schedule: "-5 * * * *", code: .malformedField, field: .minute, text: "-5"),
        Case(name: "signed number", schedule: "+5 * * * *", code: .malformedField, field: .minute, text: "+5"),
        Case(name: "open range", schedule: "0 0 1- * *", code: .malformedField, field: .dayOfMonth, text: "1-"),
        Case(name: "wildcard range", schedule: "*-5 * * * *", code: .malformedField, field: .minute, text: "*-5"),
        Case(name: "decimal", schedule: "1.5 * * * *", code: .malformedField, field: .minute, text: "1.5"),
        Case(
            name: "full month name", schedule: "0 0 1 JANUARY *", code: .unknownName, field: .month,
            text: "JANUARY"),
        Case(name: "weekday name as month", schedule: "0 0 1 MON *", code: .unknownName, field: .month, text: "MON"),
        Case(
            name: "month name as weekday", schedule: "0 0 * * JAN", code: .unknownName, field: .dayOfWeek, text: "JAN"),
        Case(
            name: "name in the minute field", schedule: "jan * * * *", code: .unknownName, field: .minute, text: "jan"),
        Case(
            name: "TZ= prefix", schedule: "TZ=UTC 0 0 * * *", code: .timeZonePrefix, text: "TZ=UTC",
            mentions: ["spec.timeZone"]),
        Case(
            name: "CRON_TZ= prefix", schedule: "CRON_TZ=Asia/Shanghai 0 0 * * *", code: .timeZonePrefix,
            text: "CRON_TZ=Asia/Shanghai", mentions: ["spec.timeZone"]),
        Case(
            name: "@every", schedule: "@every 5m", code: .unsupportedDescriptor, text: "@every 5m",
            mentions: ["not supported", "*/15 * * * *"]),
        Case(
            name: "@reboot", schedule: "@reboot", code: .unsupportedDescriptor, text: "@reboot",
            mentions: ["@hourly"]),
        Case(name: "descriptor in upper case", schedule: "@DAILY", code: .unsupportedDescriptor, text: "@DAILY"),
        Case(
            name: "descriptor with extra fields", schedule: "@daily 5", code: .unsupportedDescriptor, text: "@daily"),
        Case(
            name: "February 30 never fires", schedule: "0 0 30 2 *", code: .neverFires, field: .dayOfMonth,
            text: "30", mentions: ["never fires", "\"2\""]),
        Case(
            name: "the 31st of short months never fires", schedule: "0 0 31 4,6,9,11 *", code: .neverFires,
            field: .dayOfMonth, text: "31", mentions: ["never fires"]),
        Case(
            name: "February 30-31 never fires", schedule: "0 0 30-31 FEB ?", code: .neverFires, field: .dayOfMonth,
            text: "30-31"),
    ]

    @Test(arguments: cases)
    func rejection(_ testCase: Case) {
        #expect {
            try CronSchedule.parse(testCase.schedule)
        } throws: { error in
            guard let error = error as? CronError else { return false }
            #expect(error.code == testCase.code)
            #expect(error.field == testCase.field)
            #expect(error.text == testCase.text)
            let message = error.description
            #expect(message.hasPrefix("invalid schedule \"\(testCase.schedule)\""))
            if let field = testCase.field {
                #expect(message.contains("\(field.rawValue) \""), "message names the field: \(message)")
                #expect(message.contains("(allowed \(field.allowedValues)"), "message names the range: \(message)")
            }
            if let text = testCase.text {
                #expect(message.contains("\"\(text)\""), "message quotes the text: \(message)")
            }
            for phrase in testCase.mentions {
                #expect(message.contains(phrase), "message mentions \(phrase): \(message)")
            }
            return true
        }
    }

    @Test func outOfRangeMessageReadsWell() {
        #expect {
            try CronSchedule.parse("0 0 32 * *")
        } throws: { error in
            (error as? CronError)?.description
                == "invalid schedule \"0 0 32 * *\": day-of-month \"32\": 32 is out of range (allowed 1-31)"
        }
    }

    @Test(arguments: ["Mars/Olympus_Mons", "", "america/new york"])
    func unknownTimeZone(identifier: String) {
        #expect {
            try CronSchedule("0 0 * * *", timeZoneIdentifier: identifier)
        } throws: { error in
            guard let error = error as? CronError else { return false }
            return error.code == .unknownTimeZone && error.description.contains("\"\(identifier)\"")
                && error.description.contains("IANA")
        }
    }

    @Test func knownTimeZoneIsAccepted() throws {
        let schedule = try CronSchedule("0 0 * * *", timeZoneIdentifier: "Asia/Shanghai")
        #expect(schedule.timeZone.identifier == "Asia/Shanghai")
        #expect(schedule.expression == "0 0 * * *")
    }

    // MARK: - Robustness

    /// Thousands of strings from a cron-ish alphabet: parsing either succeeds or throws a
    /// `CronError`, and whatever parses has slots both ways.
    @Test func arbitraryStringsNeverCrashTheParser() throws {
        var generator = SeededGenerator(seed: 0xC0FFEE)
        let alphabet = Array("0123456789012345*?/-,,  \t*/JANjanFEBMONsunSAT@dailyhourlyevery7TZ=xé")
        let tokens = [
            "*", "?", "*/5", "1-5", "0", "7", "59", "60", "31", "30", "2", "FEB", "sun", "MON-FRI", "5/15",
            "1,2", "*/0", "29", "-", "/", ",", "@daily", "@every", "TZ=UTC", "*", "*", "?", "1", "3-4",
        ]
        let probe = try instant("2026-06-15T12:34:56Z")
        var parsed = 0
        for round in 0..<6_000 {
            let text: String
            if round.isMultiple(of: 2) {
                let length = Int.random(in: 0...24, using: &generator)
                text = String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? " " })
            } else {
                let count = Int.random(in: 0..<4, using: &generator) == 0 ? Int.random(in: 3...6, using: &generator) : 5
                text = (0..<count).map { _ in tokens.randomElement(using: &generator) ?? "*" }.joined(separator: " ")
            }
            do {
                let schedule = try CronSchedule.parse(text)
                parsed += 1
                #expect(schedule.next(after: probe) != nil, "\(text) parsed but never fires")
                #expect(schedule.previous(atOrBefore: probe) != nil, "\(text) parsed but never fired")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(parsed > 50, "the generator should also produce valid schedules")
    }
}
