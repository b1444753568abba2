import Foundation
import KubeClient

/// A CEL runtime value: the JSON values of a custom object, typed as CEL sees them.
enum CELValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([CELValue])
    case map([String: CELValue])

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .array(let elements): self = .list(elements.map(CELValue.init))
        case .object(let members): self = .map(members.mapValues(CELValue.init))
        }
    }

    /// CEL's type name, used in `no such overload` errors.
    var typeName: String {
        switch self {
        case .null: "null_type"
        case .bool: "bool"
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .list: "list"
        case .map: "map"
        }
    }

    /// CEL equality: numbers compare across int and double, other kinds must match.
    func celEquals(_ other: CELValue) -> Bool {
        switch (self, other) {
        case (.int(let lhs), .double(let rhs)): Double(lhs) == rhs
        case (.double(let lhs), .int(let rhs)): lhs == Double(rhs)
        case (.list(let lhs), .list(let rhs)):
            lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.celEquals($1) }
        case (.map(let lhs), .map(let rhs)):
            lhs.count == rhs.count && lhs.allSatisfy { key, value in rhs[key].map(value.celEquals) ?? false }
        default: self == other
        }
    }
}
