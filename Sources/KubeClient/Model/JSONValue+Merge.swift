// MARK: - JSON merge patch (RFC 7386) and three-way merge

extension JSONValue {
    /// Applies an RFC 7386 merge patch: objects merge recursively, `null` removes a member,
    /// anything else (arrays included) replaces the target.
    public func applyingMergePatch(_ patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = objectValue ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = (result[key] ?? .null).applyingMergePatch(value)
            }
        }
        return .object(result)
    }

    /// The RFC 7386 merge patch that turns `self` into `target`, or `nil` when they are equal.
    ///
    /// Arrays are atomic in a merge patch, so a changed array is sent whole.
    public func mergePatch(to target: JSONValue) -> JSONValue? {
        if self == target { return nil }
        guard case .object(let old) = self, case .object(let new) = target else { return target }
        var patch: [String: JSONValue] = [:]
        for (key, newValue) in new {
            if let oldValue = old[key] {
                if let change = oldValue.mergePatch(to: newValue) { patch[key] = change }
            } else {
                patch[key] = newValue
            }
        }
        for key in old.keys where new[key] == nil { patch[key] = .null }
        return .object(patch)
    }

    /// Carries the change from `base` to `edited` over onto `self`, keeping what neither knows.
    ///
    /// `base` and `edited` are the typed view before and after an edit; `self` is the raw
    /// object the view was decoded from. Members the typed view changed or removed are changed
    /// or removed; members it never had (unmodelled fields) stay. Arrays of the same length are
    /// merged element by element, so an edited container keeps its unmodelled fields too; a
    /// resized array is taken from `edited`.
    public func merging(changesFrom base: JSONValue, to edited: JSONValue) -> JSONValue {
        if base == edited { return self }
        switch (base, edited, self) {
        case (.object(let before), .object(let after), .object(var raw)):
            for (key, newValue) in after {
                if let oldValue = before[key], let rawValue = raw[key] {
                    raw[key] = rawValue.merging(changesFrom: oldValue, to: newValue)
                } else {
                    raw[key] = newValue
                }
            }
            for key in before.keys where after[key] == nil { raw.removeValue(forKey: key) }
            return .object(raw)
        case (.array(let before), .array(let after), .array(let raw))
        where before.count == after.count && raw.count == after.count:
            return .array(raw.indices.map { raw[$0].merging(changesFrom: before[$0], to: after[$0]) })
        default:
            return edited
        }
    }
}
