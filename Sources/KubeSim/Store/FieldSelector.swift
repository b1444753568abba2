import Foundation
import KubeClient

/// A parsed field selector (`fieldSelector=metadata.name=x,metadata.namespace!=y`).
///
/// `metadata.name` and `metadata.namespace` work for every resource, as on a real server; a few
/// resource-specific fields that clients commonly use are also accepted (pods: `status.phase`,
/// `spec.nodeName`; events: `involvedObject.*`, `reason`, `type`). Any other field answers 400
/// naming the field, like the real server's "field label not supported".
public struct FieldSelector: Hashable, Sendable {
    /// One `field=value` or `field!=value` term.
    public struct Term: Hashable, Sendable {
        public var field: String
        public var value: String
        public var isNegated: Bool
    }

    public var terms: [Term]

    public static let everything = FieldSelector(terms: [])

    public init(terms: [Term]) {
        self.terms = terms
    }

    /// Parses the query-string form for `resource`.
    ///
    /// - Throws: a 400 ``Status`` for a malformed term or a field the resource does not support.
    public init(parsing text: String, for resource: ServedResource) throws(Status) {
        var terms: [Term] = []
        for part in text.split(separator: ",") {
            let term = String(part).trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            let parsed: Term
            if let range = term.range(of: "!=") {
                parsed = Term(
                    field: String(term[..<range.lowerBound]), value: String(term[range.upperBound...]),
                    isNegated: true)
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                parsed = Term(
                    field: String(term[..<range.lowerBound]), value: String(term[range.upperBound...]),
                    isNegated: false)
            } else {
                throw Status.badRequest("invalid field selector term \"\(term)\": expected field=value or field!=value")
            }
            guard Self.isSupported(parsed.field, for: resource) else {
                throw Status.badRequest(
                    "field label not supported: \(parsed.field) (for \(resource.groupResource))")
            }
            terms.append(parsed)
        }
        self.terms = terms
    }

    /// Whether the object satisfies every term.
    public func matches(_ object: JSONValue) -> Bool {
        terms.allSatisfy { term in
            let actual = Self.value(of: term.field, in: object)
            return (actual == term.value) != term.isNegated
        }
    }

    private static func isSupported(_ field: String, for resource: ServedResource) -> Bool {
        if field == "metadata.name" || field == "metadata.namespace" { return true }
        switch (resource.group, resource.resource) {
        case ("", "pods"): return ["status.phase", "spec.nodeName", "spec.restartPolicy"].contains(field)
        case ("", "events"): return field.hasPrefix("involvedObject.") || ["reason", "type", "source"].contains(field)
        case ("", "namespaces"): return field == "status.phase"
        case ("", "secrets"): return field == "type"
        default: return false
        }
    }

    private static func value(of field: String, in object: JSONValue) -> String {
        let path = field.split(separator: ".").map(String.init)
        switch object[path: path] {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return String(flag)
        default: return ""
        }
    }
}
