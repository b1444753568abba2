import KubeClient

// MARK: - Failure constructors with the wording of a real API server

extension Status {
    /// A failure Status with the given HTTP code, reason and message.
    static func failure(code: Int, reason: String, message: String, details: Details? = nil) -> Status {
        var status = Status(status: "Failure", message: message, reason: reason, details: details, code: code)
        status.metadata = ListMeta()
        return status
    }

    /// 404: `jobs.batch "x" not found`.
    public static func notFound(_ resource: GroupResource, name: String) -> Status {
        .failure(
            code: 404, reason: "NotFound", message: "\(resource) \"\(name)\" not found",
            details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// 404 for a path the server does not serve.
    public static func pathNotFound(_ path: String) -> Status {
        .failure(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(path))")
    }

    /// 409: `jobs.batch "x" already exists`.
    public static func alreadyExists(_ resource: GroupResource, name: String) -> Status {
        .failure(
            code: 409, reason: "AlreadyExists", message: "\(resource) \"\(name)\" already exists",
            details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// 409: an optimistic-concurrency (resourceVersion or precondition) failure.
    public static func conflict(_ resource: GroupResource, name: String, reason detail: String) -> Status {
        .failure(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(resource) \"\(name)\": \(detail)",
            details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// 409 for a stale resourceVersion, with the real server's advice.
    public static func staleResourceVersion(_ resource: GroupResource, name: String) -> Status {
        conflict(
            resource, name: name,
            reason: "the object has been modified; please apply your changes to the latest version and try again")
    }

    /// 400 with a free-form message.
    public static func badRequest(_ message: String) -> Status {
        .failure(code: 400, reason: "BadRequest", message: message)
    }

    /// 405 for a verb the resource does not support.
    public static func methodNotAllowed() -> Status {
        .failure(
            code: 405, reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource")
    }

    /// 401 for a missing or wrong bearer token.
    public static func unauthorized() -> Status {
        .failure(code: 401, reason: "Unauthorized", message: "Unauthorized")
    }

    /// 410 Expired: the resourceVersion or continue token is older than the retained history.
    public static func expired(_ message: String) -> Status {
        .failure(code: 410, reason: "Expired", message: message)
    }

    /// 415 for a patch or body type the simulator does not accept.
    public static func unsupportedMediaType(_ message: String) -> Status {
        .failure(code: 415, reason: "UnsupportedMediaType", message: message)
    }

    /// 429 with a Retry-After hint.
    public static func tooManyRequests(retryAfterSeconds: Int) -> Status {
        .failure(
            code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
            details: Details(retryAfterSeconds: retryAfterSeconds))
    }

    /// 500 with a message.
    public static func internalError(_ message: String) -> Status {
        .failure(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }

    /// 503 with a message.
    public static func serviceUnavailable(_ message: String) -> Status {
        .failure(code: 503, reason: "ServiceUnavailable", message: message)
    }

    /// Any failure code, with the reason a real server would use for it.
    public static func injected(code: Int, retryAfterSeconds: Int?, message: String?) -> Status {
        switch code {
        case 429: return .tooManyRequests(retryAfterSeconds: retryAfterSeconds ?? 1)
        case 500: return .internalError(message ?? "injected fault")
        case 503: return .serviceUnavailable(message ?? "the server is currently unable to handle the request")
        case 504: return .failure(code: 504, reason: "Timeout", message: message ?? "injected timeout")
        case 409: return .failure(code: 409, reason: "Conflict", message: message ?? "injected conflict")
        default: return .failure(code: code, reason: "InternalError", message: message ?? "injected fault \(code)")
        }
    }
}
