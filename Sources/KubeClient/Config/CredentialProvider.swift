import Foundation
import Logging

/// Supplies the `Authorization` header of each request.
///
/// Providers cache what they fetch; ``invalidate()`` is called after a 401 so that the next
/// request fetches fresh credentials (a rotated token, an expired exec credential).
public protocol CredentialProvider: Sendable {
    /// The header value (`Bearer ...`, `Basic ...`), or `nil` to send none.
    ///
    /// - Throws: ``ConfigurationError`` when no credentials can be obtained.
    func authorization() async throws -> String?

    /// Drops cached credentials. Returns whether fresh ones may differ (so a retry is useful).
    func invalidate() async -> Bool
}

/// Fixed credentials: none, a token, or basic authentication.
public struct StaticCredentialProvider: CredentialProvider {
    private let header: String?

    public init(header: String?) { self.header = header }

    public func authorization() async throws -> String? { header }

    public func invalidate() async -> Bool { false }
}

/// A bearer token read from a file, re-read once `reloadInterval` has passed on the clock.
///
/// Projected service account tokens are rotated by the kubelet (about hourly); re-reading every
/// minute keeps the client working across rotations without a restart. If a re-read fails the
/// last good token is kept and the failure logged; it is retried at the next interval.
public actor TokenFileCredentialProvider: CredentialProvider {
    public nonisolated let path: String
    public nonisolated let reloadInterval: Duration
    private let clock: any WallClock
    private let logger: Logger
    private var token: String?
    private var readAt: WallInstant?

    public init(path: String, reloadInterval: Duration = .seconds(60), clock: any WallClock, logger: Logger) {
        self.path = path
        self.reloadInterval = reloadInterval
        self.clock = clock
        self.logger = logger
    }

    public func authorization() async throws -> String? {
        try "Bearer " + currentToken()
    }

    /// The token, re-read from the file when the cached one is older than `reloadInterval`.
    public func currentToken() throws -> String {
        let now = clock.now
        if let token, let readAt, readAt.duration(to: now) < reloadInterval { return token }
        do {
            let fresh = try Self.read(path)
            token = fresh
            readAt = now
            return fresh
        } catch {
            guard let token else { throw error }
            logger.warning(
                "keeping the previous token: re-reading the token file failed",
                metadata: ["file": "\(path)", "error": "\(error)"])
            readAt = now
            return token
        }
    }

    public func invalidate() async -> Bool {
        readAt = nil
        return true
    }

    static func read(_ path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(file: path, message: "cannot read the token file: \(error.localizedDescription)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ConfigurationError(file: path, message: "the token file is empty") }
        return token
    }
}

extension CredentialSource {
    /// The provider serving these credentials.
    public func makeProvider(
        clock: any WallClock, logger: Logger, cluster: ExecClusterInfo? = nil
    ) -> any CredentialProvider {
        switch self {
        case .none:
            StaticCredentialProvider(header: nil)
        case .token(let token):
            StaticCredentialProvider(header: "Bearer \(token)")
        case .basic(let username, let password):
            StaticCredentialProvider(header: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
        case .tokenFile(let path, let interval):
            TokenFileCredentialProvider(path: path, reloadInterval: interval, clock: clock, logger: logger)
        case .exec(let config):
            ExecCredentialProvider(config: config, cluster: cluster, clock: clock)
        }
    }
}
