import KubeClient

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
        return try admit(request.object, as: target, old: old)
    }
}
