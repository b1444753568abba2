import Foundation

/// A duration flag value in Go's notation, as Kubernetes components take them: `15s`, `500ms`,
/// `1m30s`, `2h`; a bare number counts as seconds.
struct DurationArgument: Sendable, Equatable, CustomStringConvertible {
    var duration: Duration
    private let text: String

    /// - Throws: ``CommandLineError`` naming the flag and the expected form.
    init(parsing text: String, flag: String) throws(CommandLineError) {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) {
            guard seconds.isFinite else { throw Self.invalid(text, flag) }
            duration = .seconds(seconds)
            return
        }
        var total = 0.0
        var number = ""
        var unit = ""
        var sawPart = false
        func flush() throws(CommandLineError) {
            guard !number.isEmpty, let value = Double(number), let scale = Self.units[unit] else {
                throw Self.invalid(text, flag)
            }
            total += value * scale
            sawPart = true
            number = ""
            unit = ""
        }
        for character in trimmed {
            if character.isNumber || character == "." {
                if !unit.isEmpty { try flush() }
                number.append(character)
            } else if character.isLetter || character == "µ" {
                unit.append(character)
            } else {
                throw Self.invalid(text, flag)
            }
        }
        if !number.isEmpty || !unit.isEmpty { try flush() }
        guard sawPart else { throw Self.invalid(text, flag) }
        duration = .seconds(total)
    }

    var description: String { text }

    private static let units: [String: Double] = [
        "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
    ]

    private static func invalid(_ text: String, _ flag: String) -> CommandLineError {
        CommandLineError("\(flag) \"\(text)\": expected a duration such as 15s, 500ms, 1m30s or 2h")
    }
}
