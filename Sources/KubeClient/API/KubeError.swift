import Foundation

/// The verb of an API call, as RBAC and audit logs name it.
public enum KubeVerb: String, Sendable, Hashable, CaseIterable {
    case get, list, watch, create, update, patch, delete

    /// The HTTP method the verb is sent with.
    public var httpMethod: String {
        switch self {
        case .get, .list, .watch: "GET"
        case .create: "POST"
        case .update: "PUT"
        case .patch: "PATCH"
        case .delete: "DELETE"
        }
    }

    /// Whether repeating the call cannot have a different effect than sending it once.
    ///
    /// PUT carries a resourceVersion (a repeat after success answers 409 rather than writing
    /// twice) and DELETE of a gone object answers 404. POST and PATCH are not: retry them only
    /// when the caller says the request is safe to repeat.
    public var isIdempotent: Bool {
        switch self {
        case .get, .list, .watch, .update, .delete: true
        case .create, .patch: false
        }
    }
}

/// Every failure of a KubeClient call: the kind of failure plus the call it happened in.
///
/// Reasons follow the API server's `Status.reason`; the server's own message is kept, and
/// ``isRetryable`` says whether backing off and trying again can help.
public struct KubeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable {
        /// 404: the object (or namespace) does not exist.
        case notFound
        /// 409 `AlreadyExists`: a create found the name taken.
        case alreadyExists
        /// 409 `Conflict`: the resourceVersion was stale or a precondition failed.
        case conflict
        /// 410 (or a watch ERROR with reason `Expired`/`Gone`): the resourceVersion is too old; relist.
        case gone
        /// 422 `Invalid`: the object failed validation; `causes` name the fields.
        case invalid(causes: [Status.Cause])
        /// 400 `BadRequest`: the request itself was malformed.
        case badRequest
        /// 403.
        case forbidden
        /// 401.
        case unauthorized
        /// 429: the server asks to slow down, optionally saying for how long.
        case tooManyRequests(retryAfter: Duration?)
        /// Any 5xx answer.
        case server(code: Int)
        /// Another HTTP status the client does not classify.
        case unexpectedStatus(code: Int)
        /// The request never got an HTTP answer: connection refused or reset, TLS, timeout.
        case transport(underlying: any Error)
        /// The answer arrived but could not be decoded as the expected type.
        case decoding(underlying: any Error)
        /// The client was configured or called wrongly (e.g. a namespaced call without namespace).
        case invalidRequest
        /// No credentials could be obtained (token file unreadable, exec plugin failed).
        case credentials(underlying: any Error)
    }

    public var kind: Kind
    public var verb: KubeVerb
    /// `plural.group` of the resource, e.g. `jobs.batch`.
    public var resource: String
    public var namespace: String?
    public var name: String?
    /// The server's `Status`, when it sent one.
    public var status: Status?
    /// A message: the server's when it sent one, otherwise the client's own.
    public var message: String

    public init(
        _ kind: Kind, verb: KubeVerb, resource: String, namespace: String? = nil, name: String? = nil,
        status: Status? = nil, message: String? = nil
    ) {
        self.kind = kind
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.status = status
        self.message = message ?? status?.message ?? Self.defaultMessage(for: kind)
    }

    /// The HTTP status code of the answer, if there was one.
    public var code: Int? {
        switch kind {
        case .notFound: 404
        case .alreadyExists, .conflict: 409
        case .gone: 410
        case .invalid: 422
        case .badRequest: 400
        case .forbidden: 403
        case .unauthorized: 401
        case .tooManyRequests: 429
        case .server(let code), .unexpectedStatus(let code): code
        case .transport, .decoding, .invalidRequest, .credentials: status?.code
        }
    }

    /// Whether trying again later may succeed without any change by the caller: throttling,
    /// server errors that are usually transient and connection failures.
    public var isRetryable: Bool {
        switch kind {
        case .tooManyRequests, .transport: true
        case .server(let code): [500, 502, 503, 504].contains(code)
        default: false
        }
    }

    public var isNotFound: Bool { if case .notFound = kind { true } else { false } }
    public var isAlreadyExists: Bool { if case .alreadyExists = kind { true } else { false } }
    public var isConflict: Bool { if case .conflict = kind { true } else { false } }
    public var isGone: Bool { if case .gone = kind { true } else { false } }

    /// `get jobs.batch default/report-1: NotFound (404): jobs.batch "report-1" not found`.
    public var description: String {
        var target = ""
        if let namespace, let name {
            target = " \(namespace)/\(name)"
        } else if let name {
            target = " \(name)"
        } else if let namespace {
            target = " in \(namespace)"
        }
        let codeText = code.map { " (\($0))" } ?? ""
        var text = "\(verb.rawValue) \(resource)\(target): \(kindName)\(codeText): \(message)"
        if case .invalid(let causes) = kind, !causes.isEmpty {
            let fields = causes.map { "\($0.field ?? "?"): \($0.message ?? $0.reason ?? "invalid")" }
            text += " [" + fields.joined(separator: "; ") + "]"
        }
        return text
    }

    private var kindName: String {
        switch kind {
        case .notFound: "NotFound"
        case .alreadyExists: "AlreadyExists"
        case .conflict: "Conflict"
        case .gone: "Gone"
        case .invalid: "Invalid"
        case .badRequest: "BadRequest"
        case .forbidden: "Forbidden"
        case .unauthorized: "Unauthorized"
        case .tooManyRequests: "TooManyRequests"
        case .server: "ServerError"
        case .unexpectedStatus: "UnexpectedStatus"
        case .transport: "TransportError"
        case .decoding: "DecodingError"
        case .invalidRequest: "InvalidRequest"
        case .credentials: "CredentialsUnavailable"
        }
    }

    private static func defaultMessage(for kind: Kind) -> String {
        switch kind {
        case .transport(let underlying): "\(underlying)"
        case .decoding(let underlying), .credentials(let underlying): "\(underlying)"
        default: "no message from the server"
        }
    }
}

// MARK: - Mapping answers to errors

extension KubeError {
    /// Classifies a failed answer by its HTTP code and, where the code is ambiguous (409, a
    /// watch ERROR without code), by the Status reason.
    ///
    /// - Parameters:
    ///   - code: the HTTP status code (or the Status `code` of a watch ERROR event).
    ///   - status: the decoded Status body, if the server sent one.
    ///   - retryAfter: the `Retry-After` header, in seconds, if any.
    public static func kind(code: Int, status: Status?, retryAfter: Duration?) -> Kind {
        let reason = status?.reason ?? ""
        switch (code, reason) {
        case (404, _), (_, "NotFound"): return .notFound
        case (409, "AlreadyExists"), (_, "AlreadyExists"): return .alreadyExists
        case (409, _), (_, "Conflict"): return .conflict
        case (410, _), (_, "Expired"), (_, "Gone"): return .gone
        case (422, _), (_, "Invalid"): return .invalid(causes: status?.details?.causes ?? [])
        case (400, _), (_, "BadRequest"): return .badRequest
        case (401, _), (_, "Unauthorized"): return .unauthorized
        case (403, _), (_, "Forbidden"): return .forbidden
        case (429, _), (_, "TooManyRequests"):
            let fromBody = status?.details?.retryAfterSeconds.map { Duration.seconds($0) }
            return .tooManyRequests(retryAfter: retryAfter ?? fromBody)
        case (500...599, _): return .server(code: code)
        default: return .unexpectedStatus(code: code)
        }
    }

    /// Builds the error for a non-success answer of `request`.
    static func from(response code: Int, body: Data, retryAfter: Duration?, request: KubeRequest) -> KubeError {
        let status = try? JSONDecoder.kubernetes.decode(Status.self, from: body)
        let statusIfFailure = status?.kind == "Status" ? status : nil
        let message = statusIfFailure?.message ?? String(decoding: body.prefix(512), as: UTF8.self)
        return KubeError(
            kind(code: code, status: statusIfFailure, retryAfter: retryAfter), verb: request.verb,
            resource: request.resource.description, namespace: request.namespace, name: request.name,
            status: statusIfFailure, message: message.isEmpty ? "HTTP \(code) with an empty body" : message)
    }
}
