import ArgumentParser
import Foundation
import KubeClient

extension Punctual {
    /// `punctual validate`: checks ScheduledTask manifests before they reach a cluster.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check ScheduledTask manifests offline.",
            discussion: """
                Reads every document of the given YAML or JSON files (directories: their .yaml, .yml and \
                .json files) and checks each ScheduledTask against the CRD's schema and the controller's \
                own rules (schedule syntax, time zone, field combinations). Prints one line per problem, \
                "file: name: field: message", and exits with 1 if there were any, 0 otherwise; \
                unreadable input exits with 2. Other kinds of objects are skipped.
                """
        )

        @Argument(help: "Manifest files or directories.")
        var files: [String] = []

        @Option(name: [.customShort("f"), .customLong("filename")], help: "A manifest file (repeatable).")
        var filenames: [String] = []

        @Option(
            help: """
                The ScheduledTask CRD to take the schema from (default: the CRD built into this binary, \
                crds/punctual.dev_scheduledtasks.yaml of the same version).
                """)
        var crd: String?

        func run() async throws {
            var problemCount = 0
            try await reportingErrors {
                let inputs = try expandedInputs()
                let validator = try loadValidator()
                for file in inputs {
                    for problem in try validator.problems(in: try read(file), file: file) {
                        print(problem)
                        problemCount += 1
                    }
                }
            }
            if problemCount > 0 { throw ExitCode.failure }
        }

        private func loadValidator() throws(CommandLineError) -> ManifestValidator {
            let source = crd ?? EmbeddedManifests.crd.path
            let text = try crd.map { path throws(CommandLineError) in try read(path) } ?? EmbeddedManifests.crd.text
            let documents = try ManifestDocuments.parse(text, file: source)
            guard
                let definition = documents.first(where: { $0.value["kind"]?.stringValue == "CustomResourceDefinition" })
            else { throw CommandLineError("\(source): no CustomResourceDefinition in the file") }
            return try ManifestValidator(crd: definition.value, source: source)
        }

        /// The files to check, directories expanded (sorted, like kubectl's `-f <dir>`).
        private func expandedInputs() throws(CommandLineError) -> [String] {
            let given = files + filenames
            guard !given.isEmpty else { throw CommandLineError("no manifest given: pass FILE... or -f FILE") }
            var result: [String] = []
            let manager = FileManager.default
            for path in given {
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw CommandLineError("\(path): no such file or directory")
                }
                guard isDirectory.boolValue else {
                    result.append(path)
                    continue
                }
                let entries = (try? manager.contentsOfDirectory(atPath: path)) ?? []
                let manifests = entries.filter { entry in
                    [".yaml", ".yml", ".json"].contains { entry.hasSuffix($0) }
                }
                result += manifests.sorted().map { (path as NSString).appendingPathComponent($0) }
            }
            return result
        }

        private func read(_ path: String) throws(CommandLineError) -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw CommandLineError("\(path): cannot read: \(error.localizedDescription)")
            }
        }
    }
}
