import Foundation

/// Members of listed and watched objects that their reader never uses, left out while the
/// response is parsed.
///
/// A controller's cache often keeps a small part of each object (see the informer's transform),
/// yet a list of tens of thousands of Jobs would otherwise be parsed and decoded whole — the pod
/// template of every Job included — only for most of it to be dropped. Omitted members are
/// skipped by the parser (checked to be well-formed JSON, but never built) and so never reach
/// the typed decoding either. The server still sends them: this is no field selection on the
/// wire, which Kubernetes does not offer beyond metadata-only lists.
///
/// Only omit members that are optional in the decoded model: an omitted required member makes
/// the object fail to decode (it is then skipped like any malformed object). A reader sees an
/// omitted member as absent, so omitted objects must never be written back.
public struct OmittedFields: Sendable, Hashable {
    /// Paths of object keys from an object's root, e.g. `["spec"]` or
    /// `["metadata", "managedFields"]`.
    public let paths: Set<[String]>

    public init(_ paths: [[String]] = []) {
        self.paths = Set(paths.filter { !$0.isEmpty })
    }

    /// Whether nothing is omitted.
    public var isEmpty: Bool { paths.isEmpty }

    /// The filter of one object; `nil` when nothing is omitted.
    var filter: JSONValue.ParseFilter? {
        guard !isEmpty else { return nil }
        return Self.tree(paths.map { $0[...] })
    }

    /// The filter of a list response: every element of `items`.
    var listFilter: JSONValue.ParseFilter? {
        filter.map { .members(["items": .elements($0)]) }
    }

    /// The filter of one watch event line: its `object`.
    var watchEventFilter: JSONValue.ParseFilter? {
        filter.map { .members(["object": $0]) }
    }

    /// Merges paths into one tree; a path that ends omits everything under it.
    private static func tree(_ paths: [ArraySlice<String>]) -> JSONValue.ParseFilter {
        if paths.contains(where: \.isEmpty) { return .omit }
        let byFirst = Dictionary(grouping: paths) { $0.first ?? "" }
        return .members(byFirst.mapValues { tree($0.map { $0.dropFirst() }) })
    }
}

extension JSONValue {
    /// Parses JSON bytes into a value like ``parse(_:)``, leaving out the members `omitted`
    /// names (from the document's root).
    public static func parse(_ data: Data, omitting omitted: OmittedFields) throws -> JSONValue {
        try parseBytes(data, filter: omitted.filter)
    }
}
