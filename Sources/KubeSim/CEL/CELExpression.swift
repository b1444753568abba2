import Foundation

/// A compiled rule of a CRD's `x-kubernetes-validations`, in the CEL subset KubeSim evaluates.
///
/// The subset, which covers every rule Punctual's CRD uses:
/// - Variables: `self` (the value at the rule's schema node), `oldSelf` (the stored value, for
///   transition rules: a rule that mentions `oldSelf` is evaluated only on update, where the old
///   value exists, and skipped otherwise, as the real API server does), and the variable bound by
///   a list macro.
/// - Literals: strings (single or double quoted, with `\\`, `\'`, `\"`, `\n`, `\t`, `\r` escapes),
///   integers, doubles, `true`, `false`, `null`, lists `[a, b]`.
/// - Field selection `a.b` and indexing `a[i]` (lists by int, maps by string); `has(a.b)`.
/// - Operators: `!`, unary `-`, `&&` and `||` (an error on one side is absorbed when the other
///   side decides the result), `==`, `!=`, `<`, `<=`, `>`, `>=` (ints, doubles, strings, bools),
///   `+` (ints, doubles, strings, lists), `-`, `*`, `/`, `%` (ints, with overflow and division
///   checks; doubles except `%`), `in` (list membership, map key), the ternary `c ? a : b`.
/// - Functions: `size(x)` and `x.size()` (string code points, list, map), `startsWith`,
///   `endsWith`, `contains`, `matches` (a regular expression searched anywhere in the string), and
///   the list macros `all`, `exists`, `filter`, `map` (`list.all(x, predicate)`).
///
/// Everything else (other functions and macros such as `exists_one`, `type()`, `int()`,
/// `string()`, `duration()`, comprehension over maps, map literals, `messageExpression`) is
/// rejected when the CRD is created: compilation fails with `unsupported ...`, so a rule is never
/// silently ignored.
public struct CELProgram: Sendable {
    /// The rule's source text.
    public let source: String
    let root: CELExpression
    /// Whether the rule mentions `oldSelf`, which makes it a transition rule.
    public let isTransitionRule: Bool

    /// Compiles `source`.
    /// - Throws: ``CELError`` naming the unsupported construct or the syntax error.
    public init(compiling source: String) throws(CELError) {
        var parser = try CELParser(source: source)
        root = try parser.parseRule()
        self.source = source
        isTransitionRule = parser.mentionsOldSelf
    }
}

/// A node of a parsed CEL expression.
indirect enum CELExpression: Sendable {
    case literal(CELValue)
    case list([CELExpression])
    case identifier(String)
    case select(CELExpression, String)
    case index(CELExpression, CELExpression)
    /// `has(operand.field)`.
    case has(CELExpression, String)
    case not(CELExpression)
    case negate(CELExpression)
    case and(CELExpression, CELExpression)
    case or(CELExpression, CELExpression)
    case binary(CELBinaryOperator, CELExpression, CELExpression)
    case conditional(CELExpression, CELExpression, CELExpression)
    /// A function or method call: `size(x)` has no target, `x.startsWith(y)` has one.
    case call(CELFunction, target: CELExpression?, arguments: [CELExpression])
    /// `target.all(variable, body)` and the other list macros.
    case macro(CELMacro, target: CELExpression, variable: String, body: CELExpression)
}

enum CELBinaryOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case `in`
}

enum CELFunction: String, Sendable {
    case size, startsWith, endsWith, contains, matches
}

enum CELMacro: String, Sendable {
    case all, exists, filter, map
}

/// A compilation or evaluation failure, with the message the API server would print.
public struct CELError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
