import KubeClient

// MARK: - Structural defaulting

extension OpenAPISchema {
    /// Applies the schema's `default`s like the API server does on create and update.
    ///
    /// A property that is absent, or `null` while not nullable, takes its `default`; defaulting then
    /// continues inside the value (so a defaulted object gets its own nested defaults), through
    /// `items` and `additionalProperties`. Value-validation branches (allOf, ...) never default.
    public func applyingDefaults(to value: JSONValue) -> JSONValue {
        switch value {
        case .object(var members):
            for (key, property) in properties {
                guard let defaultValue = property.defaultValue else { continue }
                let current = members[key]
                if current == nil || (current?.isNull == true && !property.nullable) {
                    members[key] = defaultValue
                }
            }
            for (key, member) in members {
                if let property = properties[key] {
                    members[key] = property.applyingDefaults(to: member)
                } else if case .schema(let valueSchema) = additionalProperties {
                    members[key] = valueSchema.applyingDefaults(to: member)
                }
            }
            return .object(members)
        case .array(let elements):
            guard let items else { return value }
            return .array(elements.map { items.applyingDefaults(to: $0) })
        default:
            return value
        }
    }
}

// MARK: - Pruning

extension OpenAPISchema {
    /// Removes the fields the schema does not declare, as the API server does before storing.
    ///
    /// Fields survive when declared in `properties`, covered by `additionalProperties`, under a node
    /// with `x-kubernetes-preserve-unknown-fields: true`, or when they are `apiVersion`, `kind` and
    /// `metadata` of the root or of an embedded resource.
    /// - Parameters:
    ///   - value: the object to prune.
    ///   - path: the path of `value`; empty for a whole object.
    /// - Returns: the pruned value and the paths removed (`spec.colour`), for `fieldValidation`
    ///   warnings or strict errors.
    public func pruning(_ value: JSONValue, at path: String = "") -> (value: JSONValue, pruned: [String]) {
        var pruned: [String] = []
        let result = prune(value, path: path, keepsTypeMeta: path.isEmpty, pruned: &pruned)
        return (result, pruned)
    }

    private func prune(_ value: JSONValue, path: String, keepsTypeMeta: Bool, pruned: inout [String]) -> JSONValue {
        switch value {
        case .object(let members):
            let keepsTypeMeta = keepsTypeMeta || isEmbeddedResource
            var kept: [String: JSONValue] = [:]
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                let childPath = Self.child(path, key)
                if keepsTypeMeta && Self.typeMetaFields.contains(key) {
                    // apiVersion, kind and metadata are the server's, whatever the schema says of them.
                    kept[key] = member
                } else if let property = properties[key] {
                    kept[key] = property.prune(member, path: childPath, keepsTypeMeta: false, pruned: &pruned)
                } else if case .schema(let valueSchema) = additionalProperties {
                    kept[key] = valueSchema.prune(member, path: childPath, keepsTypeMeta: false, pruned: &pruned)
                } else if preservesUnknownFields || additionalPropertiesAllowed {
                    kept[key] = member
                } else {
                    pruned.append(childPath)
                }
            }
            return .object(kept)
        case .array(let elements):
            guard let items else { return value }
            return .array(
                elements.enumerated().map { index, element in
                    items.prune(element, path: "\(path)[\(index)]", keepsTypeMeta: false, pruned: &pruned)
                })
        default:
            return value
        }
    }

    private var additionalPropertiesAllowed: Bool {
        if case .allowed(true) = additionalProperties { return true }
        return false
    }

    private static let typeMetaFields: Set<String> = ["apiVersion", "kind", "metadata"]
}
