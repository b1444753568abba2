import Foundation

/// The overloads of CEL's operators and functions on ``CELValue``s.
enum CELOperators {
    static func apply(_ op: CELBinaryOperator, _ lhs: CELValue, _ rhs: CELValue) throws(CELError) -> CELValue {
        switch op {
        case .equal: return .bool(lhs.celEquals(rhs))
        case .notEqual: return .bool(!lhs.celEquals(rhs))
        case .in:
            switch rhs {
            case .list(let elements): return .bool(elements.contains { $0.celEquals(lhs) })
            case .map(let members):
                guard case .string(let key) = lhs else { return .bool(false) }
                return .bool(members[key] != nil)
            default: throw noOverload("@in", lhs, rhs)
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = compare(lhs, rhs) else { throw noOverload(op.rawValue, lhs, rhs) }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .add, .subtract, .multiply, .divide, .remainder:
            return try arithmetic(op, lhs, rhs)
        }
    }

    /// -1, 0 or 1; `nil` when the two values have no ordering.
    private static func compare(_ lhs: CELValue, _ rhs: CELValue) -> Int? {
        func sign<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return sign(a, b)
        case (.double(let a), .double(let b)): return a.isNaN || b.isNaN ? nil : sign(a, b)
        case (.int(let a), .double(let b)): return b.isNaN ? nil : sign(Double(a), b)
        case (.double(let a), .int(let b)): return a.isNaN ? nil : sign(a, Double(b))
        case (.string(let a), .string(let b)):
            // Code point order, like Go's byte-wise comparison of UTF-8.
            let (x, y) = (a.unicodeScalars.map(\.value), b.unicodeScalars.map(\.value))
            return x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
        case (.bool(let a), .bool(let b)): return sign(a ? 1 : 0, b ? 1 : 0)
        default: return nil
        }
    }

    private static func arithmetic(_ op: CELBinaryOperator, _ lhs: CELValue, _ rhs: CELValue) throws(CELError)
        -> CELValue
    {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)):
            let result: (Int64, Bool)
            switch op {
            case .add: result = a.addingReportingOverflow(b)
            case .subtract: result = a.subtractingReportingOverflow(b)
            case .multiply: result = a.multipliedReportingOverflow(by: b)
            case .divide, .remainder:
                guard b != 0 else { throw CELError(op == .divide ? "division by zero" : "modulus by zero") }
                result = op == .divide ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
            default: throw noOverload(op.rawValue, lhs, rhs)
            }
            guard !result.1 else { throw CELError("int overflow") }
            return .int(result.0)
        case (.double(let a), .double(let b)):
            switch op {
            case .add: return .double(a + b)
            case .subtract: return .double(a - b)
            case .multiply: return .double(a * b)
            case .divide: return .double(a / b)
            default: throw noOverload(op.rawValue, lhs, rhs)
            }
        case (.string(let a), .string(let b)) where op == .add: return .string(a + b)
        case (.list(let a), .list(let b)) where op == .add: return .list(a + b)
        default: throw noOverload(op.rawValue, lhs, rhs)
        }
    }

    static func call(_ function: CELFunction, _ arguments: [CELValue]) throws(CELError) -> CELValue {
        switch (function, arguments.first, arguments.dropFirst().first) {
        case (.size, .string(let text)?, nil): return .int(Int64(text.unicodeScalars.count))
        case (.size, .list(let elements)?, nil): return .int(Int64(elements.count))
        case (.size, .map(let members)?, nil): return .int(Int64(members.count))
        case (.startsWith, .string(let text)?, .string(let prefix)?): return .bool(text.hasPrefix(prefix))
        case (.endsWith, .string(let text)?, .string(let suffix)?): return .bool(text.hasSuffix(suffix))
        case (.contains, .string(let text)?, .string(let part)?): return .bool(part.isEmpty || text.contains(part))
        case (.matches, .string(let text)?, .string(let pattern)?):
            guard let regex = try? NSRegularExpression(pattern: pattern) else {
                throw CELError("invalid regular expression: \(pattern)")
            }
            let range = NSRange(text.startIndex..., in: text)
            return .bool(regex.firstMatch(in: text, range: range) != nil)
        default:
            let types = arguments.map(\.typeName).joined(separator: ", ")
            throw CELError("no matching overload for \(function.rawValue) applied to (\(types))")
        }
    }

    private static func noOverload(_ name: String, _ lhs: CELValue, _ rhs: CELValue) -> CELError {
        CELError("no matching overload for _\(name)_ applied to (\(lhs.typeName), \(rhs.typeName))")
    }
}
