import Foundation

/// Everything needed to talk to one API server, however it was found (kubeconfig, in-cluster,
/// or built by hand for tests).
public struct ClientConfiguration: Sendable {
    /// The API server, e.g. `https://10.0.0.1:443`; a path prefix is kept.
    public var server: URL
    /// The namespace used when a call does not name one (kubeconfig context or service account).
    public var namespace: String
    public var tls: TLSSettings
    public var credentials: CredentialSource
    /// Limit for a whole non-watch request, including reading the answer.
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    /// Client-side rate limit: sustained requests per second.
    public var qps: Double
    /// Client-side rate limit: requests allowed at once after a quiet period.
    public var burst: Int
    public var retryPolicy: RetryPolicy
    public var userAgent: String

    public init(
        server: URL, namespace: String = "default", tls: TLSSettings = TLSSettings(),
        credentials: CredentialSource = .none, requestTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10), qps: Double = 50, burst: Int = 100,
        retryPolicy: RetryPolicy = .standard, userAgent: String = ClientConfiguration.defaultUserAgent
    ) {
        self.server = server
        self.namespace = namespace
        self.tls = tls
        self.credentials = credentials
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.qps = qps
        self.burst = burst
        self.retryPolicy = retryPolicy
        self.userAgent = userAgent
    }

    /// `punctual/<version>`.
    public static let defaultUserAgent = "punctual/\(PunctualVersion.current)"
}

/// How the server is verified and how the client proves itself at the TLS layer.
public struct TLSSettings: Sendable, Hashable {
    /// PEM bundle of the CAs to trust instead of the system roots.
    public var certificateAuthorityData: Data?
    /// PEM client certificate (chain) and key for mutual TLS.
    public var clientCertificateData: Data?
    public var clientKeyData: Data?
    /// Skip verifying the server certificate. Only for throwaway clusters.
    public var isInsecureSkipVerify: Bool

    public init(
        certificateAuthorityData: Data? = nil, clientCertificateData: Data? = nil, clientKeyData: Data? = nil,
        isInsecureSkipVerify: Bool = false
    ) {
        self.certificateAuthorityData = certificateAuthorityData
        self.clientCertificateData = clientCertificateData
        self.clientKeyData = clientKeyData
        self.isInsecureSkipVerify = isInsecureSkipVerify
    }
}

/// Where the `Authorization` header comes from.
public enum CredentialSource: Sendable, Hashable {
    case none
    /// A fixed bearer token.
    case token(String)
    /// A bearer token read from a file and re-read every `reloadInterval`, so a rotated
    /// token (projected service account tokens rotate hourly) keeps working.
    case tokenFile(path: String, reloadInterval: Duration)
    /// HTTP basic authentication (legacy kubeconfigs).
    case basic(username: String, password: String)
    /// A client-go exec credential plugin, run on demand and cached until its expiry.
    case exec(ExecConfig)
}

/// A client-go exec credential plugin (`users[].user.exec` in a kubeconfig).
public struct ExecConfig: Sendable, Hashable {
    /// `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`.
    public var apiVersion: String
    /// The program; an absolute path, a path resolved against the kubeconfig, or a name
    /// looked up in `PATH`.
    public var command: String
    public var args: [String]
    /// Extra environment variables, added to the client's own environment.
    public var env: [EnvVar]
    /// Whether to pass the cluster (server, CA) in `KUBERNETES_EXEC_INFO`.
    public var provideClusterInfo: Bool
    public var installHint: String?
    /// Longest time the plugin may run.
    public var timeout: Duration

    public struct EnvVar: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        apiVersion: String, command: String, args: [String] = [], env: [EnvVar] = [],
        provideClusterInfo: Bool = false, installHint: String? = nil, timeout: Duration = .seconds(30)
    ) {
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.provideClusterInfo = provideClusterInfo
        self.installHint = installHint
        self.timeout = timeout
    }

    /// The exec API versions this client speaks.
    public static let supportedAPIVersions: Set<String> = [
        "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1",
    ]
}
