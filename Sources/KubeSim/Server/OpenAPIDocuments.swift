import KubeClient

/// A minimal OpenAPI v3 surface, just enough for `kubectl apply` and `kubectl create`.
///
/// kubectl 1.32 validates manifests by default (`--validate=strict`). It first asks
/// `/openapi/v3` whether the server supports server-side field validation for the object's kind:
/// it looks, in the group version's document, for a PATCH operation tagged with the kind's
/// `x-kubernetes-group-version-kind` that takes a `fieldValidation` query parameter. If so, it
/// leaves validation to the server; otherwise it downloads `/openapi/v2` to validate on the
/// client, and fails with "failed to download openapi" when that is missing. So the simulator
/// serves, per group version, one PATCH path per resource with that parameter (and no schemas),
/// and keeps answering 404 for `/openapi/v2`. The documents carry no schemas: `kubectl explain`
/// does not work, and client-side apply computes strategic merge patches for built-ins from its
/// compiled-in types and merge patches for custom resources, neither of which needs them.
enum OpenAPIDocuments {
    /// `/openapi/v3`: the group versions and where their documents are.
    static func root(_ types: [ServedResource]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for (groupVersion, members) in grouped(types) {
            let prefix =
                groupVersion.group.isEmpty
                ? "api/\(groupVersion.version)" : "apis/\(groupVersion.group)/\(groupVersion.version)"
            paths[prefix] = ["serverRelativeURL": .string("/openapi/v3/\(prefix)?hash=\(hash(members))")]
        }
        return ["paths": .object(paths)]
    }

    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/<group>/<version>`, or `nil` when nothing is served there.
    static func groupVersion(_ path: String, types: [ServedResource]) -> JSONValue? {
        let segments = path.split(separator: "/").map(String.init)
        let key: GroupVersion
        switch (segments.first, segments.count) {
        case ("api", 2): key = GroupVersion(group: "", version: segments[1])
        case ("apis", 3): key = GroupVersion(group: segments[1], version: segments[2])
        default: return nil
        }
        guard let members = grouped(types)[key] else { return nil }
        var paths: [String: JSONValue] = [:]
        let prefix = key.group.isEmpty ? "/api/\(key.version)" : "/apis/\(key.group)/\(key.version)"
        for type in members {
            let scope = type.isNamespaced ? "/namespaces/{namespace}" : ""
            let operation: JSONValue = [
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": [
                    "group": .string(type.group), "version": .string(key.version), "kind": .string(type.kind),
                ],
                "parameters": [
                    ["name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                    ["name": "dryRun", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                    ["name": "fieldManager", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                ],
                "responses": ["200": ["description": "OK"]],
            ]
            paths["\(prefix)\(scope)/\(type.resource)/{name}"] = ["patch": operation]
        }
        return [
            "openapi": "3.0.0", "info": ["title": "Kubernetes", "version": .string(Discovery.gitVersion)],
            "paths": .object(paths), "components": ["schemas": [:]],
        ]
    }

    private struct GroupVersion: Hashable {
        var group: String
        var version: String
    }

    private static func grouped(_ types: [ServedResource]) -> [GroupVersion: [ServedResource]] {
        var result: [GroupVersion: [ServedResource]] = [:]
        for type in types {
            for version in type.versions {
                result[GroupVersion(group: type.group, version: version), default: []].append(type)
            }
        }
        return result
    }

    /// A stable hash of what a group version serves, so clients re-fetch a document when a CRD changes it.
    private static func hash(_ types: [ServedResource]) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        let text = types.map { "\($0.resource)|\($0.kind)|\($0.isNamespaced)|\($0.versions)" }.sorted().joined(
            separator: ";")
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        return String(value, radix: 16, uppercase: true)
    }
}
