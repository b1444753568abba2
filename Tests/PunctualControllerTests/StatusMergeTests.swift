import KubeClient
import Testing

@testable import PunctualController

/// The field-by-field three-way merge the status writer uses when the status it wrote against
/// changed under it: one side's change is taken, both sides' different changes conflict.
@Suite struct StatusMergeTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let base: JSONValue
        let ours: JSONValue
        let theirs: JSONValue
        let expected: StatusMerge.Outcome
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "only ours changed", base: ["a": 1], ours: ["a": 2], theirs: ["a": 1],
            expected: .merged(["a": 2])),
        Row(
            name: "only theirs changed", base: ["a": 1, "b": 1], ours: ["a": 2, "b": 1], theirs: ["a": 1, "b": 3],
            expected: .merged(["a": 2, "b": 3])),
        Row(
            name: "both made the same change", base: ["a": 1], ours: ["a": 2], theirs: ["a": 2],
            expected: .merged(["a": 2])),
        Row(
            name: "theirs removed a field ours left alone", base: ["a": 1, "b": 1], ours: ["a": 2, "b": 1],
            theirs: ["a": 1], expected: .merged(["a": 2])),
        Row(
            name: "theirs added a field, null counts as absent", base: ["a": .null], ours: ["a": .null],
            theirs: ["b": 1], expected: .merged(["b": 1])),
        Row(
            name: "an array is one value: different edits conflict", base: ["runs": [1]], ours: ["runs": [1, 2]],
            theirs: ["runs": [1, 3]], expected: .conflict(["runs"])),
        Row(
            name: "every conflicting field is named", base: ["a": 1, "b": 1, "c": 1], ours: ["a": 2, "b": 2, "c": 1],
            theirs: ["a": 3, "b": 3, "c": 3], expected: .conflict(["a", "b"])),
        Row(
            name: "ours removed what theirs changed", base: ["a": 1], ours: [:], theirs: ["a": 2],
            expected: .conflict(["a"])),
    ]

    @Test(arguments: rows)
    func merge(_ row: Row) {
        #expect(StatusMerge.merge(base: row.base, ours: row.ours, theirs: row.theirs) == row.expected)
    }
}
