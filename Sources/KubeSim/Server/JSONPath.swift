import Foundation
import KubeClient

/// The subset of JSONPath used by printer columns: `.a.b`, `[0]`, `[*]`, `['key.with.dots']` and
/// the equality filter `[?(@.type=="Ready")]`, with or without surrounding `{}`.
enum JSONPath {
    /// Every value the path selects (empty when nothing matches).
    static func evaluate(_ path: String, in root: JSONValue) -> [JSONValue] {
        var text = Substring(path.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("{") && text.hasSuffix("}") { text = text.dropFirst().dropLast() }
        if text.hasPrefix("$") { text = text.dropFirst() }
        var current: [JSONValue] = [root]
        while !text.isEmpty {
            if text.hasPrefix(".") {
                text = text.dropFirst()
                let end = text.firstIndex { $0 == "." || $0 == "[" } ?? text.endIndex
                let key = String(text[..<end])
                text = text[end...]
                if key.isEmpty { continue }
                current = current.compactMap { $0[key] }
            } else if text.hasPrefix("[") {
                guard let close = closingBracket(in: text) else { return [] }
                let inner = text[text.index(after: text.startIndex)..<close]
                text = text[text.index(after: close)...]
                current = apply(String(inner), to: current)
            } else {
                return []
            }
        }
        return current
    }

    private static func closingBracket(in text: Substring) -> Substring.Index? {
        var quote: Character?
        for index in text.indices {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "]" {
                return index
            }
        }
        return nil
    }

    private static func apply(_ selector: String, to values: [JSONValue]) -> [JSONValue] {
        if selector == "*" {
            return values.flatMap { value -> [JSONValue] in
                if let array = value.arrayValue { return array }
                if let object = value.objectValue { return Array(object.values) }
                return []
            }
        }
        if let index = Int(selector) {
            return values.compactMap { value in
                guard let array = value.arrayValue else { return nil }
                let position = index < 0 ? array.count + index : index
                return array.indices.contains(position) ? array[position] : nil
            }
        }
        if selector.hasPrefix("'") || selector.hasPrefix("\"") {
            let key = String(selector.dropFirst().dropLast())
            return values.compactMap { $0[key] }
        }
        if selector.hasPrefix("?(@.") && selector.hasSuffix(")") {
            let condition = selector.dropFirst(4).dropLast()
            guard let equals = condition.range(of: "==") else { return [] }
            let field = condition[..<equals.lowerBound].trimmingCharacters(in: .whitespaces)
            var expected = condition[equals.upperBound...].trimmingCharacters(in: .whitespaces)
            if expected.count >= 2, let first = expected.first, first == "\"" || first == "'" {
                expected = String(expected.dropFirst().dropLast())
            }
            let path = "." + field
            return values.flatMap { $0.arrayValue ?? [] }.filter { element in
                guard let actual = evaluate(path, in: element).first else { return false }
                switch actual {
                case .string(let text): return text == expected
                case .int(let number): return String(number) == expected
                case .bool(let flag): return String(flag) == expected
                default: return false
                }
            }
        }
        return []
    }
}
