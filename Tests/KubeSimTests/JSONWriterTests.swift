import Foundation
import KubeClient
import Testing

@testable import KubeSim

/// The serialiser of every response body: exact output, and what the client parses back.
@Suite struct JSONWriterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let value: JSONValue
        let json: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "plain string", value: "busybox:1.36", json: #""busybox:1.36""#),
        Case(name: "empty string", value: "", json: #""""#),
        Case(name: "quotes and backslashes", value: #"a"b\c"#, json: #""a\"b\\c""#),
        Case(name: "escapes at both ends", value: "\"x\n", json: #""\"x\n""#),
        Case(name: "control characters", value: "\t\r\u{01}\u{1f}", json: #""\t\r\u0001\u001f""#),
        Case(name: "non-ASCII written as UTF-8", value: "é名😀", json: #""é名😀""#),
        Case(
            name: "members in key order", value: ["b": 1, "a": [true, nil, 2.5], "c": ["z": "y"]],
            json: #"{"a":[true,null,2.5],"b":1,"c":{"z":"y"}}"#),
        Case(name: "integral double", value: .double(3), json: "3"),
    ])
    func writes(_ test: Case) throws {
        var bytes: [UInt8] = []
        JSONWriter.write(test.value, into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == test.json)
        if case .double = test.value { return }  // written as an integer: parsed back as one
        #expect(try JSONValue.parse(Data(bytes)) == test.value)
    }
}
