import Foundation
import KubeClient

/// The object-name rules of the API server (apimachinery `validation.IsDNS1123Subdomain` and
/// `IsDNS1123Label`), with its exact messages.
public enum NameValidation {
    /// Which rule a resource's names follow.
    public enum Rule: Sendable {
        /// Most objects: lowercase RFC 1123 subdomain, at most 253 characters.
        case subdomain
        /// Namespaces, container names, label-bound names: RFC 1123 label, at most 63 characters.
        case label
    }

    static let labelPattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let subdomainPattern = "\(labelPattern)(\\.\(labelPattern))*"

    private static let labelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
        + "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '"
        + labelPattern + "')"
    private static let subdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        + "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '"
        + subdomainPattern + "')"

    /// The problems with `name` under `rule`, as details (without the field), empty when valid.
    public static func problems(with name: String, rule: Rule) -> [String] {
        var problems: [String] = []
        switch rule {
        case .label:
            if name.utf8.count > 63 { problems.append("must be no more than 63 characters") }
            if !matchesWhole(name, pattern: labelPattern) { problems.append(labelMessage) }
        case .subdomain:
            if name.utf8.count > 253 { problems.append("must be no more than 253 characters") }
            if !matchesWhole(name, pattern: subdomainPattern) { problems.append(subdomainMessage) }
        }
        return problems
    }

    /// Field errors for `name` at `field` (e.g. `metadata.name`).
    public static func validate(_ name: String, rule: Rule, field: String) -> [FieldError] {
        problems(with: name, rule: rule).map { .invalid(field, .string(name), $0) }
    }

    /// Validates `metadata.name`: present (the server has already turned generateName into a
    /// name when this runs) and well formed.
    static func validateMetadataName(of object: JSONValue, rule: Rule) -> [FieldError] {
        guard let name = object[path: ["metadata", "name"]]?.stringValue, !name.isEmpty else {
            return [.required("metadata.name", "name or generateName is required")]
        }
        return validate(name, rule: rule, field: "metadata.name")
    }

    private static func matchesWhole(_ text: String, pattern: String) -> Bool {
        guard !text.isEmpty else { return false }
        return text.range(of: "^(?:\(pattern))$", options: .regularExpression) != nil
    }
}
