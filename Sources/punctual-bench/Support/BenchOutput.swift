import Foundation

/// How every scenario prints: a human-readable table, then one JSON line with every figure.
///
/// The JSON line starts with `{"scenario":` so `hack/bench.sh` can pick it out of the output.
enum BenchOutput {
    /// A table with left-aligned first column and right-aligned figures, as plain text lines.
    static func table(header: [String], rows: [[String]]) -> String {
        let columns = ([header] + rows).reduce(into: [Int](repeating: 0, count: header.count)) { widths, row in
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = Swift.max(widths[index], cell.count)
            }
        }
        func line(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: Swift.max(0, columns[index] - cell.count))
                return index == 0 ? cell + pad : pad + cell
            }
            .joined(separator: "  ")
        }
        let rule = columns.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }

    /// Seconds with three decimals (`0.012`): millisecond resolution, enough for skews.
    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// A ratio or rate with the given number of decimals.
    static func decimal(_ value: Double, places: Int = 2) -> String { String(format: "%.\(places)f", value) }

    /// The JSON line of a report: keys sorted, so lines diff well across runs.
    static func jsonLine<Report: Encodable>(_ report: Report) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// Prints the table (with a title line) and the JSON line, flushing so a pipe sees both at once.
    static func emit<Report: Encodable>(title: String, table: String, notes: [String] = [], report: Report) throws {
        var text = "\n== \(title)\n\(table)\n"
        for note in notes { text += "note: \(note)\n" }
        text += try jsonLine(report) + "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Progress on standard error, so the standard output stays table + JSON.
    static func progress(_ message: String) {
        FileHandle.standardError.write(Data("[bench] \(message)\n".utf8))
    }
}
