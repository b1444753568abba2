import Foundation
import KubeClient

// MARK: - Evaluation

extension CELProgram {
    /// Evaluates the rule with `self` bound to `value` and `oldSelf` to `old`.
    /// - Returns: the rule's boolean result.
    /// - Throws: ``CELError`` for runtime errors (`no such key: x`, `no such overload`, overflow) and for a
    ///   result that is not a boolean.
    public func evaluate(self value: JSONValue, oldSelf old: JSONValue? = nil) throws(CELError) -> Bool {
        var scope: [String: CELValue] = ["self": CELValue(value)]
        if let old { scope["oldSelf"] = CELValue(old) }
        let result = try CELEvaluator(scope: scope).evaluate(root)
        guard case .bool(let flag) = result else {
            throw CELError("rule returned \(result.typeName), expected bool")
        }
        return flag
    }
}

/// Walks a ``CELExpression`` over ``CELValue``s.
struct CELEvaluator {
    var scope: [String: CELValue]

    func evaluate(_ expression: CELExpression) throws(CELError) -> CELValue {
        switch expression {
        case .literal(let value): return value
        case .list(let elements):
            var values: [CELValue] = []
            for element in elements { values.append(try evaluate(element)) }
            return .list(values)
        case .identifier(let name):
            guard let value = scope[name] else { throw CELError("no such attribute: \(name)") }
            return value
        case .select(let operand, let field):
            guard case .map(let members) = try evaluate(operand) else {
                throw CELError("no such key: \(field)")
            }
            guard let value = members[field] else { throw CELError("no such key: \(field)") }
            return value
        case .index(let operand, let index):
            return try subscripted(try evaluate(operand), by: try evaluate(index))
        case .has(let operand, let field):
            guard case .map(let members) = try evaluate(operand) else {
                throw CELError("invalid type for field selection")
            }
            return .bool(members[field] != nil)
        case .not(let operand):
            guard case .bool(let flag) = try evaluate(operand) else { throw overload("!_", operand) }
            return .bool(!flag)
        case .negate(let operand):
            switch try evaluate(operand) {
            case .int(let number):
                guard number != .min else { throw CELError("int overflow") }
                return .int(-number)
            case .double(let number): return .double(-number)
            default: throw overload("-_", operand)
            }
        case .and(let left, let right): return try logical(left, right, deciding: false)
        case .or(let left, let right): return try logical(left, right, deciding: true)
        case .binary(let op, let left, let right):
            return try CELOperators.apply(op, try evaluate(left), try evaluate(right))
        case .conditional(let condition, let then, let otherwise):
            guard case .bool(let flag) = try evaluate(condition) else {
                throw CELError("no matching overload for _?_:_")
            }
            return try evaluate(flag ? then : otherwise)
        case .call(let function, let target, let arguments):
            var values: [CELValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            if let target { values.insert(try evaluate(target), at: 0) }
            return try CELOperators.call(function, values)
        case .macro(let macro, let target, let variable, let body):
            guard case .list(let elements) = try evaluate(target) else {
                throw CELError("unsupported: \(macro.rawValue) over a non-list")
            }
            return try comprehension(macro, elements, variable: variable, body: body)
        }
    }

    /// `&&` (`deciding` false) and `||` (`deciding` true) with CEL's commutative error absorption:
    /// a side that decides the result wins over an error on the other side.
    private func logical(_ left: CELExpression, _ right: CELExpression, deciding: Bool) throws(CELError) -> CELValue {
        let lhs = Result { () throws(CELError) in try boolean(left) }
        if case .success(deciding) = lhs { return .bool(deciding) }
        let rhs = Result { () throws(CELError) in try boolean(right) }
        if case .success(deciding) = rhs { return .bool(deciding) }
        _ = try lhs.get()
        _ = try rhs.get()
        return .bool(!deciding)
    }

    private func boolean(_ expression: CELExpression) throws(CELError) -> Bool {
        guard case .bool(let flag) = try evaluate(expression) else {
            throw CELError("no matching overload for logical operator")
        }
        return flag
    }

    private func comprehension(
        _ macro: CELMacro, _ elements: [CELValue], variable: String, body: CELExpression
    ) throws(CELError) -> CELValue {
        var inner = self
        var results: [CELValue] = []
        var firstError: CELError?
        for element in elements {
            inner.scope[variable] = element
            switch macro {
            case .map:
                results.append(try inner.evaluate(body))
            case .filter:
                if try inner.boolean(body) { results.append(element) }
            case .all, .exists:
                // Like `&&`/`||`: a deciding element wins over an error on another element.
                do {
                    if try inner.boolean(body) == (macro == .exists) { return .bool(macro == .exists) }
                } catch {
                    firstError = firstError ?? error
                }
            }
        }
        if let firstError { throw firstError }
        switch macro {
        case .map, .filter: return .list(results)
        case .all: return .bool(true)
        case .exists: return .bool(false)
        }
    }

    private func subscripted(_ container: CELValue, by index: CELValue) throws(CELError) -> CELValue {
        switch (container, index) {
        case (.list(let elements), .int(let position)):
            guard position >= 0, position < elements.count else {
                throw CELError("index out of range: \(position)")
            }
            return elements[Int(position)]
        case (.map(let members), .string(let key)):
            guard let value = members[key] else { throw CELError("no such key: \(key)") }
            return value
        default:
            throw CELError("no matching overload for _[_] applied to (\(container.typeName), \(index.typeName))")
        }
    }

    private func overload(_ function: String, _ operand: CELExpression) -> CELError {
        let type = (try? evaluate(operand))?.typeName ?? "unknown"
        return CELError("no matching overload for \(function) applied to (\(type))")
    }
}
