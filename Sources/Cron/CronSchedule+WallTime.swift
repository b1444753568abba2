/// Matching on the wall clock, before any time zone is involved.
///
/// A wall time is counted in seconds since 1970-01-01T00:00 *local* (the instant it would be if
/// the zone were UTC). These functions answer "which is the nearest matching minute" by jumping
/// whole months, days, hours and minutes with bit operations, so a call costs a handful of steps
/// whatever the schedule.
extension CronSchedule {
    /// How far the wall-clock search looks: a satisfiable schedule matches at least once in any
    /// eight consecutive years (February 29 skips 2100), so ten years means "never".
    private static let searchYears: Int64 = 10

    // MARK: - Forward

    /// The smallest matching wall time (whole minute) at or after `wall`.
    func nextWall(atOrAfter wall: Int64) -> Int64? {
        let minuteNumber = CivilCalendar.floorDiv(wall + 59, 60)
        var dayNumber = CivilCalendar.floorDiv(minuteNumber, 1440)
        let minuteOfDay = minuteNumber - dayNumber * 1440
        var date = CivilCalendar.date(dayNumber: dayNumber)
        var hour = minuteOfDay / 60
        var minute = minuteOfDay % 60
        let lastYear = date.year + Self.searchYears

        while date.year <= lastYear {
            if fields.months & (1 << UInt64(date.month)) == 0 {
                if let month = Self.lowestBit(of: fields.months, from: date.month + 1) {
                    date.month = month
                } else {
                    date.year += 1
                    date.month = Self.lowestBit(of: fields.months, from: 1) ?? 1
                }
                date.day = 1
                hour = 0
                minute = 0
                dayNumber = CivilCalendar.dayNumber(year: date.year, month: date.month, day: 1)
                continue
            }
            if date.day > CivilCalendar.daysInMonth(year: date.year, month: date.month) {
                date.month += 1
                if date.month > 12 {
                    date.month = 1
                    date.year += 1
                }
                date.day = 1
                hour = 0
                minute = 0
                dayNumber = CivilCalendar.dayNumber(year: date.year, month: date.month, day: 1)
                continue
            }
            if !dayMatches(day: date.day, dayNumber: dayNumber) {
                // With day-of-week unrestricted only day-of-month decides: jump to its next day.
                let nextDay =
                    fields.isDayOfWeekUnrestricted
                    ? Self.lowestBit(of: fields.daysOfMonth, from: date.day + 1) ?? 32 : date.day + 1
                dayNumber += nextDay - date.day
                date.day = nextDay
                hour = 0
                minute = 0
                continue
            }
            if fields.hours & (1 << UInt64(hour)) == 0 {
                guard let next = Self.lowestBit(of: fields.hours, from: hour + 1) else {
                    date.day += 1
                    dayNumber += 1
                    hour = 0
                    minute = 0
                    continue
                }
                hour = next
                minute = 0
            }
            if fields.minutes & (1 << UInt64(minute)) == 0 {
                guard let next = Self.lowestBit(of: fields.minutes, from: minute + 1) else {
                    hour += 1
                    minute = 0
                    if hour > 23 {
                        date.day += 1
                        dayNumber += 1
                        hour = 0
                    }
                    continue
                }
                minute = next
            }
            return (dayNumber * 1440 + hour * 60 + minute) * 60
        }
        return nil
    }

    // MARK: - Backward

    /// The largest matching wall time (whole minute) at or before `wall`.
    func previousWall(atOrBefore wall: Int64) -> Int64? {
        let minuteNumber = CivilCalendar.floorDiv(wall, 60)
        var dayNumber = CivilCalendar.floorDiv(minuteNumber, 1440)
        let minuteOfDay = minuteNumber - dayNumber * 1440
        var date = CivilCalendar.date(dayNumber: dayNumber)
        var hour = minuteOfDay / 60
        var minute = minuteOfDay % 60
        let firstYear = date.year - Self.searchYears

        /// Moves to the last minute of the previous day that can match (with day-of-week
        /// unrestricted, the previous day-of-month in the field).
        func previousDay() {
            let previous =
                fields.isDayOfWeekUnrestricted
                ? Self.highestBit(of: fields.daysOfMonth, through: date.day - 1) ?? 0 : date.day - 1
            dayNumber -= date.day - previous
            date.day = previous
            if date.day < 1 {
                date.month -= 1
                if date.month < 1 {
                    date.month = 12
                    date.year -= 1
                }
                date.day = CivilCalendar.daysInMonth(year: date.year, month: date.month)
            }
            hour = 23
            minute = 59
        }

        while date.year >= firstYear {
            if fields.months & (1 << UInt64(date.month)) == 0 {
                if let month = Self.highestBit(of: fields.months, through: date.month - 1) {
                    date.month = month
                } else {
                    date.year -= 1
                    date.month = Self.highestBit(of: fields.months, through: 12) ?? 12
                }
                date.day = CivilCalendar.daysInMonth(year: date.year, month: date.month)
                hour = 23
                minute = 59
                dayNumber = CivilCalendar.dayNumber(year: date.year, month: date.month, day: date.day)
                continue
            }
            if !dayMatches(day: date.day, dayNumber: dayNumber) {
                previousDay()
                continue
            }
            if fields.hours & (1 << UInt64(hour)) == 0 {
                guard let previous = Self.highestBit(of: fields.hours, through: hour - 1) else {
                    previousDay()
                    continue
                }
                hour = previous
                minute = 59
            }
            if fields.minutes & (1 << UInt64(minute)) == 0 {
                guard let previous = Self.highestBit(of: fields.minutes, through: minute - 1) else {
                    hour -= 1
                    minute = 59
                    if hour < 0 { previousDay() }
                    continue
                }
                minute = previous
            }
            return (dayNumber * 1440 + hour * 60 + minute) * 60
        }
        return nil
    }

    // MARK: - Day rule

    /// robfig's day rule: if either day field is unrestricted a day must match both, else either.
    func dayMatches(day: Int64, dayNumber: Int64) -> Bool {
        let matchesDayOfMonth = fields.daysOfMonth & (1 << UInt64(day)) != 0
        if fields.isDayOfWeekUnrestricted { return matchesDayOfMonth }
        let matchesDayOfWeek = fields.daysOfWeek & (1 << UInt64(CivilCalendar.weekday(dayNumber: dayNumber))) != 0
        if fields.isDayOfMonthUnrestricted { return matchesDayOfWeek }
        return matchesDayOfMonth || matchesDayOfWeek
    }

    // MARK: - Bits

    /// The lowest set bit at position `from` or above.
    static func lowestBit(of bits: UInt64, from position: Int64) -> Int64? {
        guard position < 64 else { return nil }
        let masked = bits & (~UInt64(0) << UInt64(max(position, 0)))
        return masked == 0 ? nil : Int64(masked.trailingZeroBitCount)
    }

    /// The highest set bit at position `through` or below.
    static func highestBit(of bits: UInt64, through position: Int64) -> Int64? {
        guard position >= 0 else { return nil }
        let masked = position >= 63 ? bits : bits & ((UInt64(1) << UInt64(position + 1)) - 1)
        return masked == 0 ? nil : Int64(63 - masked.leadingZeroBitCount)
    }
}
