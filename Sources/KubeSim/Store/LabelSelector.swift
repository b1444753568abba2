import Foundation
import KubeClient

/// A parsed label selector in the query-string syntax of `labelSelector=`.
///
/// Supports every operator of the real parser: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
/// `k` (exists), `!k` (does not exist) and the numeric `k>n`, `k<n`. Requirements are ANDed.
public struct LabelSelector: Hashable, Sendable {
    /// One requirement on one label key.
    public enum Requirement: Hashable, Sendable {
        case equals(String, String)
        case notEquals(String, String)
        case `in`(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
        case greaterThan(String, Int64)
        case lessThan(String, Int64)
    }

    public var requirements: [Requirement]

    /// The selector that matches everything.
    public static let everything = LabelSelector(requirements: [])

    public init(requirements: [Requirement]) {
        self.requirements = requirements
    }

    /// Parses the query-string form.
    ///
    /// - Throws: a 400 ``Status`` naming the requirement that could not be parsed.
    public init(parsing text: String) throws(Status) {
        var requirements: [Requirement] = []
        for part in Self.splitTopLevel(text) {
            let term = part.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            requirements.append(try Self.parseRequirement(term, in: text))
        }
        self.requirements = requirements
    }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): return labels[key] == value
            case .notEquals(let key, let value): return labels[key] != value
            case .in(let key, let values): return labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): return !(labels[key].map(values.contains) ?? false)
            case .exists(let key): return labels[key] != nil
            case .doesNotExist(let key): return labels[key] == nil
            case .greaterThan(let key, let bound): return labels[key].flatMap { Int64($0) }.map { $0 > bound } ?? false
            case .lessThan(let key, let bound): return labels[key].flatMap { Int64($0) }.map { $0 < bound } ?? false
            }
        }
    }

    /// Whether the object's `metadata.labels` satisfy every requirement.
    public func matches(object: JSONValue) -> Bool {
        if requirements.isEmpty { return true }
        return matches(object.labels)
    }

    // MARK: - Parsing

    /// Splits on commas that are not inside parentheses.
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }

    private static func parseRequirement(_ term: String, in text: String) throws(Status) -> Requirement {
        func fail(_ why: String) -> Status {
            .badRequest("unable to parse requirement: \(why) in label selector \"\(text)\"")
        }
        func validKey(_ key: String) throws(Status) -> String {
            let trimmed = key.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.contains(where: { $0 == " " || $0 == "(" || $0 == ")" }) else {
                throw fail("invalid label key \"\(trimmed)\"")
            }
            return trimmed
        }
        if term.hasPrefix("!") { return .doesNotExist(try validKey(String(term.dropFirst()))) }
        for (token, isNegated) in [(" notin ", true), (" in ", false)] {
            if let range = term.range(of: token) {
                let key = try validKey(String(term[..<range.lowerBound]))
                let rest = term[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard rest.hasPrefix("("), rest.hasSuffix(")") else {
                    throw fail("expected a parenthesised value list")
                }
                let values = Set(
                    rest.dropFirst().dropLast().split(separator: ",")
                        .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
                return isNegated ? .notIn(key, values) : .in(key, values)
            }
        }
        for (token, build) in Self.binaryOperators {
            if let range = term.range(of: token) {
                let key = try validKey(String(term[..<range.lowerBound]))
                let value = term[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard let requirement = build(key, value) else { throw fail("\"\(value)\" is not an integer") }
                return requirement
            }
        }
        return .exists(try validKey(term))
    }

    /// Operators in matching order: longer tokens first so `!=` and `==` win over `=`.
    private static let binaryOperators: [(String, @Sendable (String, String) -> Requirement?)] = [
        ("!=", { .notEquals($0, $1) }),
        ("==", { .equals($0, $1) }),
        ("=", { .equals($0, $1) }),
        (">", { key, value in Int64(value).map { .greaterThan(key, $0) } }),
        ("<", { key, value in Int64(value).map { .lessThan(key, $0) } }),
    ]
}

// MARK: - Metadata accessors used across the store

extension JSONValue {
    /// `metadata.labels` as a string dictionary (non-string values are ignored).
    var labels: [String: String] {
        guard let members = self[path: ["metadata", "labels"]]?.objectValue else { return [:] }
        return members.compactMapValues(\.stringValue)
    }

    /// `metadata.name`, or the empty string.
    var metadataName: String { self[path: ["metadata", "name"]]?.stringValue ?? "" }

    /// `metadata.namespace`, or the empty string for cluster-scoped objects.
    var metadataNamespace: String { self[path: ["metadata", "namespace"]]?.stringValue ?? "" }

    /// `metadata.uid`, or the empty string.
    var metadataUID: String { self[path: ["metadata", "uid"]]?.stringValue ?? "" }

    /// `metadata.finalizers` as strings.
    var finalizers: [String] {
        self[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// The uids named by `metadata.ownerReferences`.
    var ownerUIDs: [String] {
        self[path: ["metadata", "ownerReferences"]]?.arrayValue?.compactMap { $0["uid"]?.stringValue } ?? []
    }

    /// Whether `metadata.deletionTimestamp` is set.
    var isBeingDeleted: Bool {
        if let value = self[path: ["metadata", "deletionTimestamp"]], !value.isNull { return true }
        return false
    }
}
