import Foundation
import KubeClient
import Logging
import Synchronization
import Testing

@Suite struct WatchDecodingTests {
    /// How a fixture's bytes are cut into chunks before feeding.
    struct SplitCase: CustomTestStringConvertible, Sendable {
        let name: String
        let chunkSizes: [Int]
        var testDescription: String { name }
    }

    static let splits = [
        SplitCase(name: "whole stream in one chunk", chunkSizes: [Int.max]),
        SplitCase(name: "one byte at a time", chunkSizes: [1]),
        SplitCase(name: "seven-byte chunks (cuts inside UTF-8 and keys)", chunkSizes: [7]),
        SplitCase(name: "uneven chunks 3, 200, 1, 64", chunkSizes: [3, 200, 1, 64]),
        SplitCase(name: "chunks of 4096", chunkSizes: [4096]),
    ]

    static func lines(of data: Data, split: SplitCase) -> [WatchLineDecoder.Line] {
        var decoder = WatchLineDecoder()
        var lines: [WatchLineDecoder.Line] = []
        var offset = 0
        var index = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let size = min(split.chunkSizes[index % split.chunkSizes.count], bytes.count - offset)
            lines += decoder.feed(bytes[offset..<(offset + size)])
            offset += size
            index += 1
        }
        return lines + decoder.finish()
    }

    static func events<T: KubeObjectRepresentable>(
        _ lines: [WatchLineDecoder.Line], as: T.Type, skipped: SkipCounter? = nil
    ) throws -> [WatchEvent<T>] {
        let request = RequestBuilder(resource: .jobs).watch(namespace: "default", options: WatchOptions())
        var onSkipped: (@Sendable (String) -> Void)?
        if let skipped { onSkipped = { _ in skipped.add() } }
        let interpreter = WatchEventInterpreter<T>(
            request: request, logger: Logger(label: "test"), onSkipped: onSkipped)
        return try lines.compactMap { try interpreter.interpret($0) }
    }

    @Test(arguments: splits)
    func jobStreamDecodesIdenticallyWhateverTheChunking(_ split: SplitCase) throws {
        let lines = Self.lines(of: try Fixture.data("watch-jobs.jsonl"), split: split)
        let events = try Self.events(lines, as: Job.self)
        #expect(events.count == 5)
        guard events.count == 5 else { return }
        #expect(events[0].object?.metadata.name == "report-29500000")
        #expect(events[0].object?.spec?.template.spec?.containers.first?.resources?.requests?["cpu"] == "100m")
        #expect(events[1].object?.status?.active == 1)
        #expect(events[2] == .bookmark(resourceVersion: "150"))
        #expect(events[2].resourceVersion == "150")
        #expect(events[3].object?.isComplete == true)
        if case .deleted(let job) = events[4] {
            #expect(job.metadata.resourceVersion == "170")
        } else {
            Issue.record("expected DELETED last, got \(events[4])")
        }
    }

    @Test(arguments: splits)
    func crlfBlankLinesAndMissingFinalNewline(_ split: SplitCase) throws {
        let lines = Self.lines(of: try Fixture.data("watch-crlf-blank.jsonl"), split: split)
        let events = try Self.events(lines, as: Pod.self)
        #expect(events.map(\.resourceVersion) == ["5", "9"])
    }

    @Test(arguments: splits)
    func malformedLinesAndUndecodableObjectsAreSkipped(_ split: SplitCase) throws {
        let counter = SkipCounter()
        let lines = Self.lines(of: try Fixture.data("watch-malformed.jsonl"), split: split)
        let events = try Self.events(lines, as: Job.self, skipped: counter)
        #expect(events.map(\.resourceVersion) == ["11", "13"])
        // The truncated line, the bad spec and the unknown event type.
        #expect(counter.value == 3)
    }

    @Test func dynamicObjectsKeepTheBadSpecThatTypedDecodingSkips() throws {
        let lines = Self.lines(of: try Fixture.data("watch-malformed.jsonl"), split: Self.splits[0])
        let events = try Self.events(lines, as: JSONValue.self)
        #expect(events.map(\.resourceVersion) == ["11", "12", "13"])
    }

    @Test func expiredErrorEventIsGone() throws {
        let lines = Self.lines(of: try Fixture.data("watch-expired.jsonl"), split: Self.splits[1])
        let request = RequestBuilder(resource: .configMaps).watch(namespace: "default", options: WatchOptions())
        let interpreter = WatchEventInterpreter<ConfigMap>(request: request, logger: Logger(label: "test"))
        #expect(try interpreter.interpret(lines[0])?.object?.data == ["k": "v"])
        #expect {
            try interpreter.interpret(lines[1])
        } throws: { error in
            guard let error = error as? KubeError else { return false }
            return error.isGone && error.verb == .watch && error.resource == "configmaps"
                && error.message == "too old resource version: 5 (20)" && !error.isRetryable
        }
    }

    @Test func otherErrorEventsKeepTheirKind() throws {
        let lines = Self.lines(of: try Fixture.data("watch-error-forbidden.jsonl"), split: Self.splits[0])
        #expect {
            try Self.events(lines, as: Job.self)
        } throws: { error in
            guard let error = error as? KubeError, case .forbidden = error.kind else { return false }
            return error.code == 403 && error.message.contains("cannot watch")
        }
    }

    @Test func overlongLineIsDroppedAndReportedAndTheStreamGoesOn() throws {
        var decoder = WatchLineDecoder(maxLineLength: 80)
        let long = String(repeating: "x", count: 500)
        var lines = decoder.feed(Data("{\"type\":\"ADDED\",\"object\":{\"a\":\"\(long)\"}}\n".utf8))
        #expect(decoder.bufferedByteCount == 0)
        lines += decoder.feed(Data(#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}}"#.utf8))
        lines += decoder.finish()
        #expect(lines.count == 2)
        if case .malformed(_, let reason) = lines[0] {
            #expect(reason.contains("longer than 80"))
        } else {
            Issue.record("expected the long line to be reported")
        }
        #expect(try Self.events([lines[1]], as: JSONValue.self) == [.bookmark(resourceVersion: "3")])
    }
}

/// Counts skipped lines from a `@Sendable` callback.
final class SkipCounter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
