import KubeClient

// MARK: - CustomResourceDefinitions: serving what they define

extension StoreState {
    /// Derives the served resource from a CRD object, or `nil` if the CRD is not usable.
    static func resourceType(definedBy definition: JSONValue) -> ServedResource? {
        guard let spec = definition["spec"], let group = spec["group"]?.stringValue,
            let names = spec["names"], let plural = names["plural"]?.stringValue,
            let kind = names["kind"]?.stringValue
        else { return nil }
        let versions = spec["versions"]?.arrayValue ?? []
        let served = versions.filter { $0["served"]?.boolValue ?? true }
        let ordered =
            served.filter { $0["storage"]?.boolValue == true } + served.filter { $0["storage"]?.boolValue != true }
        guard let preferred = ordered.first else { return nil }
        var schemas: [String: JSONValue] = [:]
        for version in ordered {
            if let name = version["name"]?.stringValue, let schema = version[path: ["schema", "openAPIV3Schema"]] {
                schemas[name] = schema
            }
        }
        let columns = (preferred["additionalPrinterColumns"]?.arrayValue ?? []).compactMap { column -> PrinterColumn? in
            guard let name = column["name"]?.stringValue, let path = column["jsonPath"]?.stringValue else { return nil }
            return PrinterColumn(
                name: name, type: column["type"]?.stringValue ?? "string", jsonPath: path,
                format: column["format"]?.stringValue ?? "", description: column["description"]?.stringValue ?? "",
                priority: Int(column["priority"]?.intValue ?? 0))
        }
        var type = ServedResource(
            group: group, versions: ordered.compactMap { $0["name"]?.stringValue }, resource: plural,
            singular: names["singular"]?.stringValue ?? kind.lowercased(), kind: kind,
            isNamespaced: spec["scope"]?.stringValue != "Cluster",
            shortNames: names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            categories: names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            hasStatus: preferred[path: ["subresources", "status"]] != nil,
            printerColumns: columns, schemas: schemas, definitionUID: definition.metadataUID)
        if let listKind = names["listKind"]?.stringValue { type.listKind = listKind }
        return type
    }

    /// Rejects a CRD whose name is not `<plural>.<group>` or that lacks the fields needed to serve it.
    func validateDefinition(_ definition: JSONValue) throws(Status) {
        var errors: [FieldError] = []
        let spec = definition["spec"]
        let group = spec?["group"]?.stringValue ?? ""
        let plural = spec?[path: ["names", "plural"]]?.stringValue ?? ""
        if group.isEmpty { errors.append(.required("spec.group")) }
        if plural.isEmpty { errors.append(.required("spec.names.plural")) }
        if (spec?[path: ["names", "kind"]]?.stringValue ?? "").isEmpty {
            errors.append(.required("spec.names.kind"))
        }
        if (spec?["versions"]?.arrayValue ?? []).isEmpty { errors.append(.required("spec.versions")) }
        if !group.isEmpty, !plural.isEmpty, definition.metadataName != "\(plural).\(group)" {
            errors.append(
                .invalid(
                    "metadata.name", .string(definition.metadataName),
                    "must be spec.names.plural+\".\"+spec.group"))
        }
        if let scope = spec?["scope"]?.stringValue, scope != "Namespaced", scope != "Cluster" {
            errors.append(.notSupported("spec.scope", .string(scope), supported: ["Cluster", "Namespaced"]))
        }
        if !errors.isEmpty {
            throw Admission.invalidStatus(
                kind: "CustomResourceDefinition", group: "apiextensions.k8s.io", name: definition.metadataName,
                errors: errors)
        }
    }

    /// The status a CRD gets at once: names accepted, established, stored version recorded.
    func definitionStatus(_ definition: JSONValue) -> JSONValue {
        let stamp = JSONValue.string(timestamp)
        let names = definition[path: ["spec", "names"]] ?? .object([:])
        let previous = definition["status"]
        func condition(_ type: String, _ reason: String, _ message: String) -> JSONValue {
            let existing = previous?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
            return [
                "type": .string(type), "status": "True", "reason": .string(reason), "message": .string(message),
                "lastTransitionTime": existing?["lastTransitionTime"] ?? stamp,
            ]
        }
        let storage = (definition[path: ["spec", "versions"]]?.arrayValue ?? []).first {
            $0["storage"]?.boolValue == true
        }?["name"]
        var stored = previous?["storedVersions"]?.arrayValue ?? []
        if let storage, !stored.contains(storage) { stored.append(storage) }
        return [
            "acceptedNames": names,
            "conditions": [
                condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
            ],
            "storedVersions": .array(stored),
        ]
    }

    /// Starts (or updates) serving the resource a stored CRD defines.
    mutating func registerDefinition(_ definition: JSONValue) {
        guard let type = Self.resourceType(definedBy: definition) else { return }
        let existing = types[type.groupResource]
        if let existing, existing.definitionUID == nil { return }  // never shadow a built-in
        types[type.groupResource] = type
    }

    /// Stops serving a deleted CRD's resource and deletes its objects (publishing DELETED for each).
    mutating func unregisterDefinition(_ definition: JSONValue) {
        guard let type = Self.resourceType(definedBy: definition),
            types[type.groupResource]?.definitionUID == definition.metadataUID
        else { return }
        let resource = type.groupResource
        for object in buckets[resource]?.all(in: nil) ?? [] {
            let key = ObjectKey(resource: resource, namespace: object.metadataNamespace, name: object.metadataName)
            guard let current = self.object(key) else { continue }
            remove(key, finalState: current, type: type)
        }
        buckets.removeValue(forKey: resource)
        types.removeValue(forKey: resource)
        hub.close(onlyWatching: resource)
    }
}
