import KubeClient

/// The validation rules of the built-in kinds KubeSim checks, worded like the API server.
///
/// Only the rules Punctual's clients can trip over are here (see ``Admission``); everything else
/// a real server checks on Pods and Jobs is accepted.
enum BuiltInValidation {
    /// The longest name a Job may have: its name becomes the `batch.kubernetes.io/job-name` label value.
    static let maxJobNameLength = 63

    // MARK: - Jobs

    static func validateJob(_ job: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let name = Admission.name(of: job)
        if name.utf8.count > maxJobNameLength {
            // The registry copies the name into the pod template's job-name labels, whose values
            // are limited to 63 characters; the real server reports it at the template labels.
            errors.append(.invalid("spec.template.labels", .string(name), "must be no more than 63 characters"))
        }
        guard let spec = job["spec"], spec.objectValue != nil else {
            return errors + [.required("spec")]
        }
        for field in ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"] {
            errors += nonNegative(spec[field], field: "spec.\(field)")
        }
        if let deadline = spec["activeDeadlineSeconds"]?.intValue, deadline == 0 {
            errors.append(.invalid("spec.activeDeadlineSeconds", .int(0), "must be greater than 0"))
        }
        if let policy = spec["podReplacementPolicy"], !policy.isNull {
            let supported = ["TerminatingOrFailed", "Failed"]
            if !supported.contains(policy.stringValue ?? "") {
                errors.append(.notSupported("spec.podReplacementPolicy", policy, supported: supported))
            }
        }
        guard let template = spec["template"]?["spec"], template.objectValue != nil else {
            return errors + [.required("spec.template.spec.containers")]
        }
        errors += validateContainers(template["containers"], field: "spec.template.spec.containers")
        let restartPolicy = template["restartPolicy"] ?? "Always"
        if restartPolicy != "OnFailure" && restartPolicy != "Never" {
            errors.append(
                .notSupported("spec.template.spec.restartPolicy", restartPolicy, supported: ["OnFailure", "Never"]))
        }
        return errors
    }

    // MARK: - Pods

    static func validatePod(_ pod: JSONValue) -> [FieldError] {
        guard let spec = pod["spec"], spec.objectValue != nil else {
            return [.required("spec.containers")]
        }
        var errors = validateContainers(spec["containers"], field: "spec.containers")
        if let restartPolicy = spec["restartPolicy"] {
            let supported = ["Always", "OnFailure", "Never"]
            if !supported.contains(restartPolicy.stringValue ?? "") {
                errors.append(.notSupported("spec.restartPolicy", restartPolicy, supported: supported))
            }
        }
        return errors
    }

    /// A non-empty container list whose entries have unique DNS-label names and an image.
    static func validateContainers(_ containers: JSONValue?, field: String) -> [FieldError] {
        guard let list = containers?.arrayValue, !list.isEmpty else {
            return [.required(field)]
        }
        var errors: [FieldError] = []
        var names = Set<String>()
        for (index, container) in list.enumerated() {
            let path = "\(field)[\(index)]"
            if let name = container["name"]?.stringValue, !name.isEmpty {
                errors += NameValidation.validate(name, rule: .label, field: "\(path).name")
                if !names.insert(name).inserted {
                    errors.append(FieldError(.duplicate, field: "\(path).name", value: .string(name)))
                }
            } else {
                errors.append(.required("\(path).name"))
            }
            if (container["image"]?.stringValue ?? "").isEmpty {
                errors.append(.required("\(path).image"))
            }
        }
        return errors
    }

    // MARK: - CustomResourceDefinitions

    static func validateCustomResourceDefinition(_ crd: JSONValue) -> [FieldError] {
        guard let spec = crd["spec"], spec.objectValue != nil else { return [.required("spec")] }
        var errors: [FieldError] = []
        let group = spec["group"]?.stringValue ?? ""
        let plural = spec[path: ["names", "plural"]]?.stringValue ?? ""
        if group.isEmpty {
            errors.append(.required("spec.group"))
        } else if !group.contains(".") {
            errors.append(.invalid("spec.group", .string(group), "should be a domain with at least one dot"))
        }
        if plural.isEmpty { errors.append(.required("spec.names.plural")) }
        if (spec[path: ["names", "kind"]]?.stringValue ?? "").isEmpty { errors.append(.required("spec.names.kind")) }
        if !group.isEmpty && !plural.isEmpty {
            let name = Admission.name(of: crd)
            if name != "\(plural).\(group)" {
                errors.append(.invalid("metadata.name", .string(name), "must be spec.names.plural+\".\"+spec.group"))
            }
        }
        let scope = spec["scope"] ?? .null
        if scope != "Namespaced" && scope != "Cluster" {
            errors.append(.notSupported("spec.scope", scope, supported: ["Cluster", "Namespaced"]))
        }
        errors += validateVersions(spec["versions"])
        return errors
    }

    private static func validateVersions(_ versions: JSONValue?) -> [FieldError] {
        guard let list = versions?.arrayValue, !list.isEmpty else {
            return [
                .invalid("spec.versions", versions ?? .null, "must have exactly one version marked as storage version")
            ]
        }
        var errors: [FieldError] = []
        let storageCount = list.filter { $0["storage"] == true }.count
        if storageCount != 1 {
            errors.append(
                .invalid(
                    "spec.versions", .string(String(storageCount)),
                    "must have exactly one version marked as storage version"))
        }
        for (index, version) in list.enumerated() {
            let path = "spec.versions[\(index)]"
            if (version["name"]?.stringValue ?? "").isEmpty { errors.append(.required("\(path).name")) }
            if let schema = version[path: ["schema", "openAPIV3Schema"]] {
                do {
                    _ = try OpenAPISchema(parsing: schema, path: "\(path).schema.openAPIV3Schema")
                } catch {
                    errors += error.errors
                }
            }
        }
        return errors
    }

    // MARK: - Helpers

    private static func nonNegative(_ value: JSONValue?, field: String) -> [FieldError] {
        guard let value, !value.isNull else { return [] }
        guard let number = value.intValue else {
            return [.typeInvalid(field, value, "must be an integer")]
        }
        return number < 0 ? [.invalid(field, value, "must be greater than or equal to 0")] : []
    }
}
