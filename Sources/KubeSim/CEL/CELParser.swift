import Foundation

/// A recursive-descent parser for the CEL subset described on ``CELProgram``.
///
/// Precedence, lowest first: `?:`, `||`, `&&`, relations and `in`, `+ -`, `* / %`, unary `! -`,
/// then member access, calls and indexing. Identifiers are resolved while parsing, so an unknown
/// variable or function fails compilation, as in the real API server.
struct CELParser {
    private var tokens: [CELToken]
    private var position = 0
    /// Variables bound by enclosing macros.
    private var boundVariables: [String] = []
    private(set) var mentionsOldSelf = false

    init(source: String) throws(CELError) {
        tokens = try CELLexer.tokenize(source)
    }

    mutating func parseRule() throws(CELError) -> CELExpression {
        let expression = try parseConditional()
        guard case .end = peek else { throw unexpected("after the expression") }
        return expression
    }

    // MARK: - Operators

    private mutating func parseConditional() throws(CELError) -> CELExpression {
        let condition = try parseOr()
        guard take(.symbol("?")) else { return condition }
        let then = try parseConditional()
        try expect(.symbol(":"))
        return .conditional(condition, then, try parseConditional())
    }

    private mutating func parseOr() throws(CELError) -> CELExpression {
        var left = try parseAnd()
        while take(.symbol("||")) { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(CELError) -> CELExpression {
        var left = try parseRelation()
        while take(.symbol("&&")) { left = .and(left, try parseRelation()) }
        return left
    }

    private mutating func parseRelation() throws(CELError) -> CELExpression {
        var left = try parseAdditive()
        while true {
            let op: CELBinaryOperator
            switch peek {
            case .symbol(let text) where ["==", "!=", "<", "<=", ">", ">="].contains(text):
                op = CELBinaryOperator(rawValue: text) ?? .equal
            case .identifier("in"): op = .in
            default: return left
            }
            position += 1
            left = .binary(op, left, try parseAdditive())
        }
    }

    private mutating func parseAdditive() throws(CELError) -> CELExpression {
        var left = try parseMultiplicative()
        while case .symbol(let text) = peek, text == "+" || text == "-" {
            position += 1
            left = .binary(text == "+" ? .add : .subtract, left, try parseMultiplicative())
        }
        return left
    }

    private mutating func parseMultiplicative() throws(CELError) -> CELExpression {
        var left = try parseUnary()
        while case .symbol(let text) = peek, let op = CELBinaryOperator(rawValue: text),
            [.multiply, .divide, .remainder].contains(op)
        {
            position += 1
            left = .binary(op, left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(CELError) -> CELExpression {
        if take(.symbol("!")) { return .not(try parseUnary()) }
        if take(.symbol("-")) {
            // Fold negative literals so that `-9223372036854775808` is representable.
            if case .int(let magnitude) = peek {
                position += 1
                guard magnitude <= UInt64(Int64.max) + 1 else { throw CELError("integer literal out of range") }
                return .literal(.int(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)))
            }
            return .negate(try parseUnary())
        }
        return try parseMember()
    }

    // MARK: - Members, calls, primaries

    private mutating func parseMember() throws(CELError) -> CELExpression {
        var expression = try parsePrimary()
        while true {
            if take(.symbol(".")) {
                guard case .identifier(let name) = peek else { throw unexpected("after '.'") }
                position += 1
                if take(.symbol("(")) {
                    expression = try parseMethod(name, target: expression)
                } else {
                    expression = .select(expression, name)
                }
            } else if take(.symbol("[")) {
                let index = try parseConditional()
                try expect(.symbol("]"))
                expression = .index(expression, index)
            } else {
                return expression
            }
        }
    }

    private mutating func parseMethod(_ name: String, target: CELExpression) throws(CELError) -> CELExpression {
        if let macro = CELMacro(rawValue: name) {
            guard case .identifier(let variable) = peek, !Self.reserved.contains(variable) else {
                throw CELError("argument is not an identifier in \(name) macro")
            }
            position += 1
            try expect(.symbol(","))
            boundVariables.append(variable)
            let body = try parseConditional()
            boundVariables.removeLast()
            try expect(.symbol(")"))
            return .macro(macro, target: target, variable: variable, body: body)
        }
        guard let function = CELFunction(rawValue: name) else {
            throw CELError("unsupported function or macro: \(name)")
        }
        let arguments = try parseArguments()
        let expected = function == .size ? 0 : 1
        guard arguments.count == expected else {
            throw CELError("\(name) takes \(expected) argument\(expected == 1 ? "" : "s") as a method")
        }
        return .call(function, target: target, arguments: arguments)
    }

    private mutating func parsePrimary() throws(CELError) -> CELExpression {
        let token = peek
        position += 1
        switch token {
        case .int(let value):
            guard value <= UInt64(Int64.max) else { throw CELError("integer literal out of range") }
            return .literal(.int(Int64(value)))
        case .double(let value): return .literal(.double(value))
        case .string(let text): return .literal(.string(text))
        case .symbol("("):
            let inner = try parseConditional()
            try expect(.symbol(")"))
            return inner
        case .symbol("["):
            var elements: [CELExpression] = []
            if !take(.symbol("]")) {
                repeat { elements.append(try parseConditional()) } while take(.symbol(","))
                try expect(.symbol("]"))
            }
            return .list(elements)
        case .identifier(let name):
            if take(.symbol("(")) { return try parseGlobalCall(name) }
            return try resolve(name)
        default:
            position -= 1
            throw unexpected("at the start of an operand")
        }
    }

    private mutating func parseGlobalCall(_ name: String) throws(CELError) -> CELExpression {
        switch name {
        case "has":
            let argument = try parseConditional()
            try expect(.symbol(")"))
            guard case .select(let operand, let field) = argument else {
                throw CELError("invalid argument to has() macro")
            }
            return .has(operand, field)
        case "size":
            let arguments = try parseArguments()
            guard arguments.count == 1 else { throw CELError("size takes 1 argument") }
            return .call(.size, target: nil, arguments: arguments)
        default:
            throw CELError("unsupported function or macro: \(name)")
        }
    }

    /// Parses `a, b)` after an opening parenthesis.
    private mutating func parseArguments() throws(CELError) -> [CELExpression] {
        var arguments: [CELExpression] = []
        if take(.symbol(")")) { return arguments }
        repeat { arguments.append(try parseConditional()) } while take(.symbol(","))
        try expect(.symbol(")"))
        return arguments
    }

    private mutating func resolve(_ name: String) throws(CELError) -> CELExpression {
        switch name {
        case "true": return .literal(.bool(true))
        case "false": return .literal(.bool(false))
        case "null": return .literal(.null)
        case "self": return .identifier(name)
        case "oldSelf":
            mentionsOldSelf = true
            return .identifier(name)
        default:
            guard boundVariables.contains(name) else { throw CELError("undeclared reference to '\(name)'") }
            return .identifier(name)
        }
    }

    private static let reserved: Set<String> = ["true", "false", "null", "self", "oldSelf", "in"]

    // MARK: - Tokens

    private var peek: CELToken { tokens[min(position, tokens.count - 1)] }

    private mutating func take(_ token: CELToken) -> Bool {
        guard peek == token else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ token: CELToken) throws(CELError) {
        guard take(token) else { throw unexpected("where \(token) was expected") }
    }

    private func unexpected(_ context: String) -> CELError {
        CELError("syntax error: unexpected \(peek) \(context)")
    }
}
