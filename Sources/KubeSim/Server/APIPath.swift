/// A request path of the Kubernetes REST API, parsed.
///
/// Resource paths have the shapes `/api/v1/...` (core group) and `/apis/<group>/<version>/...`:
/// `[namespaces/<ns>/]<resource>[/<name>[/<subresource>]]`. `/namespaces/<name>` and
/// `/namespaces/<name>/status` address Namespace objects themselves. The legacy watch prefix
/// `/api/v1/watch/...` is accepted and turns the request into a watch.
enum APIPath: Equatable {
    case version
    case coreGroups  // /api
    case groups  // /apis
    case groupVersion(group: String, version: String)
    case group(String)
    case openAPI(String)
    case health
    case simulator([String])
    case resource(ResourcePath)

    /// A path addressing a collection or an object.
    struct ResourcePath: Equatable {
        var group: String
        var version: String
        var resource: String
        /// Empty for cluster-scoped resources and for all-namespace collections.
        var namespace: String
        var name: String?
        var subresource: String?
        var isLegacyWatch: Bool

        var groupResource: GroupResource { GroupResource(group: group, resource: resource) }
    }

    /// Parses a path; `nil` means the server serves nothing there (404).
    init?(_ path: String) {
        let segments = path.split(separator: "/").map(String.init)
        guard let first = segments.first else { return nil }
        switch first {
        case "version" where segments.count == 1: self = .version
        case "healthz", "readyz", "livez": self = .health
        case "openapi": self = .openAPI(segments.dropFirst().joined(separator: "/"))
        case "sim": self = .simulator(Array(segments.dropFirst()))
        case "api":
            if segments.count == 1 {
                self = .coreGroups
                return
            }
            if segments.count == 2 {
                self = .groupVersion(group: "", version: segments[1])
                return
            }
            guard let resource = Self.resourcePath(group: "", version: segments[1], rest: segments.dropFirst(2))
            else { return nil }
            self = .resource(resource)
        case "apis":
            if segments.count == 1 {
                self = .groups
                return
            }
            if segments.count == 2 {
                self = .group(segments[1])
                return
            }
            if segments.count == 3 {
                self = .groupVersion(group: segments[1], version: segments[2])
                return
            }
            guard
                let resource = Self.resourcePath(group: segments[1], version: segments[2], rest: segments.dropFirst(3))
            else { return nil }
            self = .resource(resource)
        default:
            return nil
        }
    }

    private static func resourcePath(group: String, version: String, rest input: ArraySlice<String>) -> ResourcePath? {
        var rest = input
        var isWatch = false
        if rest.first == "watch" {
            isWatch = true
            rest = rest.dropFirst()
        }
        let parts = Array(rest)
        var namespace = ""
        var tail = parts[...]
        if parts.count >= 3, parts[0] == "namespaces", !["status", "finalize"].contains(parts[2]) {
            namespace = parts[1]
            tail = parts[2...]
        }
        guard let resource = tail.first, tail.count <= 3 else { return nil }
        let name = tail.count >= 2 ? tail[tail.startIndex + 1] : nil
        let subresource = tail.count == 3 ? tail[tail.startIndex + 2] : nil
        return ResourcePath(
            group: group, version: version, resource: resource, namespace: namespace, name: name,
            subresource: subresource, isLegacyWatch: isWatch)
    }
}
