import KubeClient

/// A three-way merge of two statuses decided from the same one, field by field of `status`.
///
/// The status writer needs it when the status it wrote against changed under it: another writer
/// (a second leader that does not know it was replaced yet, a user, a tool) stored a status, or a
/// newer decision of this process started from an older status than the one now known. A field
/// only one side changed takes that side's value; a field both changed to different values is a
/// conflict, and the decision has to be made again from the newest status. Fields are compared as
/// the API encodes them, whole: two edits of `runs` conflict even when they touch different runs,
/// which is what keeps a replaced leader's history from overwriting the new leader's.
enum StatusMerge {
    enum Outcome: Equatable {
        /// The merged status, as JSON.
        case merged(JSONValue)
        /// The fields both sides changed differently, sorted.
        case conflict([String])
    }

    /// Merges `ours` and `theirs`, both derived from `base`. Each is a JSON object (a status);
    /// a missing member counts as absent, the same as `null`.
    static func merge(base: JSONValue, ours: JSONValue, theirs: JSONValue) -> Outcome {
        let base = base.objectValue ?? [:]
        let ours = ours.objectValue ?? [:]
        let theirs = theirs.objectValue ?? [:]
        var merged = ours
        var conflicts: [String] = []
        for key in Set(base.keys).union(ours.keys).union(theirs.keys) {
            let original = present(base[key])
            let mine = present(ours[key])
            let other = present(theirs[key])
            guard other != original, other != mine else { continue }
            if mine == original {
                merged[key] = other
            } else {
                conflicts.append(key)
            }
        }
        return conflicts.isEmpty ? .merged(.object(merged.filter { !$0.value.isNull })) : .conflict(conflicts.sorted())
    }

    /// A member's value, `nil` for absent or `null`.
    private static func present(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        return value
    }
}
