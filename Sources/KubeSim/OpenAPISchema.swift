import Foundation
import KubeClient

/// A CRD version's `openAPIV3Schema`, parsed into the structural subset KubeSim enforces.
///
/// Supported keywords: `type` (object, array, string, integer, number, boolean), `properties`,
/// `required`, `items`, `additionalProperties` (a schema or a boolean), `enum`,
/// `minimum`/`maximum` with `exclusiveMinimum`/`exclusiveMaximum`, `minLength`/`maxLength`,
/// `minItems`/`maxItems`, `minProperties`/`maxProperties`, `pattern`, `nullable`, `format`
/// (`date-time`, `date`, `int32`, `int64`; others are accepted and not checked), `default`,
/// `allOf`/`anyOf`/`oneOf`/`not` (value validations only), `x-kubernetes-preserve-unknown-fields`,
/// `x-kubernetes-int-or-string`, `x-kubernetes-embedded-resource` and CEL `x-kubernetes-validations`
/// (compiled here in the subset described on ``CELProgram``; a rule outside it fails parsing).
/// Descriptions and list/map types are read past, not enforced.
///
/// Like the real API server, parsing insists on a *structural* schema: every specified field
/// (root, properties, items, additionalProperties) has a `type`, unless it is int-or-string or
/// preserves unknown fields; arrays have `items`. Parsing a bad schema fails with ``FieldError``s
/// that name the schema path, so a CRD with such a schema is refused at admission.
public final class OpenAPISchema: Sendable {
    /// The JSON types a schema can name.
    public enum ValueType: String, Sendable, CaseIterable {
        case object, array, string, integer, number, boolean
    }

    /// `additionalProperties`: absent, a boolean, or a schema for every value of a map.
    public enum AdditionalProperties: Sendable {
        case allowed(Bool)
        case schema(OpenAPISchema)
    }

    public let type: ValueType?
    public let properties: [String: OpenAPISchema]
    public let required: [String]
    public let items: OpenAPISchema?
    public let additionalProperties: AdditionalProperties?
    public let enumValues: [JSONValue]?
    public let minimum: Double?
    public let maximum: Double?
    public let exclusiveMinimum: Bool
    public let exclusiveMaximum: Bool
    public let minLength: Int?
    public let maxLength: Int?
    public let minItems: Int?
    public let maxItems: Int?
    public let minProperties: Int?
    public let maxProperties: Int?
    public let pattern: String?
    /// The compiled `pattern`; `nil` when there is none.
    let patternRegex: NSRegularExpression?
    public let format: String?
    public let nullable: Bool
    public let defaultValue: JSONValue?
    public let preservesUnknownFields: Bool
    public let isIntOrString: Bool
    public let isEmbeddedResource: Bool
    public let allOf: [OpenAPISchema]
    public let anyOf: [OpenAPISchema]
    public let oneOf: [OpenAPISchema]
    public let not: OpenAPISchema?
    /// The compiled `x-kubernetes-validations` of this node.
    public let validations: [ValidationRule]

    /// Parses a schema.
    /// - Parameters:
    ///   - json: the `openAPIV3Schema` object.
    ///   - path: where the schema sits, used in error fields
    ///     (e.g. `spec.versions[0].schema.openAPIV3Schema`).
    /// - Throws: `[FieldError]` (as ``SchemaErrors``) naming every bad keyword.
    public convenience init(parsing json: JSONValue, path: String = "openAPIV3Schema") throws(SchemaErrors) {
        var errors: [FieldError] = []
        self.init(json: json, path: path, role: .root, errors: &errors)
        if !errors.isEmpty { throw SchemaErrors(errors: errors) }
    }

    /// Where a schema node sits, which decides the structural rules it must follow.
    fileprivate enum Role {
        /// The `openAPIV3Schema` itself: an object.
        case root
        /// A node under properties, items or additionalProperties: typed unless int-or-string or preserving.
        case node
        /// Inside allOf/anyOf/oneOf/not: value validations, `type` optional.
        case valueValidation
    }

    fileprivate init(json: JSONValue, path: String, role: Role, errors: inout [FieldError]) {
        let members = json.objectValue ?? [:]
        if json.objectValue == nil {
            errors.append(.typeInvalid(path, json, "must be an object"))
        }
        let parser = KeywordParser(members: members, path: path)

        type = parser.type(errors: &errors)
        isIntOrString = parser.bool("x-kubernetes-int-or-string", errors: &errors)
        preservesUnknownFields = parser.bool("x-kubernetes-preserve-unknown-fields", errors: &errors)
        isEmbeddedResource = parser.bool("x-kubernetes-embedded-resource", errors: &errors)
        nullable = parser.bool("nullable", errors: &errors)
        exclusiveMinimum = parser.bool("exclusiveMinimum", errors: &errors)
        exclusiveMaximum = parser.bool("exclusiveMaximum", errors: &errors)
        minimum = parser.number("minimum", errors: &errors)
        maximum = parser.number("maximum", errors: &errors)
        minLength = parser.count("minLength", errors: &errors)
        maxLength = parser.count("maxLength", errors: &errors)
        minItems = parser.count("minItems", errors: &errors)
        maxItems = parser.count("maxItems", errors: &errors)
        minProperties = parser.count("minProperties", errors: &errors)
        maxProperties = parser.count("maxProperties", errors: &errors)
        format = parser.string("format", errors: &errors)
        defaultValue = members["default"]
        required = parser.strings("required", errors: &errors)

        if let values = members["enum"] {
            if let array = values.arrayValue {
                enumValues = array
            } else {
                errors.append(.typeInvalid("\(path).enum", values, "must be an array"))
                enumValues = nil
            }
        } else {
            enumValues = nil
        }

        pattern = parser.string("pattern", errors: &errors)
        if let pattern {
            do {
                patternRegex = try NSRegularExpression(pattern: pattern)
            } catch {
                errors.append(.invalid("\(path).pattern", .string(pattern), "must be a valid regular expression"))
                patternRegex = nil
            }
        } else {
            patternRegex = nil
        }

        var properties: [String: OpenAPISchema] = [:]
        if let value = members["properties"] {
            if let object = value.objectValue {
                for (name, child) in object.sorted(by: { $0.key < $1.key }) {
                    properties[name] = OpenAPISchema(
                        json: child, path: "\(path).properties[\(name)]", role: .node, errors: &errors)
                }
            } else {
                errors.append(.typeInvalid("\(path).properties", value, "must be an object"))
            }
        }
        self.properties = properties

        if let value = members["items"] {
            items = OpenAPISchema(json: value, path: "\(path).items", role: .node, errors: &errors)
        } else {
            items = nil
        }

        switch members["additionalProperties"] {
        case nil: additionalProperties = nil
        case .bool(let flag)?: additionalProperties = .allowed(flag)
        case let value?:
            additionalProperties = .schema(
                OpenAPISchema(json: value, path: "\(path).additionalProperties", role: .node, errors: &errors))
        }

        allOf = parser.schemas("allOf", errors: &errors)
        anyOf = parser.schemas("anyOf", errors: &errors)
        oneOf = parser.schemas("oneOf", errors: &errors)
        if let value = members["not"] {
            not = OpenAPISchema(json: value, path: "\(path).not", role: .valueValidation, errors: &errors)
        } else {
            not = nil
        }

        if role == .valueValidation {
            validations = []
            if members["x-kubernetes-validations"] != nil {
                errors.append(.forbiddenField("\(path).x-kubernetes-validations", "must be empty to be structural"))
            }
        } else {
            validations = ValidationRule.parse(members["x-kubernetes-validations"], path: path, errors: &errors)
        }

        if role != .valueValidation {
            checkStructural(path: path, isRoot: role == .root, declaresType: members["type"] != nil, errors: &errors)
        }
    }

    // MARK: - Structural rules

    private func checkStructural(path: String, isRoot: Bool, declaresType: Bool, errors: inout [FieldError]) {
        // Every specified field needs a type, unless it is int-or-string or preserves anything.
        if !declaresType && !isIntOrString && !preservesUnknownFields {
            errors.append(.required("\(path).type", "must not be empty for specified object fields"))
        }
        if isRoot && type != nil && type != .object {
            errors.append(.invalid("\(path).type", .string(type?.rawValue ?? ""), "must be object at the root"))
        }
        if type == .array && items == nil {
            errors.append(.required("\(path).items", "must be specified"))
        }
        if !properties.isEmpty, case .some = additionalProperties {
            if case .allowed(false) = additionalProperties {
                // `additionalProperties: false` next to properties is the only allowed combination.
            } else {
                errors.append(
                    .forbiddenField(
                        "\(path).additionalProperties", "additionalProperties and properties are mutual exclusive"))
            }
        }
    }
}

// MARK: - Errors

/// The problems found in a schema, each naming the keyword's path.
public struct SchemaErrors: Error, Sendable, Hashable {
    public var errors: [FieldError]
}

extension FieldError {
    static func forbiddenField(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field: field, detail: detail)
    }
}

// MARK: - Keyword parsing

/// Reads typed keywords from a schema object, recording a ``FieldError`` for each of the wrong type.
private struct KeywordParser {
    let members: [String: JSONValue]
    let path: String

    func type(errors: inout [FieldError]) -> OpenAPISchema.ValueType? {
        guard let value = members["type"] else { return nil }
        guard let name = value.stringValue, let type = OpenAPISchema.ValueType(rawValue: name) else {
            errors.append(
                .notSupported(
                    "\(path).type", value, supported: OpenAPISchema.ValueType.allCases.map(\.rawValue)))
            return nil
        }
        return type
    }

    func bool(_ key: String, errors: inout [FieldError]) -> Bool {
        guard let value = members[key] else { return false }
        guard let flag = value.boolValue else {
            errors.append(.typeInvalid("\(path).\(key)", value, "must be a boolean"))
            return false
        }
        return flag
    }

    func number(_ key: String, errors: inout [FieldError]) -> Double? {
        guard let value = members[key] else { return nil }
        guard let number = value.doubleValue else {
            errors.append(.typeInvalid("\(path).\(key)", value, "must be a number"))
            return nil
        }
        return number
    }

    func count(_ key: String, errors: inout [FieldError]) -> Int? {
        guard let value = members[key] else { return nil }
        guard let number = value.intValue, number >= 0, number <= Int64(Int32.max) else {
            errors.append(.invalid("\(path).\(key)", value, "must be a non-negative integer"))
            return nil
        }
        return Int(number)
    }

    func string(_ key: String, errors: inout [FieldError]) -> String? {
        guard let value = members[key] else { return nil }
        guard let text = value.stringValue else {
            errors.append(.typeInvalid("\(path).\(key)", value, "must be a string"))
            return nil
        }
        return text
    }

    func strings(_ key: String, errors: inout [FieldError]) -> [String] {
        guard let value = members[key] else { return [] }
        guard let array = value.arrayValue else {
            errors.append(.typeInvalid("\(path).\(key)", value, "must be an array of strings"))
            return []
        }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            if let text = element.stringValue {
                result.append(text)
            } else {
                errors.append(.typeInvalid("\(path).\(key)[\(index)]", element, "must be a string"))
            }
        }
        return result
    }

    func schemas(_ key: String, errors: inout [FieldError]) -> [OpenAPISchema] {
        guard let value = members[key] else { return [] }
        guard let array = value.arrayValue else {
            errors.append(.typeInvalid("\(path).\(key)", value, "must be an array of schemas"))
            return []
        }
        var schemas: [OpenAPISchema] = []
        for (index, element) in array.enumerated() {
            schemas.append(
                OpenAPISchema(
                    json: element, path: "\(path).\(key)[\(index)]", role: .valueValidation, errors: &errors))
        }
        return schemas
    }
}
