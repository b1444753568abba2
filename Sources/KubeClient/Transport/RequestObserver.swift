/// What happened to one HTTP attempt; given to a ``RequestObserver``.
public struct RequestRecord: Sendable, Hashable {
    public var verb: KubeVerb
    public var resource: ResourceType
    /// The HTTP status code, or `nil` when no answer arrived (connection failure).
    public var statusCode: Int?
    /// 1 for the first attempt, 2 for the first retry...
    public var attempt: Int
    public var duration: Duration

    public init(verb: KubeVerb, resource: ResourceType, statusCode: Int?, attempt: Int, duration: Duration) {
        self.verb = verb
        self.resource = resource
        self.statusCode = statusCode
        self.attempt = attempt
        self.duration = duration
    }
}

/// Observes every HTTP attempt the client makes, e.g. to count requests by verb and code.
///
/// Called synchronously on the request path: keep it cheap and non-blocking.
public protocol RequestObserver: Sendable {
    func record(_ record: RequestRecord)
}

/// An observer made from a closure.
public struct ClosureRequestObserver: RequestObserver {
    private let body: @Sendable (RequestRecord) -> Void

    public init(_ body: @escaping @Sendable (RequestRecord) -> Void) { self.body = body }

    public func record(_ record: RequestRecord) { body(record) }
}
