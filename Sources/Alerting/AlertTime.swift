import Foundation

/// RFC 3339 time stamps in UTC with whole seconds, as every payload writes them.
public enum AlertTime {
    /// `2026-11-21T02:00:00Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt))
    }
}
