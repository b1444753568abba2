import Foundation

/// The demo's standard output: the stream of run lines, and under it the task table.
///
/// On a live terminal the table (with a status line above it) stays at the bottom and is redrawn
/// in place: each update moves the cursor up over the previous table, clears to the end of the
/// screen, prints the new stream lines (which scroll up normally) and then the table again, in
/// one write so nothing flickers. Otherwise output is append-only: stream lines as they happen,
/// and the table once at the end.
struct DemoScreen {
    let style: TerminalStyle
    private let sink: (String) throws -> Void
    /// How many lines the live table occupies now (0 when none is drawn).
    private var drawnLines = 0
    /// Whether a write failed (the reader went away, as `punctual demo | head` does); nothing
    /// more is written then, and the demo ends.
    private(set) var isClosed = false

    /// - Parameter write: receives every chunk of output (standard output in the command); an
    ///   error closes the screen.
    init(style: TerminalStyle, write: @escaping (String) throws -> Void) {
        self.style = style
        self.sink = write
    }

    /// Prints plain lines before the demo starts (or after it ended); never redrawn.
    mutating func print(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        write(lines.map { $0 + "\n" }.joined())
    }

    private mutating func write(_ text: String) {
        guard !isClosed else { return }
        do {
            try sink(text)
        } catch {
            isClosed = true
        }
    }

    /// Prints new stream lines and, on a live terminal, redraws the table under them.
    ///
    /// - Parameters:
    ///   - events: the events since the last update, oldest first.
    ///   - status: one line above the table (the clock, the speed, the leader).
    ///   - table: the table's lines.
    mutating func update(events: [DemoEvent], status: String, table: [String]) {
        var output = ""
        if style.isLive { output += TerminalStyle.erase(lines: drawnLines) }
        for event in events { output += event.line(style: style) + "\n" }
        if style.isLive {
            let block =
                [""] + [style.paint(style.fitted(status), .dim)]
                + table.enumerated().map { index, line in
                    let fitted = style.fitted(line)
                    return index == 0 ? style.paint(fitted, .bold) : fitted
                }
            output += block.map { $0 + "\n" }.joined()
            drawnLines = block.count
        }
        if !output.isEmpty { write(output) }
    }

    /// Ends the live region: the last table stays on screen (append-only output prints it now,
    /// under a heading), and later output goes below it.
    mutating func finish(status: String, table: [String]) {
        if style.isLive {
            update(events: [], status: status, table: table)
            drawnLines = 0
            write("\n")
        } else {
            print(["", status, ""] + table + [""])
        }
    }
}
