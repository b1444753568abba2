// The Cron module: parsing of batch/v1 CronJob schedules and next/previous slot computation in
// IANA time zones. Pure: depends on Foundation only and never reads the clock.

/// One of the five fields of a cron schedule, in the order they are written.
///
/// The raw value is the name used in error messages (`day-of-month`), so a message points at the
/// field a user wrote.
public enum CronField: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case minute
    case hour
    case dayOfMonth = "day-of-month"
    case month
    case dayOfWeek = "day-of-week"

    public var description: String { rawValue }

    /// The values a field may contain. Day-of-week also accepts 7, another name for Sunday.
    public var bounds: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// The largest value `*` and `N/step` expand to. It equals `bounds.upperBound` except for
    /// day-of-week, where `*` means 0-6 (as in the CronJob parser) so that `*/2` and `1/2` keep
    /// their CronJob meaning and 7 is only ever written explicitly.
    var wildcardUpperBound: Int {
        self == .dayOfWeek ? 6 : bounds.upperBound
    }

    /// The allowed values as shown in error messages, names included.
    public var allowedValues: String {
        switch self {
        case .minute, .hour, .dayOfMonth: "\(bounds.lowerBound)-\(bounds.upperBound)"
        case .month: "1-12 or JAN-DEC"
        case .dayOfWeek: "0-7 or SUN-SAT (0 and 7 are Sunday)"
        }
    }

    /// Three-letter names (lower case) accepted in this field, case-insensitively.
    var names: [String: Int] {
        switch self {
        case .month: Self.monthNames
        case .dayOfWeek: Self.weekdayNames
        case .minute, .hour, .dayOfMonth: [:]
        }
    }

    // MARK: - Name tables

    private static let monthNames: [String: Int] = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
        "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    ]

    private static let weekdayNames: [String: Int] = [
        "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
    ]
}
