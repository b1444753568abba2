import Foundation
import KubeClient

// MARK: - CEL validation rules

extension OpenAPISchema {
    /// Evaluates every `x-kubernetes-validations` rule of the schema tree against `value`, the object after
    /// defaulting and pruning, like the API server's CEL validator.
    ///
    /// A rule on an object node sees that object as `self`; on `items`, each element; on
    /// `additionalProperties`, each map value. Transition rules (mentioning `oldSelf`) run only where `old`
    /// holds a value at the same place: on update, for properties and map values; never for list elements
    /// (lists are not correlated) and never on create.
    /// A false result reads `<path><fieldPath>: Invalid value: "object": <message>`; an evaluation error
    /// reads `<path>: Invalid value: "object": <error>`.
    public func validateRules(_ value: JSONValue, old: JSONValue?, at path: String = "") -> [FieldError] {
        var errors: [FieldError] = []
        validateRules(value, old: old, path: path, errors: &errors)
        return errors
    }

    private func validateRules(_ value: JSONValue, old: JSONValue?, path: String, errors: inout [FieldError]) {
        if value.isNull { return }
        let typeName = JSONValue.string(type?.rawValue ?? JSONTypeName(of: value).rawValue)
        for rule in validations {
            if rule.program.isTransitionRule && old == nil { continue }
            do {
                if try !rule.program.evaluate(self: value, oldSelf: old) {
                    let field = Self.joined(path, rule.fieldPath ?? "")
                    errors.append(.invalid(field, typeName, rule.failureMessage))
                }
            } catch {
                errors.append(.invalid(path, typeName, error.message))
            }
        }
        switch value {
        case .object(let members):
            for (key, child) in members.sorted(by: { $0.key < $1.key }) {
                let childPath = Self.child(path, key)
                if let schema = properties[key] {
                    schema.validateRules(child, old: old?[key], path: childPath, errors: &errors)
                } else if case .schema(let schema) = additionalProperties {
                    schema.validateRules(child, old: old?[key], path: childPath, errors: &errors)
                }
            }
        case .array(let elements):
            guard let items else { return }
            for (index, element) in elements.enumerated() {
                items.validateRules(element, old: nil, path: "\(path)[\(index)]", errors: &errors)
            }
        default:
            break
        }
    }

    /// Whether this node or any node below it has `x-kubernetes-validations`.
    public var hasRules: Bool {
        if !validations.isEmpty { return true }
        if properties.values.contains(where: \.hasRules) { return true }
        if let items, items.hasRules { return true }
        if case .schema(let schema) = additionalProperties { return schema.hasRules }
        return false
    }

    /// `path` followed by a rule's `fieldPath` (`.maxConcurrent`), without a leading dot at the root.
    private static func joined(_ path: String, _ fieldPath: String) -> String {
        if path.isEmpty, fieldPath.hasPrefix(".") { return String(fieldPath.dropFirst()) }
        return path + fieldPath
    }
}
