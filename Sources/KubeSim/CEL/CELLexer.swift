import Foundation

/// A token of CEL source.
enum CELToken: Equatable, Sendable, CustomStringConvertible {
    case identifier(String)
    case int(UInt64)
    case double(Double)
    case string(String)
    case symbol(String)
    case end

    var description: String {
        switch self {
        case .identifier(let name): "'\(name)'"
        case .int(let value): "'\(value)'"
        case .double(let value): "'\(value)'"
        case .string(let text): "string \(GoFormat.quoted(text))"
        case .symbol(let text): "'\(text)'"
        case .end: "end of input"
        }
    }
}

/// Splits CEL source into tokens; rejects what the subset has no use for (bytes, raw and triple-quoted strings,
/// unsigned literals, map literals' braces).
enum CELLexer {
    private static let twoCharacterSymbols: Set<String> = ["==", "!=", "<=", ">=", "&&", "||"]
    private static let oneCharacterSymbols: Set<Character> = [
        "(", ")", "[", "]", ".", ",", "?", ":", "!", "<", ">", "+", "-", "*", "/", "%",
    ]

    static func tokenize(_ source: String) throws(CELError) -> [CELToken] {
        let characters = Array(source)
        var tokens: [CELToken] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character.isLetter || character == "_" {
                var end = index
                while end < characters.count,
                    characters[end].isLetter || characters[end].isNumber
                        || characters[end] == "_"
                {
                    end += 1
                }
                tokens.append(.identifier(String(characters[index..<end])))
                index = end
            } else if character.isASCII, character.isNumber {
                tokens.append(try number(characters, at: &index))
            } else if character == "\"" || character == "'" {
                tokens.append(.string(try string(characters, at: &index)))
            } else if index + 1 < characters.count,
                twoCharacterSymbols.contains(String(characters[index...index + 1]))
            {
                tokens.append(.symbol(String(characters[index...index + 1])))
                index += 2
            } else if oneCharacterSymbols.contains(character) {
                tokens.append(.symbol(String(character)))
                index += 1
            } else {
                throw CELError("unsupported character '\(character)'")
            }
        }
        tokens.append(.end)
        return tokens
    }

    private static func number(_ characters: [Character], at index: inout Int) throws(CELError) -> CELToken {
        var end = index
        var isDouble = false
        while end < characters.count {
            let character = characters[end]
            if character.isASCII && character.isNumber {
                end += 1
            } else if character == ".", !isDouble, end + 1 < characters.count, characters[end + 1].isNumber {
                isDouble = true
                end += 1
            } else {
                break
            }
        }
        let text = String(characters[index..<end])
        if end < characters.count, characters[end].isLetter || characters[end] == "_" {
            throw CELError("unsupported numeric literal '\(text)\(characters[end])'")
        }
        index = end
        if isDouble, let value = Double(text) { return .double(value) }
        guard let value = UInt64(text) else { throw CELError("integer literal out of range: \(text)") }
        return .int(value)
    }

    private static func string(_ characters: [Character], at index: inout Int) throws(CELError) -> String {
        let quote = characters[index]
        var text = ""
        var cursor = index + 1
        while cursor < characters.count {
            let character = characters[cursor]
            if character == quote {
                index = cursor + 1
                return text
            }
            if character == "\\" {
                guard cursor + 1 < characters.count else { break }
                switch characters[cursor + 1] {
                case "\\": text.append("\\")
                case "'": text.append("'")
                case "\"": text.append("\"")
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                default: throw CELError("unsupported escape sequence '\\\(characters[cursor + 1])'")
                }
                cursor += 2
            } else {
                text.append(character)
                cursor += 1
            }
        }
        throw CELError("unterminated string literal")
    }
}
