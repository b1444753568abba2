import KubeClient

/// The discovery documents (`/version`, `/api`, `/apis`, `/apis/<group>[/<version>]`, `/api/v1`),
/// built from the resources the store serves at the moment of the request, so a CRD appears in
/// discovery as soon as it is stored and disappears when it is deleted.
///
/// Only the legacy (unaggregated) documents are served. A client asking for aggregated discovery
/// (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`) gets an
/// APIGroupList with `Content-Type: application/json`, which kubectl and client-go accept as the
/// fallback.
enum Discovery {
    static let gitVersion = "v1.32.0-punctual-sim"

    static func version() -> JSONValue {
        [
            "major": "1", "minor": "32", "gitVersion": .string(gitVersion), "gitCommit": "punctual-sim",
            "gitTreeState": "clean", "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.23.3",
            "compiler": "gc", "platform": "linux/amd64",
        ]
    }

    static func coreVersions() -> JSONValue {
        [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"]],
        ]
    }

    /// The APIGroupList: every non-core group with its versions.
    static func groupList(_ types: [ServedResource]) -> JSONValue {
        var groupOrder: [String] = []
        var versions: [String: [String]] = [:]
        for type in types where !type.group.isEmpty {
            if versions[type.group] == nil { groupOrder.append(type.group) }
            for version in type.versions where !(versions[type.group]?.contains(version) ?? false) {
                versions[type.group, default: []].append(version)
            }
        }
        let groups = groupOrder.map { group($0, versions: versions[$0] ?? []) }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    /// One APIGroup, or `nil` if nothing in the group is served.
    static func group(named name: String, in types: [ServedResource]) -> JSONValue? {
        let list = groupList(types)
        guard let found = list["groups"]?.arrayValue?.first(where: { $0["name"]?.stringValue == name }) else {
            return nil
        }
        var group = found
        group["kind"] = "APIGroup"
        group["apiVersion"] = "v1"
        return group
    }

    private static func group(_ name: String, versions: [String]) -> JSONValue {
        let entries: [JSONValue] = versions.map {
            ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)]
        }
        return [
            "name": .string(name), "versions": .array(entries),
            "preferredVersion": entries.first ?? .null,
        ]
    }

    /// The APIResourceList of one group version, or `nil` if nothing is served there.
    static func resourceList(group: String, version: String, types: [ServedResource]) -> JSONValue? {
        let served = types.filter { $0.group == group && $0.versions.contains(version) }
        guard !served.isEmpty else { return nil }
        var resources: [JSONValue] = []
        for type in served {
            var entry: JSONValue = [
                "name": .string(type.resource), "singularName": .string(type.singular),
                "namespaced": .bool(type.isNamespaced), "kind": .string(type.kind),
                "verbs": .array(type.verbs.map { .string($0) }),
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
            if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map { .string($0) }) }
            resources.append(entry)
            if type.hasStatus {
                resources.append([
                    "name": .string("\(type.resource)/status"), "singularName": "",
                    "namespaced": .bool(type.isNamespaced), "kind": .string(type.kind),
                    "verbs": ["get", "patch", "update"],
                ])
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
            "resources": .array(resources),
        ]
    }
}
