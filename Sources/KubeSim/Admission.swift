import Foundation
import KubeClient

/// KubeSim's admission: the validation and defaulting a real API server applies before it stores
/// an object, reduced to what Punctual's clients and tests can observe.
///
/// - Custom resources: the CRD version's `openAPIV3Schema` (see ``OpenAPISchema`` for the subset)
///   defaults, prunes unknown fields, then validates; `metadata.name` must be a DNS-1123 subdomain.
/// - Jobs (batch/v1): containers with name and image, restartPolicy `Never` or `OnFailure`,
///   non-negative counts, a name short enough for the `batch.kubernetes.io/job-name` label; on
///   update, `spec.template`, `spec.selector`, `spec.completions` and the other creation-time
///   fields are immutable (`field is immutable`).
/// - Pods: containers with name and image, a supported restartPolicy.
/// - PriorityClasses: an integer `value` (at most 1e9 outside the reserved `system-` classes), a
///   supported `preemptionPolicy` (defaulted to `PreemptLowerPriority`); both immutable.
///
/// The server-side defaults of Jobs and Pods (backoffLimit, selector, generated labels, pod-spec
/// defaults) are applied by the store before admission runs (`StoreState+Defaults`).
/// - CustomResourceDefinitions: group, names, scope, one storage version, structural schemas.
/// - Other built-ins: `metadata.name` rules only.
///
/// `fieldValidation` (``FieldValidation``) applies to custom resources: the fields pruning would
/// drop are refused under Strict, reported as warnings under Warn, dropped silently under Ignore.
///
/// CEL `x-kubernetes-validations` rules (the subset on ``CELProgram``) run after the schema
/// validation, unless it found a wrong type or unsupported value, as the real server does. Transition
/// rules see `oldSelf` on main-resource updates only (a `/status` write passes no old object, so they are
/// skipped there).
///
/// Not enforced (documented approximations): validation ratcheting on update, `fieldValidation` on built-in kinds (their unknown fields are stored as
/// sent), and the many Pod/Job rules Punctual never exercises.
public struct Admission: Sendable {
    /// Parsed CRD schemas, shared by copies of this value.
    let schemas = OpenAPISchemaCache()

    public init() {}

    /// What the admitted object is.
    public struct Target: Sendable {
        public var group: String
        public var version: String
        public var kind: String
        /// The CRD version's `openAPIV3Schema`; `nil` for built-in kinds.
        public var customSchema: JSONValue?

        public init(group: String, version: String, kind: String, customSchema: JSONValue? = nil) {
            self.group = group
            self.version = version
            self.kind = kind
            self.customSchema = customSchema
        }
    }

    /// Defaults, prunes and validates one object.
    ///
    /// - Parameters:
    ///   - object: the object as it would be stored (name, uid already assigned by the store).
    ///   - target: its group, version, kind and, for a custom resource, the schema.
    ///   - old: the stored object when the write updates the main resource (not `/status`), for
    ///     the rules about what may change.
    /// - Returns: the object to store.
    /// - Throws: a 422 `Invalid` ``Status`` with one cause per failing field.
    public func admit(_ object: JSONValue, as target: Target, old: JSONValue? = nil) throws(Status) -> JSONValue {
        var object = object
        var errors: [FieldError]
        if let schemaJSON = target.customSchema {
            let schema: OpenAPISchema
            do {
                schema = try schemas.schema(parsing: schemaJSON)
            } catch {
                // A stored CRD always has a parseable schema (checked when it was admitted).
                throw Self.invalidStatus(
                    kind: target.kind, group: target.group, name: Self.name(of: object), errors: error.errors)
            }
            object = schema.applyingDefaults(to: object)
            object = schema.pruning(object).value
            errors = NameValidation.validateMetadataName(of: object, rule: .subdomain)
            errors += schema.validate(object)
            errors += Self.validateRules(of: object, old: old, schema: schema, after: errors)
        } else {
            errors = validateBuiltIn(object, target: target)
            if let old { errors += validateBuiltInUpdate(object, old: old, target: target) }
        }
        guard errors.isEmpty else {
            throw Self.invalidStatus(
                kind: target.kind, group: target.group, name: Self.name(of: object), errors: errors)
        }
        return object
    }

    private func validateBuiltIn(_ object: JSONValue, target: Target) -> [FieldError] {
        switch (target.group, target.kind) {
        case ("batch", "Job"):
            return NameValidation.validateMetadataName(of: object, rule: .subdomain)
                + BuiltInValidation.validateJob(object)
        case ("", "Pod"):
            return NameValidation.validateMetadataName(of: object, rule: .subdomain)
                + BuiltInValidation.validatePod(object)
        case ("", "Namespace"):
            return NameValidation.validateMetadataName(of: object, rule: .label)
        case ("scheduling.k8s.io", "PriorityClass"):
            return NameValidation.validateMetadataName(of: object, rule: .subdomain)
                + BuiltInValidation.validatePriorityClass(object)
        case ("apiextensions.k8s.io", "CustomResourceDefinition"):
            return NameValidation.validateMetadataName(of: object, rule: .subdomain)
                + BuiltInValidation.validateCustomResourceDefinition(object)
        case ("", "Event"), ("events.k8s.io", "Event"):
            // Event names are generated from the involved object plus a suffix; only presence matters.
            return NameValidation.validateMetadataName(of: object, rule: .subdomain).filter { $0.reason == .required }
        default:
            return NameValidation.validateMetadataName(of: object, rule: .subdomain)
        }
    }

    private func validateBuiltInUpdate(_ object: JSONValue, old: JSONValue, target: Target) -> [FieldError] {
        switch (target.group, target.kind) {
        case ("batch", "Job"): BuiltInValidation.validateJobUpdate(object, old: old)
        case ("scheduling.k8s.io", "PriorityClass"): BuiltInValidation.validatePriorityClassUpdate(object, old: old)
        default: []
        }
    }

    // MARK: - Helpers

    /// The CEL rules' errors, or, when `errors` already holds a type or unsupported-value error, the API
    /// server's single notice that the rules were not checked.
    private static func validateRules(
        of object: JSONValue, old: JSONValue?, schema: OpenAPISchema, after errors: [FieldError]
    ) -> [FieldError] {
        guard schema.hasRules else { return [] }
        if errors.contains(where: { $0.reason == .typeInvalid || $0.reason == .notSupported }) {
            return [
                FieldError(
                    .invalid, field: "<nil>", value: nil,
                    detail: "some validation rules were not checked because the object was invalid; "
                        + "correct the existing errors to complete validation")
            ]
        }
        return schema.validateRules(object, old: old)
    }

    static func name(of object: JSONValue) -> String {
        object[path: ["metadata", "name"]]?.stringValue ?? ""
    }

    /// The 422 `Invalid` status for `errors`, worded like apimachinery's `NewInvalid`: one error
    /// stands alone, several are listed in brackets, repeated messages appear once.
    public static func invalidStatus(kind: String, group: String, name: String, errors: [FieldError]) -> Status {
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        var seen = Set<String>()
        let messages = errors.map(\.message).filter { seen.insert($0).inserted }
        var message = "\(qualified) \(GoFormat.quoted(name)) is invalid"
        if messages.count == 1 {
            message += ": " + messages[0]
        } else if messages.count > 1 {
            message += ": [" + messages.joined(separator: ", ") + "]"
        }
        var status = Status(
            message: message, reason: "Invalid",
            details: Status.Details(name: name, group: group, kind: kind, causes: errors.map(\.cause)),
            code: 422)
        status.metadata = ListMeta()
        return status
    }
}
