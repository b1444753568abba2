import Foundation
import KubeClient

// MARK: - Validation

extension OpenAPISchema {
    /// Validates a value against the schema and returns every failure, in a stable order
    /// (required fields first, then properties by name).
    ///
    /// Messages follow the API server (kube-openapi errors wrapped in `field.Error`s), e.g.
    /// `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
    /// - Parameters:
    ///   - value: the value, usually a whole custom object.
    ///   - path: the path of `value`; empty for a whole object, so fields read `spec.x`.
    public func validate(_ value: JSONValue, at path: String = "") -> [FieldError] {
        var errors: [FieldError] = []
        validate(value, path: path, errors: &errors)
        return errors
    }

    private func validate(_ value: JSONValue, path: String, errors: inout [FieldError]) {
        let name = path.isEmpty ? "." : path
        if value.isNull && (nullable || (type == nil && !isIntOrString)) { return }

        let actual = JSONTypeName(of: value)
        var typeMatches = true
        if isIntOrString {
            if actual != .integer && actual != .string {
                typeMatches = false
                errors.append(typeError(path: path, name: name, expected: "integer,string", actual: actual))
            }
        } else if let type, !actual.satisfies(type) {
            typeMatches = false
            errors.append(typeError(path: path, name: name, expected: type.rawValue, actual: actual))
        }

        if let enumValues, !enumValues.contains(where: { $0.isSameJSON(as: value) }) {
            errors.append(.notSupported(path, value, supported: enumValues.map(\.enumDescription)))
        }
        guard typeMatches else { return }

        switch value {
        case .string(let text): validateString(text, path: path, name: name, errors: &errors)
        case .int, .double:
            if let number = value.doubleValue {
                validateNumber(number, value: value, path: path, name: name, errors: &errors)
            }
        case .array(let elements): validateArray(elements, path: path, name: name, errors: &errors)
        case .object(let members): validateObject(members, path: path, name: name, errors: &errors)
        case .null, .bool: break
        }
        validateCombinators(value, path: path, name: name, errors: &errors)
    }

    private func typeError(path: String, name: String, expected: String, actual: JSONTypeName) -> FieldError {
        .typeInvalid(
            path, .string(actual.rawValue),
            "\(name) in body must be of type \(expected): \(GoFormat.quoted(actual.rawValue))")
    }

    // MARK: - Per type

    private func validateString(_ text: String, path: String, name: String, errors: inout [FieldError]) {
        let length = text.count
        if let maxLength, length > maxLength {
            errors.append(.tooLong(path, maxLength: maxLength))
        }
        if let minLength, length < minLength {
            errors.append(.invalid(path, .string(text), "\(name) in body should be at least \(minLength) chars long"))
        }
        if let pattern, let patternRegex {
            let range = NSRange(text.startIndex..., in: text)
            if patternRegex.firstMatch(in: text, range: range) == nil {
                errors.append(.invalid(path, .string(text), "\(name) in body should match '\(pattern)'"))
            }
        }
        if let format, !Self.matches(format: format, text) {
            errors.append(
                .typeInvalid(path, .string(text), "\(name) in body must be of type \(format): \(GoFormat.quoted(text))")
            )
        }
    }

    private func validateNumber(
        _ number: Double, value: JSONValue, path: String, name: String, errors: inout [FieldError]
    ) {
        if let minimum {
            if exclusiveMinimum && number <= minimum {
                errors.append(
                    .invalid(path, value, "\(name) in body should be greater than \(GoFormat.number(minimum))"))
            } else if !exclusiveMinimum && number < minimum {
                errors.append(
                    .invalid(
                        path, value, "\(name) in body should be greater than or equal to \(GoFormat.number(minimum))"))
            }
        }
        if let maximum {
            if exclusiveMaximum && number >= maximum {
                errors.append(.invalid(path, value, "\(name) in body should be less than \(GoFormat.number(maximum))"))
            } else if !exclusiveMaximum && number > maximum {
                errors.append(
                    .invalid(path, value, "\(name) in body should be less than or equal to \(GoFormat.number(maximum))")
                )
            }
        }
    }

    private func validateArray(_ elements: [JSONValue], path: String, name: String, errors: inout [FieldError]) {
        if let maxItems, elements.count > maxItems {
            errors.append(.tooMany(path, actual: elements.count, max: maxItems))
        }
        if let minItems, elements.count < minItems {
            errors.append(
                .invalid(path, .int(Int64(elements.count)), "\(name) in body should have at least \(minItems) items"))
        }
        guard let items else { return }
        for (index, element) in elements.enumerated() {
            items.validate(element, path: "\(path)[\(index)]", errors: &errors)
        }
    }

    private func validateObject(
        _ members: [String: JSONValue], path: String, name: String, errors: inout [FieldError]
    ) {
        if let maxProperties, members.count > maxProperties {
            errors.append(.tooMany(path, actual: members.count, max: maxProperties))
        }
        if let minProperties, members.count < minProperties {
            errors.append(
                .invalid(
                    path, .int(Int64(members.count)),
                    "\(name) in body should have at least \(minProperties) properties"))
        }
        for key in required where members[key] == nil {
            errors.append(.required(Self.child(path, key)))
        }
        for (key, member) in members.sorted(by: { $0.key < $1.key }) {
            if let property = properties[key] {
                property.validate(member, path: Self.child(path, key), errors: &errors)
            } else if case .schema(let valueSchema) = additionalProperties {
                valueSchema.validate(member, path: Self.child(path, key), errors: &errors)
            }
        }
    }

    // MARK: - Combinators

    private func validateCombinators(_ value: JSONValue, path: String, name: String, errors: inout [FieldError]) {
        let quotedName = GoFormat.quoted(name)
        if !allOf.isEmpty {
            let failing = allOf.map { $0.validate(value, at: path) }.filter { !$0.isEmpty }
            if !failing.isEmpty {
                errors.append(.invalid(path, "", "\(quotedName) must validate all the schemas (allOf)"))
                errors.append(contentsOf: failing.flatMap { $0 })
            }
        }
        if !anyOf.isEmpty, !anyOf.contains(where: { $0.validate(value, at: path).isEmpty }) {
            errors.append(.invalid(path, "", "\(quotedName) must validate at least one schema (anyOf)"))
        }
        if !oneOf.isEmpty {
            let passing = oneOf.filter { $0.validate(value, at: path).isEmpty }.count
            if passing != 1 {
                errors.append(.invalid(path, "", "\(quotedName) must validate one and only one schema (oneOf)"))
            }
        }
        if let not, not.validate(value, at: path).isEmpty {
            errors.append(.invalid(path, "", "\(quotedName) must not validate the schema (not)"))
        }
    }

    // MARK: - Helpers

    /// The path of a member: `spec` under the root, `spec.retry` below it.
    static func child(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Checks the string formats KubeSim knows; unknown formats pass, as in the API server.
    static func matches(format: String, _ text: String) -> Bool {
        switch format {
        case "date-time": return KubeTime.parse(text) != nil
        case "date":
            return (try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())) != nil
        default: return true
        }
    }
}

// MARK: - JSON type names

/// The JSON type of a value, named as go-openapi names it in messages.
enum JSONTypeName: String {
    case object, array, string, integer, number, boolean, null

    init(of value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool: self = .boolean
        case .int: self = .integer
        case .double(let number): self = number.rounded() == number && abs(number) < 9.0e18 ? .integer : .number
        case .string: self = .string
        case .array: self = .array
        case .object: self = .object
        }
    }

    /// Whether a value of this JSON type is acceptable where `type` is declared (an integer is a number).
    func satisfies(_ type: OpenAPISchema.ValueType) -> Bool {
        if type == .number && self == .integer { return true }
        return rawValue == type.rawValue
    }
}

extension JSONValue {
    /// JSON equality where `1` and `1.0` are the same number.
    func isSameJSON(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int, .double), (.double, .int): return doubleValue == other.doubleValue
        case (.array(let lhs), .array(let rhs)):
            return lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.isSameJSON(as: $1) }
        case (.object(let lhs), .object(let rhs)):
            return lhs.count == rhs.count
                && lhs.allSatisfy { key, value in rhs[key].map { value.isSameJSON(as: $0) } ?? false }
        default: return self == other
        }
    }

    /// How an allowed enum value is listed: strings as they are, anything else as JSON.
    var enumDescription: String {
        if case .string(let text) = self { return text }
        guard let data = try? serialized() else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
