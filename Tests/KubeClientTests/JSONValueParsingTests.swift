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

    struct OmissionCase: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        let omitted: [[String]]
        let expected: JSONValue
        var testDescription: String { name }
    }

    @Test(arguments: [
        OmissionCase(
            name: "a member of the root", json: #"{"a":1,"spec":{"x":[1,2.5,true,null]}}"#, omitted: [["spec"]],
            expected: ["a": 1]),
        OmissionCase(
            name: "a nested member, its siblings kept",
            json: #"{"metadata":{"name":"n","managedFields":[{"f:x":{}}]},"spec":{"a":1}}"#,
            omitted: [["metadata", "managedFields"]], expected: ["metadata": ["name": "n"], "spec": ["a": 1]]),
        OmissionCase(
            name: "several paths under one member", json: #"{"spec":{"a":1,"b":2,"c":3}}"#,
            omitted: [["spec", "a"], ["spec", "c"]], expected: ["spec": ["b": 2]]),
        OmissionCase(
            name: "a whole member wins over a path under it", json: #"{"spec":{"a":1},"k":0}"#,
            omitted: [["spec", "a"], ["spec"]], expected: ["k": 0]),
        OmissionCase(
            name: "strings that look like structure inside an omitted value",
            json: #"{"spec":{"a":"x\"}\\","b":[{"c":"]"},"\u00e9"]},"k":1}"#, omitted: [["spec"]],
            expected: ["k": 1]),
        OmissionCase(
            name: "a missing path changes nothing", json: #"{"a":{"b":1}}"#, omitted: [["a", "c"], ["z"]],
            expected: ["a": ["b": 1]]),
        OmissionCase(
            name: "a path through a non-object changes nothing", json: #"{"a":[{"b":1}],"c":"s"}"#,
            omitted: [["a", "b"], ["c", "d"]], expected: ["a": [["b": 1]], "c": "s"]),
        OmissionCase(name: "nothing omitted", json: #"{"a":{"b":[1]}}"#, omitted: [], expected: ["a": ["b": [1]]]),
    ])
    func omitsMembers(_ testCase: OmissionCase) throws {
        let omitted = OmittedFields(testCase.omitted)
        #expect(try JSONValue.parse(Data(testCase.json.utf8), omitting: omitted) == testCase.expected)
    }

    /// An omitted value is still checked: a broken document is refused whatever part of it is broken.
    @Test(arguments: [
        #"{"spec":{"a" 1}}"#, #"{"spec":[1,]}"#, #"{"spec":"\x"}"#, #"{"spec":"unterminated}"#, #"{"spec":{"a":1}"#,
        #"{"spec":tru}"#, #"{"spec":[1 2]}"#, "{\"spec\":\"a\u{01}\"}", #"{"spec":"\u12"}"#,
    ])
    func rejectsMalformedOmittedValues(_ json: String) {
        #expect(throws: (any Error).self) {
            try JSONValue.parse(Data(json.utf8), omitting: OmittedFields([["spec"]]))
        }
    }
}
