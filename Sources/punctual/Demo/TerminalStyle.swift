import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the demo writes to its standard output, following terminal conventions: colour and an
/// in-place table only on a terminal, plain lines when piped, no colour with `NO_COLOR` set.
struct TerminalStyle: Sendable, Hashable {
    /// Whether the table is redrawn in place (cursor movement); otherwise output is append-only.
    var isLive: Bool
    /// Whether words are coloured with ANSI SGR sequences.
    var usesColour: Bool
    /// The terminal's width in columns; live lines are cut to fit so the redraw stays aligned.
    var width: Int

    /// Plain, append-only output (pipes, files, tests).
    static let plain = TerminalStyle(isLive: false, usesColour: false, width: 120)

    /// The style for standard output: live on a terminal (unless `TERM=dumb`), coloured when live
    /// and `NO_COLOR` is unset or empty (https://no-color.org).
    static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalStyle {
        let isTerminal = isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb"
        guard isTerminal else { return .plain }
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty
        return TerminalStyle(isLive: true, usesColour: !noColour, width: terminalWidth() ?? 100)
    }

    private static func terminalWidth() -> Int? {
        var size = winsize()
        #if canImport(Glibc)
            let request = UInt(TIOCGWINSZ)
        #else
            let request = TIOCGWINSZ
        #endif
        guard ioctl(STDOUT_FILENO, request, &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    // MARK: - Colour

    /// The colours the demo uses (SGR foreground codes).
    enum Colour: Int, Sendable {
        case red = 31
        case green = 32
        case yellow = 33
        case blue = 34
        case magenta = 35
        case cyan = 36
        case bold = 1
        case dim = 2
    }

    /// `text` in `colour` when colour is on, else `text` unchanged.
    func paint(_ text: String, _ colour: Colour) -> String {
        usesColour ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// The colour of an event kind: green for success, red for failure, yellow for what needs a
    /// look, magenta for alerts, cyan for the election.
    static func colour(of kind: DemoEvent.Kind) -> Colour {
        switch kind {
        case .created, .started: .blue
        case .succeeded: .green
        case .failed, .deadline, .killed: .red
        case .missed, .skipped, .retried: .yellow
        case .alerted: .magenta
        case .leader, .failover: .cyan
        }
    }

    // MARK: - Live region

    /// Moves the cursor up over `lines` lines and clears from there to the end of the screen.
    static func erase(lines: Int) -> String {
        lines > 0 ? "\u{1B}[\(lines)F\u{1B}[J" : ""
    }

    /// `line` cut to the terminal width (one column spare), so no line of the live region wraps.
    /// Only for uncoloured text: escape sequences would count as columns.
    func fitted(_ line: String) -> String {
        line.count < width ? line : String(line.prefix(max(0, width - 2))) + "…"
    }
}
