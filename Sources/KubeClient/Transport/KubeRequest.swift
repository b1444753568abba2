import Foundation

/// One API request, fully described but not yet sent (sans-I/O).
public struct KubeRequest: Sendable, Hashable {
    public var verb: KubeVerb
    public var resource: ResourceType
    public var namespace: String?
    public var name: String?
    /// The URL path, e.g. `/apis/batch/v1/namespaces/default/jobs`.
    public var path: String
    /// Query parameters in a stable order.
    public var query: [(name: String, value: String)]
    public var contentType: String?
    public var body: Data?
    /// Whether the transport may send the request again after a retryable failure.
    public var isRetryable: Bool
    /// The request's place in the client's rate-limit queue when tokens are scarce.
    public var priority: RequestPriority

    public init(
        verb: KubeVerb, resource: ResourceType, namespace: String?, name: String?, path: String,
        query: [(name: String, value: String)] = [], contentType: String? = nil, body: Data? = nil,
        isRetryable: Bool, priority: RequestPriority = .normal
    ) {
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.path = path
        self.query = query
        self.contentType = contentType
        self.body = body
        self.isRetryable = isRetryable
        self.priority = priority
    }

    public var method: String { verb.httpMethod }

    /// Path and percent-encoded query, e.g. `/api/v1/pods?labelSelector=app%3Dweb`.
    public var pathAndQuery: String {
        guard !query.isEmpty else { return path }
        let encoded = query.map { "\(Self.encode($0.name))=\(Self.encode($0.value))" }
        return path + "?" + encoded.joined(separator: "&")
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// RFC 3986 unreserved characters: the only ones left unescaped in a query component.
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public static func == (lhs: KubeRequest, rhs: KubeRequest) -> Bool {
        lhs.verb == rhs.verb && lhs.resource == rhs.resource && lhs.namespace == rhs.namespace
            && lhs.name == rhs.name && lhs.pathAndQuery == rhs.pathAndQuery && lhs.contentType == rhs.contentType
            && lhs.body == rhs.body && lhs.isRetryable == rhs.isRetryable
            && lhs.priority == rhs.priority
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(verb)
        hasher.combine(pathAndQuery)
        hasher.combine(body)
    }
}
