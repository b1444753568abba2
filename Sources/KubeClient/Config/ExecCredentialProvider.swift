import Foundation

/// The cluster passed to an exec plugin when `provideClusterInfo` is set.
public struct ExecClusterInfo: Sendable, Hashable, Codable {
    public var server: String
    public var certificateAuthorityData: String?
    public var insecureSkipTLSVerify: Bool?

    enum CodingKeys: String, CodingKey {
        case server
        case certificateAuthorityData = "certificate-authority-data"
        case insecureSkipTLSVerify = "insecure-skip-tls-verify"
    }

    public init(server: String, certificateAuthorityData: String? = nil, insecureSkipTLSVerify: Bool? = nil) {
        self.server = server
        self.certificateAuthorityData = certificateAuthorityData
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
    }
}

/// What an exec plugin returned: a token and/or a client certificate, valid until `expiration`.
public struct ExecCredential: Sendable, Hashable {
    public var token: String?
    public var expiration: Date?
    public var clientCertificateData: Data?
    public var clientKeyData: Data?
}

/// Runs a client-go exec credential plugin (as EKS, GKE and AKS use) and caches its answer
/// until the expiry it states, or, without one, until the server answers 401.
///
/// The plugin gets `KUBERNETES_EXEC_INFO` (an ExecCredential with `spec.interactive: false`,
/// plus the cluster when asked), the client's environment plus `env`, and must print an
/// ExecCredential of the same apiVersion on stdout and exit 0.
public actor ExecCredentialProvider: CredentialProvider {
    public nonisolated let config: ExecConfig
    private let cluster: ExecClusterInfo?
    private let clock: any WallClock
    private var cached: ExecCredential?
    private var running: Task<ExecCredential, any Error>?

    /// A credential is refreshed this long before it expires, so requests never carry an
    /// expired token because of a slow round trip.
    static let expiryMargin: Duration = .seconds(10)

    public init(config: ExecConfig, cluster: ExecClusterInfo? = nil, clock: any WallClock) {
        self.config = config
        self.cluster = cluster
        self.clock = clock
    }

    public func authorization() async throws -> String? {
        let credential = try await credential()
        return credential.token.map { "Bearer \($0)" }
    }

    /// The cached credential, or a fresh one from the plugin once it is about to expire.
    public func credential() async throws -> ExecCredential {
        if let cached, isFresh(cached) { return cached }
        if let running { return try await running.value }
        // One plugin run at a time: concurrent callers await the same run.
        let task = Task { [config, cluster] in try await Self.run(config: config, cluster: cluster) }
        running = task
        defer { running = nil }
        let fresh = try await task.value
        cached = fresh
        return fresh
    }

    public func invalidate() async -> Bool {
        cached = nil
        return true
    }

    private func isFresh(_ credential: ExecCredential) -> Bool {
        guard let expiration = credential.expiration else { return true }
        return clock.now.advanced(by: Self.expiryMargin).date < expiration
    }

    // MARK: - Running the plugin

    static func run(config: ExecConfig, cluster: ExecClusterInfo?) async throws -> ExecCredential {
        guard ExecConfig.supportedAPIVersions.contains(config.apiVersion) else {
            throw ConfigurationError(
                field: "exec.apiVersion",
                message: "unsupported \"\(config.apiVersion)\"; expected one of "
                    + ExecConfig.supportedAPIVersions.sorted().joined(separator: ", "))
        }
        var environment = ProcessInfo.processInfo.environment
        for variable in config.env { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] = try execInfo(config: config, cluster: cluster)
        guard let executable = ProcessRunner.locate(config.command, path: environment["PATH"]) else {
            var message = "exec plugin \"\(config.command)\" not found"
            if let hint = config.installHint { message += ": \(hint)" }
            throw ConfigurationError(field: "exec.command", message: message)
        }
        let result = try await ProcessRunner.run(
            executable: executable, arguments: config.args, environment: environment, timeout: config.timeout)
        guard result.exitCode == 0 else {
            let stderr = String(decoding: result.standardError.prefix(1024), as: UTF8.self)
            throw ConfigurationError(
                field: "exec.command",
                message: "exec plugin \(executable) exited with \(result.exitCode): \(stderr)")
        }
        return try parse(result.standardOutput, expectedAPIVersion: config.apiVersion)
    }

    /// Decodes the plugin's output, checking its kind and apiVersion.
    static func parse(_ output: Data, expectedAPIVersion: String) throws -> ExecCredential {
        struct Wire: Decodable {
            var apiVersion: String?
            var kind: String?
            var status: WireStatus?
        }
        struct WireStatus: Decodable {
            var token: String?
            var expirationTimestamp: Date?
            var clientCertificateData: String?
            var clientKeyData: String?
        }
        let wire: Wire
        do {
            wire = try JSONDecoder.kubernetes.decode(Wire.self, from: output)
        } catch {
            throw ConfigurationError(field: "exec", message: "plugin output is not an ExecCredential: \(error)")
        }
        guard wire.kind == "ExecCredential", wire.apiVersion == expectedAPIVersion else {
            throw ConfigurationError(
                field: "exec",
                message: "plugin answered kind \(wire.kind ?? "nil") apiVersion \(wire.apiVersion ?? "nil"); "
                    + "expected ExecCredential \(expectedAPIVersion)")
        }
        guard let status = wire.status, status.token != nil || status.clientCertificateData != nil else {
            throw ConfigurationError(field: "exec", message: "plugin output has neither status.token nor a certificate")
        }
        if (status.clientCertificateData == nil) != (status.clientKeyData == nil) {
            throw ConfigurationError(
                field: "exec", message: "status.clientCertificateData and status.clientKeyData must be set together")
        }
        return ExecCredential(
            token: status.token, expiration: status.expirationTimestamp,
            clientCertificateData: status.clientCertificateData.map { Data($0.utf8) },
            clientKeyData: status.clientKeyData.map { Data($0.utf8) })
    }

    private static func execInfo(config: ExecConfig, cluster: ExecClusterInfo?) throws -> String {
        var spec: JSONValue = ["interactive": false]
        if config.provideClusterInfo, let cluster { spec["cluster"] = try JSONValue(encoding: cluster) }
        let info: JSONValue = ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": spec]
        return String(decoding: try info.serialized(), as: UTF8.self)
    }
}
