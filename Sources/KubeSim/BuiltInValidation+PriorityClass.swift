import KubeClient

// MARK: - PriorityClasses (scheduling.k8s.io/v1)

extension BuiltInValidation {
    /// The highest value a class not named `system-…` may have (`HighestUserDefinablePriority`).
    static let highestUserPriority: Int64 = 1_000_000_000

    static let preemptionPolicies = ["Never", "PreemptLowerPriority"]

    /// `ValidatePriorityClass`: an integer `value`, at most ``highestUserPriority`` unless the
    /// class is one of the system classes (whose `system-` prefix is reserved), and a supported
    /// `preemptionPolicy`.
    static func validatePriorityClass(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let name = object.metadataName
        switch object["value"] {
        case nil, .null?:
            errors.append(.required("value"))
        case let value? where value.intValue == nil || Int32(exactly: value.intValue ?? 0) == nil:
            errors.append(.typeInvalid("value", value, "must be a 32-bit integer"))
        case let value?:
            let number = value.intValue ?? 0
            if name.hasPrefix("system-") {
                if StoreState.systemPriorityClasses[name] != number {
                    errors.append(
                        FieldError(
                            .forbidden, field: "metadata.name",
                            detail: "priority class names with 'system-' prefix are reserved for system use only"))
                }
            } else if number > highestUserPriority {
                errors.append(
                    FieldError(
                        .forbidden, field: "value",
                        detail: "maximum allowed value of a user defined priority is \(highestUserPriority)"))
            }
        }
        if let policy = object["preemptionPolicy"], policy.stringValue.map(preemptionPolicies.contains) != true {
            errors.append(.notSupported("preemptionPolicy", policy, supported: preemptionPolicies))
        }
        return errors
    }

    /// A class's `value` and `preemptionPolicy` may not change (pods were admitted with them).
    static func validatePriorityClassUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        if object["value"] != old["value"] {
            errors.append(FieldError(.forbidden, field: "value", detail: "may not be changed in an update."))
        }
        if let policy = object["preemptionPolicy"], policy != old["preemptionPolicy"] {
            errors.append(.invalid("preemptionPolicy", policy, "field is immutable"))
        }
        return errors
    }
}
