import Foundation
import KubeClient
import Testing

/// The direct JSON parser behind `JSONValue.parse`.
@Suite struct JSONValueParsingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        let expected: JSONValue
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "integers stay integers", json: #"{"a":3,"b":-7,"c":0}"#, expected: ["a": 3, "b": -7, "c": 0]),
        Case(name: "fractions and exponents are doubles", json: "[1.5,2e3,-0.25E-1]", expected: [1.5, 2000.0, -0.025]),
        Case(
            name: "too big for Int64 → double", json: "[92233720368547758070]",
            expected: [.double(9.223372036854776e19)]),
        Case(name: "literals", json: " [ true , false , null ] ", expected: [true, false, nil]),
        Case(name: "escapes", json: #"["a\"b\\c\/d\n\t\u00e9"]"#, expected: ["a\"b\\c/d\n\té"]),
        Case(name: "surrogate pair", json: #"["\ud83d\ude00"]"#, expected: ["😀"]),
        Case(name: "raw UTF-8", json: #"{"名":"値"}"#, expected: ["名": "値"]),
        Case(
            name: "empty containers and nesting", json: #"{"a":{},"b":[[],{"c":[]}]}"#,
            expected: ["a": [:], "b": [[], ["c": []]]]),
    ])
    func parsesValidDocuments(_ testCase: Case) throws {
        #expect(try JSONValue.parse(Data(testCase.json.utf8)) == testCase.expected)
    }

    @Test(arguments: [
        "", "{", "[1,]", #"{"a" 1}"#, "tru", "01x", #""unterminated"#, #"["\x"]"#, "[1] 2", #"["\ud83d"]"#,
        "-", "\"a\u{01}\"",
    ])
    func rejectsMalformedDocuments(_ json: String) {
        #expect(throws: (any Error).self) { try JSONValue.parse(Data(json.utf8)) }
    }

    @Test func roundTripsThroughSerialisation() throws {
        let value: JSONValue = [
            "metadata": ["name": "x", "labels": ["a": "b"]], "spec": ["n": 3, "f": 0.5, "l": [true, nil]],
        ]
        #expect(try JSONValue.parse(value.serialized()) == value)
    }
}
