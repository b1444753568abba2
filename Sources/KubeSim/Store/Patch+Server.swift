import Foundation
import KubeClient

/// The server side of KubeClient's ``Patch``: reading a PATCH body by its content type and applying it.
///
/// `application/strategic-merge-patch+json` is served as a JSON merge patch: the real server merges
/// lists of objects by their patch-merge key (containers by `name`, for example) and honours
/// `$patch`/`$retainKeys` directives, whereas here every list in the patch **replaces** the list in
/// the object wholesale, and directive keys are stored like any other key. Clients that patch whole
/// lists (kubectl's client-side apply of the lists it manages, controllers writing status) see the
/// same result; a strategic patch naming one list element by its key does not.
extension Patch {
    /// The content types accepted, as answered in a 415.
    public static let supportedContentTypes = [
        "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json",
    ]

    /// Reads a patch body of the given content type.
    ///
    /// - Throws: 415 for server-side apply or an unknown type, 400 for a malformed body or operation.
    public init(contentType: String, body: JSONValue) throws(Status) {
        let mediaType =
            contentType.split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            } ?? ""
        switch mediaType {
        case "application/merge-patch+json":
            self = .merge(body)
        case "application/strategic-merge-patch+json":
            self = .strategicMerge(body)
        case "application/json-patch+json":
            guard let elements = body.arrayValue else {
                throw Status.badRequest("a JSON patch must be a JSON array of operations")
            }
            var operations: [JSONPatchOperation] = []
            for (index, element) in elements.enumerated() {
                operations.append(try JSONPatchOperation(parsing: element, index: index))
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
    /// - Throws: 422 for a failed `test` or a path that does not exist, 400 for a malformed JSON pointer.
    public func apply(to document: JSONValue) throws(Status) -> JSONValue {
        switch self {
        case .merge(let patch), .strategicMerge(let patch):
            return document.applyingMergePatch(patch)
        case .json(let operations):
            var result = document
            for operation in operations {
                result = try operation.apply(to: result)
            }
            return result
        }
    }
}

// MARK: - RFC 6902

extension JSONPatchOperation {
    /// Reads operation number `index` of a JSON patch body.
    ///
    /// - Throws: 400 naming the operation when a member is missing or the `op` is unknown.
    init(parsing operation: JSONValue, index: Int) throws(Status) {
        guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
            throw Status.badRequest("JSON patch operation \(index) needs string members \"op\" and \"path\"")
        }
        switch op {
        case "add": self = .add(path: path, value: try Self.requiredValue(operation, index))
        case "remove": self = .remove(path: path)
        case "replace": self = .replace(path: path, value: try Self.requiredValue(operation, index))
        case "test": self = .test(path: path, value: try Self.requiredValue(operation, index))
        case "move", "copy":
            guard let from = operation["from"]?.stringValue else {
                throw Status.badRequest("JSON patch operation \(index) (\(op)) needs a string \"from\"")
            }
            self = op == "move" ? .move(from: from, path: path) : .copy(from: from, path: path)
        default:
            throw Status.badRequest("JSON patch operation \(index) has unknown op \"\(op)\"")
        }
    }

    /// Applies this one operation to `document`.
    func apply(to document: JSONValue) throws(Status) -> JSONValue {
        switch self {
        case .add(let path, let value):
            return try JSONPointer(path).adding(value, to: document)
        case .remove(let path):
            return try JSONPointer(path).removing(from: document)
        case .replace(let path, let value):
            let pointer = try JSONPointer(path)
            _ = try pointer.value(in: document)
            return try pointer.adding(value, to: try pointer.removing(from: document))
        case .move(let from, let path), .copy(let from, let path):
            let target = try JSONPointer(path)
            let source = try JSONPointer(from)
            let value = try source.value(in: document)
            let base: JSONValue
            if case .move = self {
                base = try source.removing(from: document)
            } else {
                base = document
            }
            return try target.adding(value, to: base)
        case .test(let path, let expected):
            let actual = try JSONPointer(path).value(in: document)
            guard actual == expected else {
                throw Status.failure(
                    code: 422, reason: "Invalid",
                    message: "the server rejected our request due to an error in our request: "
                        + "testing value \(path) failed")
            }
            return document
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
