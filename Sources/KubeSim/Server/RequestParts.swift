import Foundation
import KubeClient

/// The decoded query string of a request (`+` and percent escapes decoded; the last value wins).
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ query: String?) {
        guard let query else { return }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            values[key] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ key: String) -> String? { values[key] }

    /// `true`, `1` (and an empty value) count as set, as in the real server's boolean parameters.
    func flag(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return value.isEmpty || value == "1" || value.lowercased() == "true"
    }
}

/// How the client wants objects rendered, from its Accept header.
enum ResponseView: Equatable {
    /// The objects themselves.
    case objects
    /// A meta.k8s.io Table of the given version (`v1` or `v1beta1`).
    case table(version: String)
    /// PartialObjectMetadata / PartialObjectMetadataList (metadata only).
    case partialMetadata(version: String)

    /// Picks the first alternative the simulator can produce, in the client's order; plain JSON otherwise.
    init(accept: String?) {
        self = .objects
        guard let accept else { return }
        for alternative in accept.split(separator: ",") {
            let parts = alternative.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            var parameters: [String: String] = [:]
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { parameters[pair[0]] = pair[1] }
            }
            let mediaType = parts.first ?? ""
            guard mediaType == "application/json" || mediaType == "*/*" else { continue }
            let version = parameters["v"] ?? "v1"
            switch (parameters["as"], parameters["g"]) {
            case ("Table", "meta.k8s.io") where version == "v1" || version == "v1beta1":
                self = .table(version: version)
                return
            case ("PartialObjectMetadata", "meta.k8s.io"), ("PartialObjectMetadataList", "meta.k8s.io"):
                self = .partialMetadata(version: version)
                return
            case (nil, _):
                return
            default:
                continue
            }
        }
    }
}
