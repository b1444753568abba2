import Foundation

extension DemoEvent {
    /// The width of the subject column of stream lines (a task or replica name).
    static let subjectWidth = 20

    /// The event as one stream line: `10:31:05  succeeded  demo-hello            demo-hello-29422131 in 5s`.
    ///
    /// The time is the simulation clock's, in UTC; the kind is coloured when `style` says so. The
    /// columns stay aligned because padding is applied before colouring.
    func line(style: TerminalStyle) -> String {
        let kindColumn = kind.rawValue.padding(toLength: Self.kindWidth, withPad: " ", startingAt: 0)
        let subjectColumn =
            subject.count >= Self.subjectWidth
            ? subject : subject.padding(toLength: Self.subjectWidth, withPad: " ", startingAt: 0)
        let text =
            "\(Self.clockTime(time))  \(style.paint(kindColumn, TerminalStyle.colour(of: kind)))  "
            + "\(subjectColumn)  \(detail)"
        return text.trimmingTrailingSpaces()
    }

    /// `HH:mm:ss` of `date` in UTC.
    static func clockTime(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let inDay = ((seconds % 86_400) + 86_400) % 86_400
        return String(format: "%02d:%02d:%02d", inDay / 3600, inDay / 60 % 60, inDay % 60)
    }

    private static let kindWidth = Kind.allCases.map(\.rawValue.count).max() ?? 9
}

extension String {
    /// The string without trailing spaces (padding of an empty last column).
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
