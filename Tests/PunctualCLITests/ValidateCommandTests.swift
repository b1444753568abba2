import Foundation
import PunctualTestSupport
import Testing

/// `punctual validate`, run as the real binary against the repository's CRD and examples.
@Suite struct ValidateCommandTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let crd = root.appendingPathComponent("crds/punctual.dev_scheduledtasks.yaml").path
    static let examples = root.appendingPathComponent("examples").path

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let manifest: String
        /// The expected output lines, with `FILE` standing for the manifest's path.
        let expected: [String]
        var testDescription: String { name }
    }

    static let header = """
        apiVersion: punctual.dev/v1alpha1
        kind: ScheduledTask
        metadata:
          name: broken
        spec:

        """

    static let template = """
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: main, image: busybox}]

        """

    static let cases: [Case] = [
        Case(
            name: "bad cron expression",
            manifest: header + "  schedule: \"61 * * * *\"\n" + template,
            expected: ["FILE: broken: spec.schedule: "]),
        Case(
            name: "unknown time zone",
            manifest: header + "  schedule: \"@daily\"\n  timeZone: Mars/Olympus\n" + template,
            expected: ["FILE: broken: spec.timeZone: "]),
        Case(
            name: "enum outside the schema",
            manifest: header + "  schedule: \"@daily\"\n  guarantee: Twice\n" + template,
            expected: ["FILE: broken: spec.guarantee: Unsupported value: \"Twice\""]),
        Case(
            name: "negative number below the schema's minimum",
            manifest: header + "  schedule: \"@daily\"\n  retry: {backoffSeconds: -5}\n" + template,
            expected: ["FILE: broken: spec.retry.backoffSeconds: "]),
        Case(
            name: "missing jobTemplate",
            manifest: header + "  schedule: \"@daily\"\n",
            expected: ["FILE: broken: spec.jobTemplate: Required value"]),
        Case(
            name: "OnceMost with a retry budget",
            manifest: header + "  schedule: \"@daily\"\n  guarantee: OnceMost\n  retry: {maxFailureRetries: 2}\n"
                + template,
            expected: ["FILE: broken: spec.retry"]),
    ]

    @Test(arguments: [["--crd", crd], []])
    func examplesPass(crdArguments: [String]) async throws {
        // Without --crd the CRD built into the binary is used, wherever the command runs.
        let outcome = try await punctual(["validate"] + crdArguments + [Self.examples])
        #expect(outcome.exitCode == 0, "stdout: \(outcome.standardOutput) stderr: \(outcome.standardError)")
        #expect(outcome.standardOutput.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 5)
    }

    @Test(arguments: cases)
    func reportsProblems(_ testCase: Case) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("validate-\(UUID().uuidString).yaml")
        try testCase.manifest.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = try await punctual(["validate", "--crd", Self.crd, "-f", file.path])
        #expect(outcome.exitCode == 1, "stderr: \(outcome.standardError)")
        let lines = outcome.outputLines
        for prefix in testCase.expected.map({ $0.replacingOccurrences(of: "FILE", with: file.path) }) {
            #expect(lines.contains { $0.hasPrefix(prefix) }, "expected a line starting \(prefix), got \(lines)")
        }
    }

    @Test func otherKindsAreSkippedAndMultipleDocumentsChecked() async throws {
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            ---
            """ + "\n" + Self.header + "  schedule: \"@daily\"\n  timeZone: Nowhere/City\n" + Self.template
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("validate-\(UUID().uuidString).yaml")
        try manifest.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let outcome = try await punctual(["validate", "--crd", Self.crd, file.path])
        #expect(outcome.exitCode == 1)
        #expect(outcome.outputLines.count == 1)
        #expect(outcome.outputLines.first?.hasPrefix("\(file.path): broken: spec.timeZone: ") == true)
    }

    @Test func missingFileIsAnError() async throws {
        let outcome = try await punctual(["validate", "--crd", Self.crd, "/nonexistent/task.yaml"])
        #expect(outcome.exitCode == 2)
        #expect(outcome.standardError.hasPrefix("error: /nonexistent/task.yaml: no such file or directory"))
    }

    private func punctual(_ arguments: [String]) async throws -> ProcessHarness.Outcome {
        try await ProcessHarness.run(try ProcessHarness.product(named: "punctual"), arguments: arguments)
    }
}
