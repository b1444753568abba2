import Foundation

/// A parsed cron schedule in a time zone: the set of instants ("slots") at which a task is due.
///
/// ## Syntax
/// What batch/v1 CronJob's `schedule` accepts (robfig/cron v3 `ParseStandard`): five
/// whitespace-separated fields (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12,
/// day-of-week 0-6), each a comma-separated list of `*` or `?` (all values), `N`, `N-M`, and
/// stepped forms `*/s`, `N-M/s`, `N/s` (= `N-max/s`); three-letter month and weekday names in
/// any case, also in ranges (`MON-FRI`); and the descriptors `@yearly`, `@annually`, `@monthly`,
/// `@weekly`, `@daily`, `@midnight` and `@hourly` (exact, lower case). Beyond CronJob,
/// day-of-week 7 is Sunday too (`5-7` = Friday to Sunday).
///
/// **Day rule** (robfig's, not Vixie's): a day field written `*`, `?` or `*/1` is unrestricted.
/// If either day field is unrestricted a day must match both; otherwise it must match either, so
/// `0 0 */10 * SUN` fires on Sundays *and* on days 1, 11, 21 and 31.
///
/// **`@every` is rejected.** CronJob accepts it but evaluates it from the controller's last
/// observation, so its slots drift, and sub-minute or misaligned durations misfire; a slot here
/// must be a pure function of the schedule, so users write the equivalent fields instead
/// (`*/15 * * * *`).
///
/// ## Daylight saving (Vixie cron / cronie rules, not CronJob's)
/// Wall times are matched in ``timeZone``. When the offset changes:
/// - A schedule with a *fixed hour* (see ``hasFixedHour``) whose wall time falls in a
///   spring-forward gap fires once, at the end of the gap (America/New_York 2026-03-08,
///   `30 2 * * *` → 03:00 EDT = 07:00Z). A fixed-hour wall time repeated by a fall-back overlap
///   fires once, at its first occurrence.
/// - A schedule with a wildcard or stepped hour follows elapsed time: no slots inside a gap, and
///   slots in both halves of an overlap (`0 * * * *` fires at 01:00 EDT and at 01:00 EST).
///
/// Slots are whole seconds (whole minutes in every zone offset of the last century).
/// Computation jumps from field to field; it never scans minute by minute.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The schedule as written (surrounding whitespace removed).
    public let expression: String
    /// The zone whose wall clock the fields are matched against.
    public let timeZone: TimeZone
    /// Whether the hour field names fixed hours: no list element is `*`, `?` or stepped
    /// (`2`, `1-5`, `2,14` are fixed; `*`, `*/2`, `0-23/2`, `5/6` are not).
    ///
    /// Vixie cron calls a job "fixed-time" when its hour field does not start with `*`; we also
    /// count explicit steps as wildcards, as DESIGN.md's "wildcard or stepped hour" does. Only
    /// fixed-hour schedules get the gap and overlap treatment described on the type.
    public var hasFixedHour: Bool { fields.hasFixedHour }

    /// The matching sets and day rule.
    let fields: CronParser.Fields
    /// The zone's offset history, shared by every schedule in the same zone.
    let zone: ZoneTransitions

    init(expression: String, timeZone: TimeZone, fields: CronParser.Fields) {
        self.expression = expression
        self.timeZone = timeZone
        self.fields = fields
        self.zone = ZoneTransitions.shared(for: timeZone)
    }

    // MARK: - Parsing

    /// Parses a CronJob schedule to be evaluated in `timeZone`.
    ///
    /// - Parameters:
    ///   - text: five fields or a descriptor, as described on the type.
    ///   - timeZone: the zone whose wall clock the fields refer to; UTC by default.
    /// - Returns: the schedule, which is guaranteed to have slots.
    /// - Throws: ``CronError`` naming the field, the offending text and the allowed values.
    public static func parse(_ text: String, timeZone: TimeZone = .gmt) throws(CronError) -> CronSchedule {
        let fields = try CronParser.parse(text)
        return CronSchedule(
            expression: text.trimmingCharacters(in: .whitespacesAndNewlines), timeZone: timeZone, fields: fields)
    }

    /// Parses a schedule and resolves an IANA time zone identifier (`Asia/Shanghai`, `UTC`).
    ///
    /// - Throws: ``CronError`` with code `unknownTimeZone` for an identifier Foundation does not
    ///   know, or any parse error of ``parse(_:timeZone:)``.
    public init(_ text: String, timeZoneIdentifier: String) throws(CronError) {
        let zone = try Self.timeZone(named: timeZoneIdentifier)
        self = try Self.parse(text, timeZone: zone)
    }

    /// Resolves an IANA time zone identifier, rejecting unknown and empty names.
    ///
    /// - Throws: ``CronError`` with code `unknownTimeZone`.
    public static func timeZone(named identifier: String) throws(CronError) -> TimeZone {
        guard !identifier.isEmpty, let zone = TimeZone(identifier: identifier) else {
            throw CronError(
                code: .unknownTimeZone, schedule: identifier, text: identifier,
                reason: "not an IANA time zone identifier (for example UTC, Europe/London, Asia/Shanghai)")
        }
        return zone
    }

    // MARK: - Identity

    public var description: String { "\(expression) (\(timeZone.identifier))" }

    /// Two schedules are equal when they have the same matching sets, day rule, hour kind and
    /// zone, however they were written (`0 0 * * 7` equals `@weekly`).
    public static func == (lhs: CronSchedule, rhs: CronSchedule) -> Bool {
        lhs.fields == rhs.fields && lhs.timeZone.identifier == rhs.timeZone.identifier
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
        hasher.combine(timeZone.identifier)
    }
}
