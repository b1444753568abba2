import Foundation

/// The configuration of a pod talking to its own cluster through its service account.
///
/// The API server address comes from `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`; the
/// CA, namespace and token from the service account directory. The token is read through a
/// ``TokenFileCredentialProvider`` so the kubelet's rotations are picked up.
public enum InClusterConfig {
    /// Where the kubelet mounts the service account.
    public static let defaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Whether the process looks like it runs in a pod (both service variables are set).
    public static func isAvailable(environment: [String: String]) -> Bool {
        environment["KUBERNETES_SERVICE_HOST"] != nil && environment["KUBERNETES_SERVICE_PORT"] != nil
    }

    /// - Parameters:
    ///   - environment: the process environment (injected for tests).
    ///   - directory: the service account directory (injected for tests).
    ///   - tokenReloadInterval: how often the token file is re-read.
    /// - Throws: ``ConfigurationError`` naming the missing variable or unreadable file.
    public static func load(
        environment: [String: String], directory: String = defaultDirectory,
        tokenReloadInterval: Duration = .seconds(60)
    ) throws -> ClientConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw ConfigurationError(field: "KUBERNETES_SERVICE_HOST", message: "not set: not running in a cluster")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw ConfigurationError(field: "KUBERNETES_SERVICE_PORT", message: "not set: not running in a cluster")
        }
        // IPv6 service addresses need brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        guard let server = URL(string: "https://\(hostPart):\(port)") else {
            throw ConfigurationError(
                field: "KUBERNETES_SERVICE_HOST", message: "\"\(host)\":\"\(port)\" does not form a URL")
        }
        let tokenPath = (directory as NSString).appendingPathComponent("token")
        _ = try TokenFileCredentialProvider.read(tokenPath)
        let caPath = (directory as NSString).appendingPathComponent("ca.crt")
        let ca: Data
        do {
            ca = try Data(contentsOf: URL(fileURLWithPath: caPath))
        } catch {
            throw ConfigurationError(file: caPath, message: "cannot read the cluster CA: \(error.localizedDescription)")
        }
        let namespacePath = (directory as NSString).appendingPathComponent("namespace")
        let namespace = (try? String(contentsOfFile: namespacePath, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return ClientConfiguration(
            server: server, namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            tls: TLSSettings(certificateAuthorityData: ca),
            credentials: .tokenFile(path: tokenPath, reloadInterval: tokenReloadInterval))
    }
}
