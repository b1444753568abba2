import Foundation
import KubeClient

/// Turns stored objects into response bodies: sets the requested API version and renders the
/// view the client asked for (objects, a Table, or metadata only).
struct Presenter {
    let type: ServedResource
    let version: String
    let view: ResponseView
    let now: Date
    let include: TableConverter.IncludeObject

    /// The object as read through the requested version (no conversion beyond `apiVersion`).
    func versioned(_ object: JSONValue) -> JSONValue {
        var result = object
        if case .object = result { result["apiVersion"] = .string(type.apiVersion(version)) }
        return result
    }

    private var converter: TableConverter { TableConverter(type: type, now: now, include: include) }

    func single(_ object: JSONValue) -> JSONValue {
        switch view {
        case .objects:
            return versioned(object)
        case .table(let tableVersion):
            var table = converter.table(
                [versioned(object)], resourceVersion: object[path: ["metadata", "resourceVersion"]]?.stringValue,
                continueToken: nil)
            table["apiVersion"] = .string("meta.k8s.io/\(tableVersion)")
            return table
        case .partialMetadata(let metaVersion):
            return Self.partial(object, version: metaVersion)
        }
    }

    func list(_ result: ListResult) -> JSONValue {
        var metadata: [String: JSONValue] = ["resourceVersion": .string(String(result.resourceVersion))]
        if let token = result.continueToken { metadata["continue"] = .string(token) }
        if let remaining = result.remainingItemCount { metadata["remainingItemCount"] = .int(remaining) }
        switch view {
        case .objects:
            return [
                "kind": .string(type.listKind), "apiVersion": .string(type.apiVersion(version)),
                "metadata": .object(metadata), "items": .array(result.items.map(versioned)),
            ]
        case .table(let tableVersion):
            var table = converter.table(
                result.items.map(versioned), resourceVersion: String(result.resourceVersion),
                continueToken: result.continueToken)
            table["apiVersion"] = .string("meta.k8s.io/\(tableVersion)")
            return table
        case .partialMetadata(let metaVersion):
            return [
                "kind": "PartialObjectMetadataList", "apiVersion": .string("meta.k8s.io/\(metaVersion)"),
                "metadata": .object(metadata),
                "items": .array(result.items.map { Self.partial($0, version: metaVersion) }),
            ]
        }
    }

    /// The object of one watch event in the requested view (Table rows carry column definitions
    /// only in the first event, as the real server sends them).
    func watchObject(_ object: JSONValue, isFirst: Bool) -> JSONValue {
        guard case .table(let tableVersion) = view else { return single(object) }
        var table = converter.table(
            [versioned(object)], resourceVersion: object[path: ["metadata", "resourceVersion"]]?.stringValue,
            continueToken: nil, withColumns: isFirst)
        table["apiVersion"] = .string("meta.k8s.io/\(tableVersion)")
        return table
    }

    static func partial(_ object: JSONValue, version: String) -> JSONValue {
        [
            "kind": "PartialObjectMetadata", "apiVersion": .string("meta.k8s.io/\(version)"),
            "metadata": object["metadata"] ?? .object([:]),
        ]
    }
}
