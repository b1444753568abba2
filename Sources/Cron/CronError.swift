/// Why a schedule or time zone was rejected, with enough context to fix it.
///
/// Every error carries the schedule as written and, where one is to blame, the field, the
/// offending text and the values the field allows; `description` combines them into one line such
/// as `invalid schedule "0 0 32 * *": day-of-month "32": 32 is out of range (allowed 1-31)`.
public struct CronError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem, for callers that branch on it (all are terminal: retrying the same
    /// text fails the same way).
    public enum Code: String, Hashable, Sendable {
        /// The schedule is empty or only whitespace.
        case emptySchedule
        /// Not exactly five whitespace-separated fields.
        case wrongFieldCount
        /// A value, range start or range end outside the field's bounds.
        case valueOutOfRange
        /// A range whose start lies after its end (`10-5`).
        case reversedRange
        /// A step that is zero or not a number (`*/0`, `*/x`).
        case invalidStep
        /// Text that is no value, name, range or step (`1-2-3`, `1//2`, `,5`).
        case malformedField
        /// A name that is no month or weekday, or a name in a numeric field.
        case unknownName
        /// A `TZ=` or `CRON_TZ=` prefix; the zone belongs in `spec.timeZone`.
        case timeZonePrefix
        /// An `@` descriptor that is not supported (`@every`) or unknown (`@reboot`).
        case unsupportedDescriptor
        /// Day-of-month and month fields that no calendar date satisfies (`0 0 30 2 *`).
        case neverFires
        /// A time zone identifier that is not a known IANA zone.
        case unknownTimeZone
    }

    /// The kind of problem.
    public var code: Code
    /// The schedule exactly as given (or the zone identifier for `unknownTimeZone`).
    public var schedule: String
    /// The field at fault, when a single field is.
    public var field: CronField?
    /// The offending piece of text (a list element, a descriptor, a prefix, a zone).
    public var text: String?
    /// What is wrong and what is allowed instead.
    public var reason: String

    public init(code: Code, schedule: String, field: CronField? = nil, text: String? = nil, reason: String) {
        self.code = code
        self.schedule = schedule
        self.field = field
        self.text = text
        self.reason = reason
    }

    public var description: String {
        if code == .unknownTimeZone {
            return "unknown time zone \"\(schedule)\": \(reason)"
        }
        var line = "invalid schedule \"\(schedule)\": "
        if let field { line += "\(field) " }
        if let text { line += "\"\(text)\": " } else if field != nil { line += ": " }
        return line + reason
    }
}
