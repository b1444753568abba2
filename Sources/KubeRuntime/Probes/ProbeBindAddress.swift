/// Where the probe and metrics server listens, parsed from `--metrics-bind-address` with
/// controller-runtime's semantics.
///
/// - `:8080` listens on every interface, port 8080 (the default);
/// - `127.0.0.1:0` (or any `host:0`) picks a free port, so several replicas can share a machine;
/// - `[::1]:9090` is an IPv6 host;
/// - `0` disables the server.
public enum ProbeBindAddress: Sendable, Equatable, CustomStringConvertible {
    case disabled
    case address(host: String, port: Int)

    /// Parses a flag value.
    ///
    /// - Throws: ``ProbeServerError`` naming the value and what was expected.
    public init(parsing value: String) throws(ProbeServerError) {
        func invalid(_ why: String) -> ProbeServerError {
            ProbeServerError(message: "--metrics-bind-address \"\(value)\": \(why)")
        }
        let trimmed = value.trimmingWhitespace
        if trimmed == "0" {
            self = .disabled
            return
        }
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw invalid("expected host:port, :port, or 0 to disable")
        }
        var host = String(trimmed[..<colon])
        let portText = trimmed[trimmed.index(after: colon)...]
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw invalid("port must be a number in 0...65535, got \"\(portText)\"")
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw invalid("unterminated IPv6 host") }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw invalid("an IPv6 host must be written in brackets, e.g. [::1]:8080")
        }
        self = .address(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    public var description: String {
        switch self {
        case .disabled: "disabled"
        case .address(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[start...end]
    }
}

/// A probe server that could not be configured or started.
public struct ProbeServerError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}
