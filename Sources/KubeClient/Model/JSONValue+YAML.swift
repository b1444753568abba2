import Foundation
import Yams

// MARK: - YAML manifests

extension JSONValue {
    /// One document of a YAML stream and the line it starts on.
    public struct YAMLDocument: Sendable {
        public var value: JSONValue
        /// 1-based line of the document's first node.
        public var line: Int?
    }

    /// Parses every non-empty document of a YAML (or JSON) stream, as kubectl reads manifests.
    ///
    /// Types follow the YAML tags, not the decoder's guesses: a quoted scalar stays a string
    /// (`"True"` in an enum, `"5"`), plain ones are resolved (`5` integer, `true` boolean, `~`
    /// null). Aliases are refused: Kubernetes manifests do not use them and they can blow up.
    ///
    /// - Throws: Yams' `YamlError` for malformed YAML, or ``YAMLManifestError``.
    public static func yamlDocuments(_ text: String) throws -> [YAMLDocument] {
        var documents: [YAMLDocument] = []
        for node in try Yams.compose_all(yaml: text) {
            let value = try JSONValue(yamlNode: node)
            if value.isNull { continue }
            documents.append(YAMLDocument(value: value, line: node.mark.map { $0.line }))
        }
        return documents
    }

    private init(yamlNode node: Node) throws {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.description) {
            case .null: self = .null
            case .bool: self = node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: self = node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
            case .float: self = node.float.map(JSONValue.double) ?? .string(scalar.string)
            default: self = .string(scalar.string)
            }
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else {
                    throw YAMLManifestError(line: key.mark?.line, message: "a mapping key must be a string")
                }
                members[name] = try JSONValue(yamlNode: value)
            }
            self = .object(members)
        case .sequence(let sequence):
            self = .array(try sequence.map { try JSONValue(yamlNode: $0) })
        case .alias:
            throw YAMLManifestError(line: node.mark?.line, message: "YAML aliases are not supported in manifests")
        }
    }
}

/// A YAML document that cannot be a Kubernetes manifest.
public struct YAMLManifestError: Error, Sendable, CustomStringConvertible {
    public var line: Int?
    public var message: String

    public var description: String { "line \(line.map(String.init) ?? "?"): \(message)" }
}
