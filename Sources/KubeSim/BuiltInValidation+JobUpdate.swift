import KubeClient

// MARK: - Job updates

extension BuiltInValidation {
    /// Fields of a Job's spec that may not change after creation (`ValidateJobSpecUpdate` in
    /// apis/batch/validation); `completions` has its own rule below.
    static let immutableJobFields = [
        "selector", "completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy",
    ]

    /// The pod-template fields a real server lets change while a Job is suspended and has never
    /// started, so that queueing controllers can place it (the "mutable scheduling directives").
    static let schedulingDirectives: [[String]] = [
        ["metadata", "labels"], ["metadata", "annotations"], ["spec", "nodeSelector"], ["spec", "affinity"],
        ["spec", "tolerations"], ["spec", "schedulingGates"],
    ]

    /// The update rules of a Job's spec: `template`, `selector`, `completions` and the other
    /// creation-time fields are immutable, answered with `field is immutable` like the real server.
    ///
    /// Two exceptions are kept because controllers rely on them: an Indexed Job may change
    /// `completions` together with `parallelism` (elastic Indexed Jobs), and a suspended Job that
    /// has never started may change its template's scheduling directives.
    static func validateJobUpdate(_ job: JSONValue, old: JSONValue) -> [FieldError] {
        let spec = job["spec"] ?? .null
        let oldSpec = old["spec"] ?? .null
        var errors: [FieldError] = []
        errors += completionsUpdate(spec, oldSpec)
        for field in immutableJobFields where spec[field] != oldSpec[field] {
            errors.append(.invalid("spec.\(field)", spec[field] ?? .null, "field is immutable"))
        }
        let template = spec["template"] ?? .null
        let oldTemplate = oldSpec["template"] ?? .null
        let mayReschedule = oldSpec["suspend"] == true && old[path: ["status", "startTime"]] == nil
        let changed =
            mayReschedule
            ? withoutSchedulingDirectives(template) != withoutSchedulingDirectives(oldTemplate)
            : template != oldTemplate
        if changed {
            errors.append(.invalid("spec.template", template, "field is immutable"))
        }
        return errors
    }

    private static func completionsUpdate(_ spec: JSONValue, _ oldSpec: JSONValue) -> [FieldError] {
        let completions = spec["completions"] ?? .null
        let oldCompletions = oldSpec["completions"] ?? .null
        guard completions != oldCompletions else { return [] }
        let isIndexed = spec["completionMode"] == "Indexed"
        guard isIndexed, !completions.isNull, !oldCompletions.isNull else {
            return [.invalid("spec.completions", completions, "field is immutable")]
        }
        guard completions == (spec["parallelism"] ?? .null) else {
            return [.invalid("spec.completions", completions, "can only be modified in tandem with spec.parallelism")]
        }
        return []
    }

    private static func withoutSchedulingDirectives(_ template: JSONValue) -> JSONValue {
        var template = template
        for path in schedulingDirectives { template.set(path: path, to: nil) }
        return template
    }
}
