import Foundation

/// Named instants for decision tests, so tables read as times of day rather than numbers.
///
/// All on Monday 2026-06-01 UTC unless the name says otherwise.
public enum Instants {
    /// When fixture tasks are created: Sunday 2026-05-31 23:30:00Z.
    public static let creation = at("2026-05-31T23:30:00Z")
    /// 2026-06-01T00:00:00Z.
    public static let midnight = at("2026-06-01T00:00:00Z")
    /// 2026-06-01T10:00:00Z.
    public static let topOfTheHour = at("2026-06-01T10:00:00Z")
    /// Three seconds after ``topOfTheHour``.
    public static let justAfterTheHour = at("2026-06-01T10:00:03Z")
    /// 2026-06-01T10:30:00Z.
    public static let halfPast = at("2026-06-01T10:30:00Z")
    /// 2026-06-01T09:00:00Z, the slot before ``topOfTheHour`` on an hourly schedule.
    public static let previousHour = at("2026-06-01T09:00:00Z")
    /// 2026-06-01T11:00:00Z.
    public static let nextHour = at("2026-06-01T11:00:00Z")

    /// Parses an RFC 3339 instant written in a table; a typo is a programming error in the test.
    public static func at(_ text: String) -> Date {
        guard let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) else {
            preconditionFailure("not an RFC 3339 instant: \(text)")
        }
        return date
    }
}

extension Date {
    /// This instant moved by whole seconds, minutes or hours: `.topOfTheHour.plus(minutes: 5)`.
    public func plus(seconds: Double = 0, minutes: Double = 0, hours: Double = 0, days: Double = 0) -> Date {
        addingTimeInterval(seconds + minutes * 60 + hours * 3600 + days * 86_400)
    }
}
