import Foundation
import KubeClient

/// A PATCH body, by content type.
///
/// `application/strategic-merge-patch+json` is served as a JSON merge patch: the real server merges
/// lists of objects by their patch-merge key (containers by `name`, for example) and honours
/// `$patch`/`$retainKeys` directives, whereas here every list in the patch **replaces** the list in
/// the object wholesale, and directive keys are stored like any other key. Clients that patch whole
/// lists (kubectl's client-side apply of the lists it manages, controllers writing status) see the
/// same result; a strategic patch naming one list element by its key does not.
public enum Patch: Sendable {
    /// RFC 7386 JSON merge patch (also used for strategic merge patches, see above).
    case merge(JSONValue)
    /// RFC 6902 JSON patch: add, remove, replace, move, copy, test.
    case json([JSONValue])

    /// The content types accepted, as answered in a 415.
    public static let supportedContentTypes = [
        "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json",
    ]

    /// Reads a patch body of the given content type.
    ///
    /// - Throws: 415 for server-side apply or an unknown type, 400 for a malformed body.
    public init(contentType: String, body: JSONValue) throws(Status) {
        let mediaType =
            contentType.split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
        switch mediaType {
        case "application/merge-patch+json", "application/strategic-merge-patch+json":
            self = .merge(body)
        case "application/json-patch+json":
            guard let operations = body.arrayValue else {
                throw Status.badRequest("a JSON patch must be a JSON array of operations")
            }
            self = .json(operations)
        case "application/apply-patch+yaml", "application/apply-patch+cbor":
            throw Status.unsupportedMediaType(
                "server-side apply is not supported by this simulator; use client-side apply "
                    + "(kubectl apply without --server-side) or a merge patch")
        default:
            throw Status.unsupportedMediaType(
                "the body of the request was in an unknown format - accepted media types include: "
                    + Self.supportedContentTypes.joined(separator: ", "))
        }
    }

    /// Applies the patch to `document`.
    ///
    /// - Throws: 422 for a failed `test` or a path that does not exist, 400 for a malformed operation.
    public func apply(to document: JSONValue) throws(Status) -> JSONValue {
        switch self {
        case .merge(let patch): return Self.mergePatch(document, patch)
        case .json(let operations):
            var result = document
            for (index, operation) in operations.enumerated() {
                result = try Self.applyOperation(operation, index: index, to: result)
            }
            return result
        }
    }

    // MARK: - RFC 7386

    /// Merges `patch` into `target`: objects merge recursively, `null` removes, anything else replaces.
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var members = target.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                members.removeValue(forKey: key)
            } else {
                members[key] = mergePatch(members[key] ?? .null, value)
            }
        }
        return .object(members)
    }

    // MARK: - RFC 6902

    private static func applyOperation(_ operation: JSONValue, index: Int, to document: JSONValue) throws(Status)
        -> JSONValue
    {
        guard let op = operation["op"]?.stringValue, let pathText = operation["path"]?.stringValue else {
            throw Status.badRequest("JSON patch operation \(index) needs string members \"op\" and \"path\"")
        }
        let path = try JSONPointer(pathText)
        switch op {
        case "add":
            return try path.adding(try requiredValue(operation, index), to: document)
        case "remove":
            return try path.removing(from: document)
        case "replace":
            _ = try path.value(in: document)
            let removed = try path.removing(from: document)
            return try path.adding(try requiredValue(operation, index), to: removed)
        case "move", "copy":
            guard let fromText = operation["from"]?.stringValue else {
                throw Status.badRequest("JSON patch operation \(index) (\(op)) needs a string \"from\"")
            }
            let from = try JSONPointer(fromText)
            let value = try from.value(in: document)
            let base = op == "move" ? try from.removing(from: document) : document
            return try path.adding(value, to: base)
        case "test":
            let expected = try requiredValue(operation, index)
            let actual = try path.value(in: document)
            guard actual == expected else {
                throw Status.failure(
                    code: 422, reason: "Invalid",
                    message: "the server rejected our request due to an error in our request: "
                        + "testing value \(pathText) failed")
            }
            return document
        default:
            throw Status.badRequest("JSON patch operation \(index) has unknown op \"\(op)\"")
        }
    }

    private static func requiredValue(_ operation: JSONValue, _ index: Int) throws(Status) -> JSONValue {
        guard let value = operation["value"] else {
            throw Status.badRequest("JSON patch operation \(index) needs a \"value\"")
        }
        return value
    }
}

/// An RFC 6901 JSON pointer (`/metadata/labels/app`, `/spec/containers/0`, `/items/-`).
struct JSONPointer {
    let tokens: [String]
    let text: String

    init(_ text: String) throws(Status) {
        self.text = text
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else { throw Status.badRequest("JSON pointer \"\(text)\" must start with /") }
        tokens = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private func missing() -> Status {
        .failure(
            code: 422, reason: "Invalid",
            message: "the server rejected our request due to an error in our request: "
                + "the path \(text) does not exist in the object")
    }

    func value(in document: JSONValue) throws(Status) -> JSONValue {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { throw missing() }
                current = next
            case .array(let elements):
                guard let index = Int(token), elements.indices.contains(index) else { throw missing() }
                current = elements[index]
            default:
                throw missing()
            }
        }
        return current
    }

    func adding(_ value: JSONValue, to document: JSONValue) throws(Status) -> JSONValue {
        try modify(document, tokens[...]) { parent, last throws(Status) in
            switch parent {
            case .object(var members):
                members[last] = value
                return .object(members)
            case .array(var elements):
                if last == "-" {
                    elements.append(value)
                } else if let index = Int(last), index >= 0, index <= elements.count {
                    elements.insert(value, at: index)
                } else {
                    throw missing()
                }
                return .array(elements)
            default:
                throw missing()
            }
        } whole: {
            value
        }
    }

    func removing(from document: JSONValue) throws(Status) -> JSONValue {
        try modify(document, tokens[...]) { parent, last throws(Status) in
            switch parent {
            case .object(var members):
                guard members.removeValue(forKey: last) != nil else { throw missing() }
                return .object(members)
            case .array(var elements):
                guard let index = Int(last), elements.indices.contains(index) else { throw missing() }
                elements.remove(at: index)
                return .array(elements)
            default:
                throw missing()
            }
        } whole: {
            .null
        }
    }

    /// Walks to the parent of the last token and lets `change` rebuild it; `whole` handles the empty pointer.
    private func modify(
        _ document: JSONValue, _ remaining: ArraySlice<String>,
        change: (JSONValue, String) throws(Status) -> JSONValue, whole: () -> JSONValue
    ) throws(Status) -> JSONValue {
        guard let first = remaining.first else { return whole() }
        if remaining.count == 1 { return try change(document, first) }
        let rest = remaining.dropFirst()
        switch document {
        case .object(var members):
            guard let child = members[first] else { throw missing() }
            members[first] = try modify(child, rest, change: change, whole: whole)
            return .object(members)
        case .array(var elements):
            guard let index = Int(first), elements.indices.contains(index) else { throw missing() }
            elements[index] = try modify(elements[index], rest, change: change, whole: whole)
            return .array(elements)
        default:
            throw missing()
        }
    }
}
