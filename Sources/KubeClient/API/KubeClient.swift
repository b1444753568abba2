import Foundation
import Logging

/// A connection to one Kubernetes API server, and the factory of typed and dynamic
/// ``ResourceClient``s.
///
/// What it guarantees: requests are rate limited (token bucket), authenticated (token, token
/// file re-read on rotation, exec plugin, client certificate), time-limited, and retried with
/// backoff when idempotent and the failure is transient. What it does not: it has no cache and
/// no watch recovery; relisting after ``KubeError/Kind/gone`` is the informer's job.
public final class KubeClient: Sendable {
    public let configuration: ClientConfiguration
    /// The HTTP layer, shared by every resource client made from this client.
    public let transport: KubeHTTPClient
    public let logger: Logger

    /// Creates a client; for exec plugins that return client certificates use
    /// ``connect(configuration:clock:logger:observer:)``, which runs the plugin first.
    ///
    /// - Parameters:
    ///   - clock: used for rate limiting, retry waits, token reloads and credential expiry.
    ///   - observer: sees every HTTP attempt (verb, resource, code), e.g. for metrics.
    /// - Throws: ``ConfigurationError`` for unusable TLS material or limits.
    public convenience init(
        configuration: ClientConfiguration, clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "punctual.kubeclient"), observer: (any RequestObserver)? = nil
    ) throws {
        let provider = configuration.credentials.makeProvider(
            clock: clock, logger: logger, cluster: Self.clusterInfo(configuration))
        try self.init(
            configuration: configuration, credentials: provider, clock: clock, logger: logger, observer: observer)
    }

    private init(
        configuration: ClientConfiguration, credentials: any CredentialProvider, clock: any WallClock,
        logger: Logger, observer: (any RequestObserver)?
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.transport = try KubeHTTPClient(
            configuration: configuration, credentials: credentials, clock: clock, logger: logger, observer: observer)
    }

    /// Creates a client, first running an exec credential plugin when one is configured so a
    /// client certificate it returns is used for TLS.
    ///
    /// A certificate from an exec plugin is fixed for the client's lifetime (tokens keep being
    /// refreshed); create a new client to pick up a new certificate.
    public static func connect(
        configuration: ClientConfiguration, clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "punctual.kubeclient"), observer: (any RequestObserver)? = nil
    ) async throws -> KubeClient {
        guard case .exec(let exec) = configuration.credentials else {
            return try KubeClient(configuration: configuration, clock: clock, logger: logger, observer: observer)
        }
        let provider = ExecCredentialProvider(config: exec, cluster: clusterInfo(configuration), clock: clock)
        let credential = try await provider.credential()
        var configuration = configuration
        if let certificate = credential.clientCertificateData, let key = credential.clientKeyData {
            configuration.tls.clientCertificateData = certificate
            configuration.tls.clientKeyData = key
        }
        return try KubeClient(
            configuration: configuration, credentials: provider, clock: clock, logger: logger, observer: observer)
    }

    /// Closes all connections. Call once when done; resource clients stop working afterwards.
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    /// The namespace of the configuration (kubeconfig context or service account).
    public var defaultNamespace: String { configuration.namespace }

    // MARK: - Resource clients

    /// A typed client for `T`.
    ///
    /// - Parameter namespace: the namespace of list/watch and of calls that name none;
    ///   `nil` means all namespaces for list/watch (single-object calls then use the object's own).
    public func resource<T: KubeResource>(_ type: T.Type, namespace: String? = nil) -> ResourceClient<T> {
        ResourceClient(client: self, resource: T.resourceType, namespace: namespace)
    }

    /// A typed client whose objects keep their unmodelled fields across read-modify-write.
    public func objects<T: KubeResource>(_ type: T.Type, namespace: String? = nil) -> ResourceClient<KubeObject<T>> {
        ResourceClient(client: self, resource: T.resourceType, namespace: namespace)
    }

    /// A dynamic client over raw JSON for any resource (custom resources, tests).
    public func dynamic(_ resource: ResourceType, namespace: String? = nil) -> ResourceClient<JSONValue> {
        ResourceClient(client: self, resource: resource, namespace: namespace)
    }

    private static func clusterInfo(_ configuration: ClientConfiguration) -> ExecClusterInfo {
        ExecClusterInfo(
            server: configuration.server.absoluteString,
            certificateAuthorityData: configuration.tls.certificateAuthorityData?.base64EncodedString(),
            insecureSkipTLSVerify: configuration.tls.isInsecureSkipVerify ? true : nil)
    }
}
