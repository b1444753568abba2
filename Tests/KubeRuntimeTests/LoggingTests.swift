import Foundation
import KubeRuntime
import Logging
import Synchronization
import Testing

@Suite struct LoggingTests {
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func jsonHandlerWritesOneObjectPerLineWithMergedMetadata() throws {
        let lines = Lines()
        let handler = JSONLogHandler(
            label: "punctual.controller",
            level: .info,
            now: { Date(timeIntervalSince1970: 1_800_000_000.25) },
            sink: { lines.append($0) }
        )
        var logger = Logger(label: "punctual.controller") { _ in handler }
        logger[metadataKey: "namespace"] = "default"
        logger.debug("not written")
        logger.info("created \"job\"\nok", metadata: ["task": "report", "slot": "2027-01-15T02:00:00Z"])

        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        )
        #expect(object["timestamp"] == "2027-01-15T08:00:00.250Z")
        #expect(object["level"] == "info")
        #expect(object["label"] == "punctual.controller")
        #expect(object["message"] == "created \"job\"\nok")
        #expect(object["namespace"] == "default")
        #expect(object["task"] == "report")
        #expect(object["slot"] == "2027-01-15T02:00:00Z")
    }

    struct FlagCase: CustomTestStringConvertible, Sendable {
        let name: String
        let value: String
        let expected: Logger.Level?
        var testDescription: String { name }
    }

    static let levelCases: [FlagCase] = [
        FlagCase(name: "swift-log name", value: "debug", expected: .debug),
        FlagCase(name: "upper case", value: "INFO", expected: .info),
        FlagCase(name: "warn alias", value: "warn", expected: .warning),
        FlagCase(name: "unknown", value: "loud", expected: nil),
    ]

    @Test(arguments: levelCases)
    func logLevelFlag(_ testCase: FlagCase) {
        #expect((try? Logger.Level(parsing: testCase.value)) == testCase.expected)
    }

    @Test func logFormatFlag() throws {
        #expect(try LogFormat(parsing: "json") == .json)
        #expect(try LogFormat(parsing: "Text") == .text)
        #expect(throws: LoggingOptionError(message: "--log-format \"xml\": expected one of json, text")) {
            try LogFormat(parsing: "xml")
        }
    }
}
