import Foundation

/// A kubeconfig: named clusters, users and contexts, and the context in use.
///
/// Several files (the `KUBECONFIG` list) merge into one value the way kubectl merges them: the
/// first file that defines a name wins, and `current-context` comes from the first file that
/// sets it. Relative paths inside a file are resolved against that file's directory when it
/// is loaded, so the merged value only holds absolute paths. See `Kubeconfig+Loading.swift`
/// for reading files and `Kubeconfig+Resolve.swift` for turning a context into a
/// ``ClientConfiguration``.
public struct Kubeconfig: Sendable, Hashable {
    public var currentContext: String?
    public var clusters: [String: Entry<Cluster>]
    public var users: [String: Entry<User>]
    public var contexts: [String: Entry<Context>]

    public init(
        currentContext: String? = nil, clusters: [String: Entry<Cluster>] = [:], users: [String: Entry<User>] = [:],
        contexts: [String: Entry<Context>] = [:]
    ) {
        self.currentContext = currentContext
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
    }

    /// A named value and the file it came from (for error messages).
    public struct Entry<Value: Sendable & Hashable>: Sendable, Hashable {
        public var value: Value
        public var file: String?

        public init(_ value: Value, file: String? = nil) {
            self.value = value
            self.file = file
        }
    }

    /// `clusters[].cluster`.
    public struct Cluster: Codable, Sendable, Hashable {
        public var server: String?
        public var certificateAuthority: String?
        /// Base64 of a PEM bundle.
        public var certificateAuthorityData: String?
        public var insecureSkipTLSVerify: Bool?
        public var tlsServerName: String?
        public var proxyURL: String?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case tlsServerName = "tls-server-name"
            case proxyURL = "proxy-url"
        }

        public init(
            server: String? = nil, certificateAuthority: String? = nil, certificateAuthorityData: String? = nil,
            insecureSkipTLSVerify: Bool? = nil
        ) {
            self.server = server
            self.certificateAuthority = certificateAuthority
            self.certificateAuthorityData = certificateAuthorityData
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
        }
    }

    /// `users[].user` (client-go's AuthInfo).
    public struct User: Codable, Sendable, Hashable {
        public var clientCertificate: String?
        /// Base64 of a PEM certificate.
        public var clientCertificateData: String?
        public var clientKey: String?
        /// Base64 of a PEM key.
        public var clientKeyData: String?
        public var token: String?
        public var tokenFile: String?
        public var username: String?
        public var password: String?
        public var exec: Exec?
        /// Legacy auth-provider plugins (gcp, azure, oidc) are not supported; kept to say so.
        public var authProvider: JSONValue?

        enum CodingKeys: String, CodingKey {
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case token, tokenFile, username, password, exec
            case authProvider = "auth-provider"
        }

        public init(
            clientCertificate: String? = nil, clientCertificateData: String? = nil, clientKey: String? = nil,
            clientKeyData: String? = nil, token: String? = nil, tokenFile: String? = nil, exec: Exec? = nil
        ) {
            self.clientCertificate = clientCertificate
            self.clientCertificateData = clientCertificateData
            self.clientKey = clientKey
            self.clientKeyData = clientKeyData
            self.token = token
            self.tokenFile = tokenFile
            self.exec = exec
        }
    }

    /// `users[].user.exec`.
    public struct Exec: Codable, Sendable, Hashable {
        public var apiVersion: String?
        public var command: String?
        public var args: [String]?
        public var env: [EnvVar]?
        public var provideClusterInfo: Bool?
        public var installHint: String?
        public var interactiveMode: String?

        public struct EnvVar: Codable, Sendable, Hashable {
            public var name: String
            public var value: String
        }
    }

    /// `contexts[].context`.
    public struct Context: Codable, Sendable, Hashable {
        public var cluster: String?
        public var user: String?
        public var namespace: String?

        public init(cluster: String? = nil, user: String? = nil, namespace: String? = nil) {
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
        }
    }
}

// MARK: - Merging

extension Kubeconfig {
    /// Merges files as kubectl does: for clusters, users and contexts the first file defining a
    /// name wins; `current-context` is the first one set.
    public static func merging(_ configs: [Kubeconfig]) -> Kubeconfig {
        var result = Kubeconfig()
        for config in configs {
            if result.currentContext?.isEmpty ?? true { result.currentContext = config.currentContext }
            result.clusters.merge(config.clusters) { first, _ in first }
            result.users.merge(config.users) { first, _ in first }
            result.contexts.merge(config.contexts) { first, _ in first }
        }
        return result
    }
}
