import Foundation
import KubeClient

/// One field-level validation failure, the KubeSim twin of apimachinery's `field.Error`.
///
/// The rendering (``message``, ``body``) follows the real API server byte for byte where we know
/// it, because clients and people match on these strings: `spec.guarantee: Unsupported value:
/// "Twice": supported values: "OnceMost", "OnceOnly", "Unlimited"`.
public struct FieldError: Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; its raw value is the `reason` of the `Status.Cause` on the wire.
    public enum Reason: String, Sendable, Hashable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case typeInvalid = "FieldValueTypeInvalid"
        case duplicate = "FieldValueDuplicate"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"

        /// The human words the API server prints for the reason (`field.ErrorType.String()`).
        var words: String {
            switch self {
            case .required: "Required value"
            case .invalid, .typeInvalid: "Invalid value"
            case .notSupported: "Unsupported value"
            case .duplicate: "Duplicate value"
            case .forbidden: "Forbidden"
            case .tooLong: "Too long"
            case .tooMany: "Too many"
            }
        }

        /// Reasons whose message never shows the offending value.
        var hidesValue: Bool {
            switch self {
            case .required, .forbidden, .tooLong: true
            default: false
            }
        }
    }

    public var reason: Reason
    /// The JSON path of the field, e.g. `spec.retry.backoffSeconds` or `spec.containers[0].name`.
    public var field: String
    /// The offending value, when the message shows it.
    public var value: JSONValue?
    /// Extra explanation appended after the value.
    public var detail: String

    public init(_ reason: Reason, field: String, value: JSONValue? = nil, detail: String = "") {
        self.reason = reason
        self.field = field
        self.value = value
        self.detail = detail
    }

    // MARK: - Constructors named like apimachinery's

    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field: field, detail: detail)
    }

    public static func invalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: value, detail: detail)
    }

    public static func typeInvalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(.typeInvalid, field: field, value: value, detail: detail)
    }

    /// `Unsupported value: "x": supported values: "a", "b"`.
    public static func notSupported(_ field: String, _ value: JSONValue, supported: [String]) -> FieldError {
        let list = supported.map { GoFormat.quoted($0) }.joined(separator: ", ")
        return FieldError(.notSupported, field: field, value: value, detail: "supported values: \(list)")
    }

    /// `Too long: may not be more than N bytes`.
    public static func tooLong(_ field: String, maxLength: Int) -> FieldError {
        FieldError(.tooLong, field: field, detail: "may not be more than \(maxLength) bytes")
    }

    /// `Too many: N: must have at most M items`.
    public static func tooMany(_ field: String, actual: Int, max: Int) -> FieldError {
        FieldError(.tooMany, field: field, value: .int(Int64(actual)), detail: "must have at most \(max) items")
    }

    // MARK: - Rendering

    /// The message without the field path (`field.Error.ErrorBody()`), used as the cause message.
    public var body: String {
        var text = reason.words
        if !reason.hidesValue {
            text += ": " + GoFormat.value(value ?? .null)
        }
        if !detail.isEmpty { text += ": " + detail }
        return text
    }

    /// `<field>: <body>`, as the error appears inside an Invalid status message.
    public var message: String { "\(field): \(body)" }

    public var description: String { message }

    /// The wire form inside `Status.details.causes`.
    public var cause: Status.Cause {
        Status.Cause(reason: reason.rawValue, message: body, field: field)
    }
}

// MARK: - Go formatting of values

/// Renders values the way Go's `fmt` does in apimachinery messages (`%q` for strings, `%v` for
/// numbers and booleans), so KubeSim's messages read exactly like a real API server's.
enum GoFormat {
    /// Go's `%q`: a double-quoted string with backslash escapes.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Go's `%v` for a number: integers plainly, whole doubles without a fraction.
    static func number(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e21 { return String(Int64(value)) }
        return String(value)
    }

    /// A JSON value as the API server prints a bad value: strings quoted, scalars plain,
    /// `null` as `"null"`, containers as compact JSON.
    static func value(_ value: JSONValue) -> String {
        switch value {
        case .null: return quoted("null")
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return Self.number(number)
        case .string(let text): return quoted(text)
        case .array, .object:
            guard let data = try? value.serialized() else { return "{}" }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
