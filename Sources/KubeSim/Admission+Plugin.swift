import KubeClient

// MARK: - Unknown fields

extension Admission {
    /// Applies `fieldValidation` to a custom resource: the fields its schema would prune are refused
    /// (Strict, 400 `strict decoding error` like the API server's decoder), reported as warnings
    /// (Warn), or left for pruning to drop (Ignore).
    func checkingUnknownFields(
        _ object: JSONValue, schema schemaJSON: JSONValue, target: Target, mode: FieldValidation,
        warnings: AdmissionWarnings
    ) throws(Status) -> JSONValue {
        guard mode != .ignore, let schema = try? schemas.schema(parsing: schemaJSON) else { return object }
        let unknown = schema.pruning(schema.applyingDefaults(to: object)).pruned
        guard !unknown.isEmpty else { return object }
        let fields = unknown.map { "unknown field \(GoFormat.quoted($0))" }
        switch mode {
        case .strict:
            throw Status.badRequest(
                "\(target.kind) in version \(GoFormat.quoted(target.version)) cannot be handled as a \(target.kind): "
                    + "strict decoding error: " + fields.joined(separator: ", "))
        case .warn:
            for field in fields { warnings.append(field) }
        case .ignore:
            break
        }
        return object
    }
}

// MARK: - Admission as a store plug-in

extension Admission: AdmissionPlugin {
    /// Admits a write to a ``SimStore``: custom resources against their CRD's schema for the
    /// version they are stored in, built-in kinds against their rules (see ``Admission``).
    public func admit(_ request: AdmissionRequest) throws(Status) -> JSONValue {
        let type = request.resourceType
        let apiVersion = request.object["apiVersion"]?.stringValue ?? ""
        let version = apiVersion.split(separator: "/").last.map(String.init) ?? type.preferredVersion
        let schema = type.definitionUID == nil ? nil : type.schemas[version] ?? type.schemas[type.preferredVersion]
        let target = Target(group: type.group, version: version, kind: type.kind, customSchema: schema)
        let old = request.operation == .update && request.subresource == .main ? request.oldObject : nil
        var object = request.object
        if let schema {
            object = try checkingUnknownFields(
                object, schema: schema, target: target, mode: request.fieldValidation, warnings: request.warnings)
        }
        return try admit(object, as: target, old: old)
    }
}
