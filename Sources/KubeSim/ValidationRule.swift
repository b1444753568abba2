import Foundation
import KubeClient

/// One entry of a schema node's `x-kubernetes-validations`: a compiled CEL rule with the message and
/// field path reported when it fails.
public struct ValidationRule: Sendable {
    public let program: CELProgram
    /// `message`; when absent the failure reads `failed rule: <rule>`.
    public let message: String?
    /// `fieldPath`, relative to the node (`.maxConcurrent`), appended to the node's path in errors.
    public let fieldPath: String?

    /// The message of a false result, worded like the API server.
    public var failureMessage: String { message ?? "failed rule: \(program.source)" }

    /// Parses the `x-kubernetes-validations` array at `path`; every rule that is malformed or outside the CEL
    /// subset records a ``FieldError`` (`...x-kubernetes-validations[i].rule: Invalid value: ...: compilation
    /// failed: ...`), so the CRD holding it is refused.
    static func parse(_ json: JSONValue?, path: String, errors: inout [FieldError]) -> [ValidationRule] {
        guard let json else { return [] }
        let listPath = "\(path).x-kubernetes-validations"
        guard let entries = json.arrayValue else {
            errors.append(.typeInvalid(listPath, json, "must be an array"))
            return []
        }
        var rules: [ValidationRule] = []
        for (index, entry) in entries.enumerated() {
            let entryPath = "\(listPath)[\(index)]"
            guard let source = entry["rule"]?.stringValue, !source.isEmpty else {
                errors.append(.required("\(entryPath).rule"))
                continue
            }
            if entry["messageExpression"] != nil {
                errors.append(
                    .invalid(
                        "\(entryPath).messageExpression", entry["messageExpression"] ?? .null,
                        "compilation failed: unsupported messageExpression"))
                continue
            }
            let fieldPath = entry["fieldPath"]?.stringValue
            if let fieldPath, !fieldPath.hasPrefix(".") {
                errors.append(.invalid("\(entryPath).fieldPath", .string(fieldPath), "must start with '.'"))
                continue
            }
            do {
                let program = try CELProgram(compiling: source)
                rules.append(
                    ValidationRule(program: program, message: entry["message"]?.stringValue, fieldPath: fieldPath))
            } catch {
                errors.append(.invalid("\(entryPath).rule", .string(source), "compilation failed: \(error.message)"))
            }
        }
        return rules
    }
}
