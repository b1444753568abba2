import Foundation

/// Turns schedule text into matching sets, following robfig/cron v3 `ParseStandard`.
///
/// Differences from robfig, all deliberate: day-of-week 7 is Sunday; `*-5` (which robfig reads
/// as `*`) and signed numbers (`+5`, which Go's `Atoi` accepts) are rejected; surrounding
/// whitespace is ignored also around descriptors; `@every` is rejected (see ``CronSchedule``);
/// schedules that can never fire are rejected instead of silently never running.
enum CronParser {
    /// The parsed matching sets of a schedule.
    struct Fields: Hashable, Sendable {
        // Bit n set = value n matches; day-of-week uses bits 0-6 with Sunday = 0 (7 is folded in).
        var minutes: UInt64 = 0
        var hours: UInt64 = 0
        var daysOfMonth: UInt64 = 0
        var months: UInt64 = 0
        var daysOfWeek: UInt64 = 0
        var isDayOfMonthUnrestricted = false
        var isDayOfWeekUnrestricted = false
        var hasFixedHour = true
    }

    /// One parsed field: its matching set and what kind of text produced it.
    struct ParsedField {
        var bits: UInt64 = 0
        /// Some element was `*`, `?` or `*/1` (robfig's "star bit").
        var isUnrestricted = false
        /// No element was a wildcard or had a step.
        var isFixed = true
    }

    static let descriptors: [String: String] = [
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    // MARK: - Schedule

    static func parse(_ text: String) throws(CronError) -> Fields {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw CronError(
                code: .emptySchedule, schedule: text, reason: "a schedule needs five fields or a descriptor")
        }
        for prefix in ["TZ=", "CRON_TZ="] where trimmed.hasPrefix(prefix) {
            throw CronError(
                code: .timeZonePrefix, schedule: text, text: String(trimmed.prefix { !$0.isWhitespace }),
                reason: "time zone prefixes are not allowed in the schedule; set spec.timeZone instead")
        }
        if trimmed.hasPrefix("@") {
            return try parseDescriptor(trimmed, schedule: text)
        }
        let parts = trimmed.split(whereSeparator: \.isWhitespace)
        guard parts.count == 5 else {
            throw CronError(
                code: .wrongFieldCount, schedule: text,
                reason: "expected 5 fields (minute hour day-of-month month day-of-week), found \(parts.count)")
        }
        let minute = try parseField(parts[0], as: .minute, schedule: text)
        let hour = try parseField(parts[1], as: .hour, schedule: text)
        let dayOfMonth = try parseField(parts[2], as: .dayOfMonth, schedule: text)
        let month = try parseField(parts[3], as: .month, schedule: text)
        let dayOfWeek = try parseField(parts[4], as: .dayOfWeek, schedule: text)

        var fields = Fields()
        fields.minutes = minute.bits
        fields.hours = hour.bits
        fields.hasFixedHour = hour.isFixed
        fields.daysOfMonth = dayOfMonth.bits
        fields.isDayOfMonthUnrestricted = dayOfMonth.isUnrestricted
        fields.months = month.bits
        // 7 is Sunday: fold bit 7 into bit 0.
        fields.daysOfWeek = (dayOfWeek.bits & 0x7F) | (dayOfWeek.bits >> 7 & 1)
        fields.isDayOfWeekUnrestricted = dayOfWeek.isUnrestricted
        try checkFeasible(fields, dayOfMonthText: String(parts[2]), monthText: String(parts[3]), schedule: text)
        return fields
    }

    private static func parseDescriptor(_ descriptor: String, schedule: String) throws(CronError) -> Fields {
        if let expansion = descriptors[descriptor] {
            return try parse(expansion)
        }
        let name = String(descriptor.prefix { !$0.isWhitespace })
        let known = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"
        if name == "@every" {
            throw CronError(
                code: .unsupportedDescriptor, schedule: schedule, text: descriptor,
                reason: "@every is not supported: CronJob counts it from the controller's last run, so its slots "
                    + "drift and sub-minute values misfire; write fields instead (@every 15m = */15 * * * *)")
        }
        throw CronError(
            code: .unsupportedDescriptor, schedule: schedule, text: name,
            reason: "unknown descriptor (allowed \(known), in lower case)")
    }

    // MARK: - Fields

    static func parseField(_ text: Substring, as field: CronField, schedule: String) throws(CronError) -> ParsedField {
        var result = ParsedField()
        for element in text.split(separator: ",", omittingEmptySubsequences: false) {
            try parseElement(element, of: text, as: field, schedule: schedule, into: &result)
        }
        return result
    }

    /// Parses one list element (`*`, `N`, `N-M`, each optionally `/step`) into `result`.
    private static func parseElement(
        _ element: Substring, of fieldText: Substring, as field: CronField, schedule: String,
        into result: inout ParsedField
    ) throws(CronError) {
        func failure(_ code: CronError.Code, _ reason: String) -> CronError {
            let text = element.isEmpty ? String(fieldText) : String(element)
            return CronError(
                code: code, schedule: schedule, field: field, text: text,
                reason: "\(reason) (allowed \(field.allowedValues))")
        }
        guard !element.isEmpty else {
            throw failure(.malformedField, "empty list element")
        }
        let rangeAndStep = element.split(separator: "/", omittingEmptySubsequences: false)
        guard rangeAndStep.count <= 2 else {
            throw failure(.malformedField, "too many slashes")
        }
        var step = 1
        if rangeAndStep.count == 2 {
            guard let parsed = number(rangeAndStep[1]) else {
                throw failure(.invalidStep, "step \"\(rangeAndStep[1])\" is not a number")
            }
            step = parsed
        }
        let bounds = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false)
        let low: Int
        var high: Int
        let isWildcard = bounds[0] == "*" || bounds[0] == "?"
        if isWildcard {
            guard bounds.count == 1 else {
                throw failure(.malformedField, "a wildcard cannot start a range")
            }
            low = field.bounds.lowerBound
            high = field.wildcardUpperBound
        } else {
            guard bounds.count <= 2 else {
                throw failure(.malformedField, "too many hyphens")
            }
            low = try value(bounds[0], field: field, failure: failure)
            high = bounds.count == 2 ? try value(bounds[1], field: field, failure: failure) : low
            if bounds.count == 1 && rangeAndStep.count == 2 {
                high = field.wildcardUpperBound  // `N/s` means `N-max/s`
            }
        }
        guard field.bounds.contains(low) else {
            throw failure(.valueOutOfRange, "\(low) is out of range")
        }
        guard field.bounds.contains(high) else {
            throw failure(.valueOutOfRange, "\(high) is out of range")
        }
        guard low <= high else {
            throw failure(.reversedRange, "range start \(low) is after its end \(high)")
        }
        guard step > 0 else {
            throw failure(.invalidStep, "step must be a positive number")
        }
        for value in stride(from: low, through: high, by: step) {
            result.bits |= 1 << UInt64(value)
        }
        if isWildcard && step == 1 { result.isUnrestricted = true }
        if isWildcard || rangeAndStep.count == 2 { result.isFixed = false }
    }

    /// A decimal number or, in the month and day-of-week fields, a three-letter name.
    private static func value(
        _ text: Substring, field: CronField, failure: (CronError.Code, String) -> CronError
    ) throws(CronError) -> Int {
        if let parsed = number(text) { return parsed }
        if let named = field.names[text.lowercased()] { return named }
        guard !text.isEmpty else { throw failure(.malformedField, "missing value in range") }
        if text.allSatisfy(\.isLetter) {
            throw failure(.unknownName, "unknown name \"\(text)\"")
        }
        throw failure(.malformedField, "\"\(text)\" is not a number")
    }

    /// Unsigned decimal digits only (leading zeros allowed), capped to stay far from overflow.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int(text)
    }

    // MARK: - Feasibility

    /// Longest length of each month in any year (February 29 counts: it fires in leap years).
    private static let longestMonth = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// Rejects schedules whose day-of-month and month fields match no date, which would otherwise
    /// never fire. Only reachable when day-of-month alone decides (day-of-week unrestricted):
    /// with a restricted day-of-week every month has matching days.
    private static func checkFeasible(
        _ fields: Fields, dayOfMonthText: String, monthText: String, schedule: String
    ) throws(CronError) {
        guard fields.isDayOfWeekUnrestricted else { return }
        for month in 1...12 where fields.months & (1 << UInt64(month)) != 0 {
            let possibleDays: UInt64 = (1 << UInt64(longestMonth[month] + 1)) - 2
            if fields.daysOfMonth & possibleDays != 0 { return }
        }
        throw CronError(
            code: .neverFires, schedule: schedule, field: .dayOfMonth, text: dayOfMonthText,
            reason: "no month in \"\(monthText)\" has such a day, so the schedule never fires "
                + "(allowed 1-31, within each month's length; February has 29 days in leap years)")
    }
}
