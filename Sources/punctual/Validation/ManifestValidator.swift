import Foundation
import KubeClient
import KubeSim
import PunctualController

/// Checks ScheduledTask manifests offline with the rules the cluster applies: the CRD's
/// `openAPIV3Schema` (through KubeSim's admission, which also applies the schema's defaults) and
/// the controller's semantic checks (``SpecValidation``: the schedule parses, the zone exists...).
///
/// Documents of other kinds (a Secret next to a task, a Kustomization) are left alone.
struct ManifestValidator {
    /// One problem: `file: name: field: message`.
    struct Problem: Hashable, CustomStringConvertible {
        var file: String
        var name: String
        var field: String
        var message: String

        var description: String { "\(file): \(name): \(field): \(message)" }
    }

    private let schema: JSONValue
    private let admission = Admission()

    /// - Parameter crd: the ScheduledTask CustomResourceDefinition.
    /// - Throws: ``CommandLineError`` when it has no `v1alpha1` schema.
    init(crd: JSONValue, source: String) throws(CommandLineError) {
        let versions = crd[path: ["spec", "versions"]]?.arrayValue ?? []
        guard
            let version = versions.first(where: { $0["name"]?.stringValue == "v1alpha1" }),
            let schema = version[path: ["schema", "openAPIV3Schema"]]
        else {
            throw CommandLineError("\(source): no openAPIV3Schema for punctual.dev/v1alpha1 ScheduledTask")
        }
        self.schema = schema
    }

    /// Every problem of the ScheduledTasks in `text`.
    func problems(in text: String, file: String) throws(CommandLineError) -> [Problem] {
        var problems: [Problem] = []
        for (index, document) in try ManifestDocuments.parse(text, file: file).enumerated() {
            let object = document.value
            guard object["kind"]?.stringValue == ScheduledTask.resourceType.kind,
                object["apiVersion"]?.stringValue?.hasPrefix("punctual.dev/") ?? false
            else { continue }
            let name =
                object[path: ["metadata", "name"]]?.stringValue
                ?? "document \(index + 1)\(document.line.map { " (line \($0))" } ?? "")"
            problems += check(object, name: name, file: file)
        }
        return problems
    }

    private func check(_ object: JSONValue, name: String, file: String) -> [Problem] {
        if object["apiVersion"]?.stringValue != ScheduledTask.resourceType.apiVersion {
            return [
                Problem(
                    file: file, name: name, field: "apiVersion",
                    message: "unsupported version \"\(object["apiVersion"]?.stringValue ?? "")\", expected "
                        + "\"\(ScheduledTask.resourceType.apiVersion)\"")
            ]
        }
        let target = Admission.Target(
            group: "punctual.dev", version: "v1alpha1", kind: "ScheduledTask", customSchema: schema)
        var problems: [Problem] = []
        var checked = object
        do {
            checked = try admission.admit(object, as: target)
        } catch {
            let causes = error.details?.causes ?? []
            if causes.isEmpty {
                problems.append(Problem(file: file, name: name, field: "", message: error.message ?? "invalid"))
            }
            for cause in causes {
                let field = cause.field ?? ""
                var message = cause.message ?? cause.reason ?? "invalid"
                // Admission messages repeat the field ("spec.x: Invalid value: ..."); say it once.
                if message.hasPrefix(field + ": ") { message.removeFirst(field.count + 2) }
                problems.append(Problem(file: file, name: name, field: field, message: message))
                // Drop the offending value so the semantic checks below can still read the rest.
                if !field.contains("[") { checked.set(path: field.split(separator: ".").map(String.init), to: nil) }
            }
        }
        guard let spec = try? (checked["spec"] ?? .null).decode(as: ScheduledTaskSpec.self) else {
            if problems.isEmpty {
                problems.append(Problem(file: file, name: name, field: "spec", message: "cannot be read as a spec"))
            }
            return problems
        }
        let reported = Set(problems.map(\.field))
        return problems
            + SpecValidation.problems(in: spec).filter { !reported.contains($0.path) }.map {
                Problem(file: file, name: name, field: $0.path, message: $0.message)
            }
    }
}
