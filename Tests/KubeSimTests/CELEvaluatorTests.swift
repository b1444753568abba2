import Foundation
import KubeClient
import Testing

@testable import KubeSim

@Suite struct CELEvaluatorTests {
    /// The `self` every expression case sees.
    static let object: JSONValue = [
        "name": "nightly-report",
        "count": 3,
        "ratio": .double(0.5),
        "enabled": true,
        "nothing": .null,
        "tags": ["a", "b", "c"],
        "numbers": [1, 2, 3, 4],
        "labels": ["team": "data", "tier": "low"],
        "nested": ["inner": ["value": 7]],
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let rule: String
        /// The result, or the error message when `error` is set.
        var result: Bool = true
        var error: String?
        var oldSelf: JSONValue?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "field selection", rule: "self.name == 'nightly-report'"),
        Case(name: "nested selection", rule: "self.nested.inner.value == 7"),
        Case(name: "double quoted string", rule: #"self.name == "nightly-report""#),
        Case(name: "escapes in strings", rule: #"'it\'s' == "it's" && 'a\tb'.size() == 3"#),
        Case(name: "has present", rule: "has(self.count)"),
        Case(name: "has absent", rule: "has(self.missing)", result: false),
        Case(name: "has nested", rule: "has(self.nested.inner) && !has(self.nested.other)"),
        Case(name: "has on a null field is true", rule: "has(self.nothing) && self.nothing == null"),
        Case(name: "missing key is an error", rule: "self.missing == 1", error: "no such key: missing"),
        Case(name: "selection on a non-map is an error", rule: "self.count.x == 1", error: "no such key: x"),
        Case(name: "or absorbs an error on the left", rule: "self.missing == 1 || true"),
        Case(name: "or absorbs an error on the right", rule: "true || self.missing == 1"),
        Case(name: "and absorbs an error", rule: "self.missing == 1 && false", result: false),
        Case(name: "and keeps the error", rule: "self.missing == 1 && true", error: "no such key: missing"),
        Case(name: "not", rule: "!self.enabled", result: false),
        Case(name: "int comparisons", rule: "self.count > 2 && self.count >= 3 && self.count < 4 && self.count <= 3"),
        Case(name: "int and double compare", rule: "self.ratio < 1 && self.count == 3.0"),
        Case(name: "string order", rule: "'abc' < 'abd' && 'b' > 'a'"),
        Case(name: "arithmetic", rule: "self.count * 2 + 1 == 7 && 7 / 2 == 3 && 7 % 2 == 1 && 5 - 8 == -3"),
        Case(name: "precedence", rule: "1 + 2 * 3 == 7 && (1 + 2) * 3 == 9"),
        Case(name: "division by zero", rule: "self.count / 0 == 1", error: "division by zero"),
        Case(name: "modulus by zero", rule: "self.count % 0 == 1", error: "modulus by zero"),
        Case(name: "int overflow", rule: "9223372036854775807 + 1 > 0", error: "int overflow"),
        Case(name: "smallest int literal", rule: "-9223372036854775808 < 0"),
        Case(
            name: "mixed arithmetic has no overload", rule: "self.count + self.ratio > 0",
            error: "no matching overload for _+_ applied to (int, double)"),
        Case(name: "string concatenation", rule: "self.name + '!' == 'nightly-report!'"),
        Case(name: "list concatenation", rule: "size([1] + [2, 3]) == 3"),
        Case(name: "in list", rule: "'b' in self.tags && !('z' in self.tags)"),
        Case(name: "in map keys", rule: "'team' in self.labels"),
        Case(name: "list equality", rule: "self.tags == ['a', 'b', 'c'] && self.tags != ['a']"),
        Case(name: "different types are unequal", rule: "self.name != 3 && self.nothing != false"),
        Case(name: "ternary", rule: "(self.enabled ? 'on' : 'off') == 'on'"),
        Case(name: "nested ternary", rule: "(false ? 1 : true ? 2 : 3) == 2"),
        Case(name: "startsWith and endsWith", rule: "self.name.startsWith('nightly') && self.name.endsWith('report')"),
        Case(name: "contains", rule: "self.name.contains('ly-re') && !self.name.contains('weekly')"),
        Case(name: "matches searches anywhere", rule: "self.name.matches('y-r') && self.name.matches('^n.*t$')"),
        Case(name: "size forms", rule: "size(self.name) == 14 && self.tags.size() == 3 && size(self.labels) == 2"),
        Case(name: "size counts code points", rule: "'héllo'.size() == 5"),
        Case(
            name: "size of an int has no overload", rule: "size(self.count) == 1",
            error: "no matching overload for size applied to (int)"),
        Case(name: "index list and map", rule: "self.tags[1] == 'b' && self.labels['tier'] == 'low'"),
        Case(name: "index out of range", rule: "self.tags[5] == 'b'", error: "index out of range: 5"),
        Case(name: "all", rule: "self.numbers.all(n, n > 0)"),
        Case(name: "all false", rule: "self.numbers.all(n, n > 1)", result: false),
        Case(name: "exists", rule: "self.numbers.exists(n, n == 4)"),
        Case(name: "exists none", rule: "self.numbers.exists(n, n == 9)", result: false),
        Case(name: "exists absorbs an error on another element", rule: "self.numbers.exists(n, n / (n - 1) == 2)"),
        Case(name: "all absorbs an error on another element", rule: "[0, 1].all(n, 1 / n > 5)", result: false),
        Case(name: "all keeps the error", rule: "[0, 1].all(n, 1 / n < 5)", error: "division by zero"),
        Case(name: "filter", rule: "self.numbers.filter(n, n % 2 == 0) == [2, 4]"),
        Case(name: "map", rule: "self.numbers.map(n, n * 10) == [10, 20, 30, 40]"),
        Case(name: "nested macros", rule: "self.tags.all(t, self.tags.exists(u, u == t))"),
        Case(name: "filter of booleans", rule: "[has(self.name), has(self.x), true].filter(b, b).size() == 2"),
        Case(name: "non-boolean result", rule: "self.count", error: "rule returned int, expected bool"),
        Case(name: "oldSelf", rule: "self.count >= oldSelf.count", oldSelf: ["count": 2]),
        Case(name: "oldSelf decreasing", rule: "self.count >= oldSelf.count", result: false, oldSelf: ["count": 4]),
    ]

    @Test(arguments: cases)
    func evaluates(_ test: Case) throws {
        let program = try CELProgram(compiling: test.rule)
        if let expected = test.error {
            #expect(throws: CELError(expected)) { try program.evaluate(self: Self.object, oldSelf: test.oldSelf) }
        } else {
            #expect(try program.evaluate(self: Self.object, oldSelf: test.oldSelf) == test.result)
        }
    }

    struct Unsupported: CustomTestStringConvertible, Sendable {
        let rule: String
        let message: String
        var testDescription: String { rule }
    }

    static let unsupported: [Unsupported] = [
        Unsupported(rule: "self.name.lowerAscii() == 'x'", message: "unsupported function or macro: lowerAscii"),
        Unsupported(rule: "int(self.count) == 1", message: "unsupported function or macro: int"),
        Unsupported(rule: "self.tags.exists_one(t, t == 'a')", message: "unsupported function or macro: exists_one"),
        Unsupported(rule: "self.labels == {'a': 1}", message: "unsupported character '{'"),
        Unsupported(rule: "b'abc' == b'abc'", message: "undeclared reference to 'b'"),
        Unsupported(rule: "1u == 1u", message: "unsupported numeric literal '1u'"),
        Unsupported(rule: "other.name == 'x'", message: "undeclared reference to 'other'"),
        Unsupported(rule: "has(self)", message: "invalid argument to has() macro"),
        Unsupported(rule: "self.tags.all(1, true)", message: "argument is not an identifier in all macro"),
        Unsupported(rule: "self.name.startsWith()", message: "startsWith takes 1 argument as a method"),
        Unsupported(rule: "self.count ==", message: "syntax error: unexpected end of input at the start of an operand"),
        Unsupported(rule: "'open", message: "unterminated string literal"),
        Unsupported(rule: "'\\x41' == 'A'", message: "unsupported escape sequence '\\x'"),
    ]

    @Test(arguments: unsupported)
    func rejectsAtCompilation(_ test: Unsupported) {
        #expect(throws: CELError(test.message)) { try CELProgram(compiling: test.rule) }
    }

    @Test func detectsTransitionRules() throws {
        #expect(try CELProgram(compiling: "self == oldSelf").isTransitionRule)
        #expect(try !CELProgram(compiling: "self.a == 1").isTransitionRule)
    }

    @Test func macroVariableIsScopedToItsBody() {
        #expect(throws: CELError("undeclared reference to 'n'")) {
            try CELProgram(compiling: "self.numbers.all(n, n > 0) && n > 0")
        }
    }
}
