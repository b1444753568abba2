import Foundation
import KubeClient
import Testing

/// Typed values decoded straight from a parsed `JSONValue` equal what `JSONDecoder.kubernetes`
/// makes of the same bytes, fail the same way, and keep every raw field in a `KubeObject`.
@Suite struct JSONValueDecodingTests {
    struct ObjectCase: Sendable, CustomTestStringConvertible {
        let name: String
        let fixture: String
        var testDescription: String { name }
    }

    /// Decodes `data` both ways and returns the two typed values.
    private func bothWays<T: Decodable>(_ type: T.Type, _ data: Data) throws -> (direct: T, foundation: T) {
        (try JSONValue.parse(data).decode(as: T.self), try JSONDecoder.kubernetes.decode(T.self, from: data))
    }

    @Test(arguments: [
        ObjectCase(name: "a Job with status and conditions", fixture: "job-full.json"),
        ObjectCase(name: "a Pod waiting to start", fixture: "pod-waiting.json"),
    ])
    func typedObjectsMatchFoundationDecoding(_ object: ObjectCase) throws {
        let data = try Fixture.data(object.fixture)
        if object.fixture.hasPrefix("job") {
            let (direct, foundation) = try bothWays(Job.self, data)
            #expect(direct == foundation)
        } else {
            let (direct, foundation) = try bothWays(Pod.self, data)
            #expect(direct == foundation)
        }
    }

    @Test func kubeObjectKeepsEveryRawField() throws {
        let data = try Fixture.data("job-full.json")
        let raw = try JSONValue.parse(data)
        let object = try raw.decode(as: KubeObject<Job>.self)
        #expect(object.raw == raw)
        #expect(object.value == (try JSONDecoder.kubernetes.decode(Job.self, from: data)))
        #expect(try object.merged() == raw)
    }

    @Test func secretDataIsBase64() throws {
        let data = Data(#"{"metadata":{"name":"s"},"data":{"token":"aGVsbG8="}}"#.utf8)
        let (direct, foundation) = try bothWays(Secret.self, data)
        #expect(direct.data?["token"] == Data("hello".utf8))
        #expect(direct == foundation)
    }

    // MARK: - Numbers and failures

    struct Probe: Decodable, Equatable {
        var count: Int32
        var ratio: Double?
        var names: [String]?
        var at: Date?
        var labels: [String: String]?
    }

    struct FailureCase: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        /// The failing value's coding path, joined with dots.
        let path: String
        let kind: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        FailureCase(name: "missing key", json: #"{"ratio":1}"#, path: "", kind: "keyNotFound"),
        FailureCase(name: "string for a number", json: #"{"count":"3"}"#, path: "count", kind: "typeMismatch"),
        FailureCase(name: "null for a number", json: #"{"count":null}"#, path: "count", kind: "valueNotFound"),
        FailureCase(name: "number too large", json: #"{"count":3000000000}"#, path: "count", kind: "dataCorrupted"),
        FailureCase(name: "fraction for an integer", json: #"{"count":1.5}"#, path: "count", kind: "dataCorrupted"),
        FailureCase(
            name: "number in a string array", json: #"{"count":1,"names":["a",2]}"#, path: "names.Index 1",
            kind: "typeMismatch"),
        FailureCase(
            name: "number in a string map", json: #"{"count":1,"labels":{"app":2}}"#, path: "labels.app",
            kind: "typeMismatch"),
        FailureCase(name: "not a time", json: #"{"count":1,"at":"yesterday"}"#, path: "at", kind: "dataCorrupted"),
    ])
    func failuresNameTheFieldLikeFoundation(_ failure: FailureCase) throws {
        let data = Data(failure.json.utf8)
        let direct = try describe { try JSONValue.parse(data).decode(as: Probe.self) }
        let foundation = try describe { try JSONDecoder.kubernetes.decode(Probe.self, from: data) }
        #expect(direct.kind == failure.kind)
        #expect(direct.path == failure.path)
        #expect(foundation.kind == failure.kind)
    }

    @Test func numbersConvertLikeFoundation() throws {
        let data = Data(#"{"count":2.0,"ratio":3,"names":[],"at":"2026-03-08T07:00:00Z","labels":{"a":"b"}}"#.utf8)
        let (direct, foundation) = try bothWays(Probe.self, data)
        #expect(
            direct
                == Probe(
                    count: 2, ratio: 3, names: [], at: Date(timeIntervalSince1970: 1_772_953_200), labels: ["a": "b"]))
        #expect(direct == foundation)
    }

    private func describe(_ decode: () throws -> Probe) throws -> (kind: String, path: String) {
        do {
            _ = try decode()
        } catch let error as DecodingError {
            let (kind, context): (String, DecodingError.Context) =
                switch error {
                case .keyNotFound(_, let context): ("keyNotFound", context)
                case .typeMismatch(_, let context): ("typeMismatch", context)
                case .valueNotFound(_, let context): ("valueNotFound", context)
                case .dataCorrupted(let context): ("dataCorrupted", context)
                @unknown default: ("unknown", DecodingError.Context(codingPath: [], debugDescription: ""))
                }
            return (
                kind,
                context.codingPath.map { $0.intValue.map { "Index \($0)" } ?? $0.stringValue }.joined(separator: ".")
            )
        }
        Issue.record("decoding succeeded")
        return ("none", "")
    }

    // MARK: - Times

    struct TimeCase: Sendable, CustomTestStringConvertible {
        let text: String
        var testDescription: String { text }
    }

    /// The formatter-free path for `…Z` times agrees with `Date.ISO8601FormatStyle` on every input.
    @Test(
        arguments: [
            "2026-03-08T07:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2024-02-29T12:30:45Z",
            "2000-02-29T00:00:00Z", "2100-12-31T23:59:59Z", "2026-03-08t07:00:00z", "2026-03-08T07:00:00.5Z",
            "2026-03-08T15:00:00+08:00", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-08T24:00:00Z",
            "2026-03-08 07:00:00Z", "2026-3-08T07:00:00Z", "yesterday",
        ].map(TimeCase.init))
    func timesParseLikeTheFormatter(_ time: TimeCase) {
        let expected =
            (try? Date(time.text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: false)))
            ?? (try? Date(time.text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        #expect(KubeTime.parse(time.text) == expected)
    }
}
