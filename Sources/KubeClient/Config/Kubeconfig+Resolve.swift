import Foundation

// MARK: - From a context to a client configuration

extension Kubeconfig {
    /// The client configuration for a context, reading every referenced file now.
    ///
    /// - Parameters:
    ///   - context: the context to use (kubectl's `--context`); `nil` uses `current-context`.
    ///   - namespace: overrides the context's namespace (kubectl's `--namespace`).
    /// - Throws: ``ConfigurationError`` naming the file, context and field at fault.
    public func configuration(context: String? = nil, namespace: String? = nil) throws -> ClientConfiguration {
        guard let contextName = context ?? currentContext.flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ConfigurationError(
                field: "current-context", message: "no context given and current-context is not set")
        }
        guard let contextEntry = contexts[contextName] else {
            let known = contexts.keys.sorted().joined(separator: ", ")
            throw ConfigurationError(
                context: contextName, field: "contexts",
                message: "context \"\(contextName)\" not found (known: \(known.isEmpty ? "none" : known))")
        }
        let context = contextEntry.value
        let fail = { (field: String, file: String?, message: String) in
            ConfigurationError(file: file, context: contextName, field: field, message: message)
        }
        guard let clusterName = context.cluster, !clusterName.isEmpty else {
            throw fail("contexts[\(contextName)].context.cluster", contextEntry.file, "the context names no cluster")
        }
        guard let clusterEntry = clusters[clusterName] else {
            throw fail(
                "contexts[\(contextName)].context.cluster", contextEntry.file, "cluster \"\(clusterName)\" not found")
        }
        let cluster = clusterEntry.value
        let clusterField = "clusters[\(clusterName)].cluster"
        guard let serverText = cluster.server, let server = URL(string: serverText), server.scheme != nil,
            server.host != nil
        else {
            throw fail(
                "\(clusterField).server", clusterEntry.file,
                "expected an absolute URL such as https://host:6443, got "
                    + (cluster.server.map { "\"\($0)\"" } ?? "nothing")
            )
        }

        var tls = TLSSettings(isInsecureSkipVerify: cluster.insecureSkipTLSVerify ?? false)
        tls.certificateAuthorityData = try Self.material(
            data: cluster.certificateAuthorityData, file: cluster.certificateAuthority,
            field: "\(clusterField).certificate-authority", origin: clusterEntry.file, context: contextName)

        var credentials = CredentialSource.none
        if let userName = context.user, !userName.isEmpty {
            guard let userEntry = users[userName] else {
                throw fail("contexts[\(contextName)].context.user", contextEntry.file, "user \"\(userName)\" not found")
            }
            let user = userEntry.value
            let userField = "users[\(userName)].user"
            tls.clientCertificateData = try Self.material(
                data: user.clientCertificateData, file: user.clientCertificate,
                field: "\(userField).client-certificate", origin: userEntry.file, context: contextName)
            tls.clientKeyData = try Self.material(
                data: user.clientKeyData, file: user.clientKey, field: "\(userField).client-key",
                origin: userEntry.file, context: contextName)
            if (tls.clientCertificateData == nil) != (tls.clientKeyData == nil) {
                throw fail(userField, userEntry.file, "client-certificate and client-key must be given together")
            }
            credentials = try Self.credentials(user, field: userField, origin: userEntry.file, context: contextName)
        }
        return ClientConfiguration(
            server: server, namespace: namespace ?? context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            tls: tls, credentials: credentials)
    }

    private static func credentials(
        _ user: User, field: String, origin: String?, context: String
    ) throws -> CredentialSource {
        if user.authProvider != nil {
            throw ConfigurationError(
                file: origin, context: context, field: "\(field).auth-provider",
                message: "auth-provider plugins are not supported; use an exec plugin instead")
        }
        if let token = user.token, !token.isEmpty { return .token(token) }
        if let tokenFile = user.tokenFile, !tokenFile.isEmpty {
            // Read once now so a missing file is reported at start-up, naming the field.
            do {
                _ = try TokenFileCredentialProvider.read(tokenFile)
            } catch let error as ConfigurationError {
                throw ConfigurationError(
                    file: tokenFile, context: context, field: "\(field).tokenFile", message: error.message)
            }
            return .tokenFile(path: tokenFile, reloadInterval: .seconds(60))
        }
        if let username = user.username, let password = user.password {
            return .basic(username: username, password: password)
        }
        if let exec = user.exec {
            guard let command = exec.command, !command.isEmpty else {
                throw ConfigurationError(
                    file: origin, context: context, field: "\(field).exec.command", message: "required")
            }
            let apiVersion = exec.apiVersion ?? ""
            guard ExecConfig.supportedAPIVersions.contains(apiVersion) else {
                throw ConfigurationError(
                    file: origin, context: context, field: "\(field).exec.apiVersion",
                    message: "expected one of \(ExecConfig.supportedAPIVersions.sorted()), got \"\(apiVersion)\"")
            }
            return .exec(
                ExecConfig(
                    apiVersion: apiVersion, command: command, args: exec.args ?? [],
                    env: (exec.env ?? []).map { ExecConfig.EnvVar(name: $0.name, value: $0.value) },
                    provideClusterInfo: exec.provideClusterInfo ?? false, installHint: exec.installHint))
        }
        return .none
    }

    /// PEM material given inline as base64 (`*-data`, which wins, as in kubectl) or as a file.
    private static func material(
        data: String?, file: String?, field: String, origin: String?, context: String
    ) throws -> Data? {
        if let data, !data.isEmpty {
            guard let decoded = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
                throw ConfigurationError(
                    file: origin, context: context, field: "\(field)-data", message: "not valid base64")
            }
            return decoded
        }
        guard let file, !file.isEmpty else { return nil }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ConfigurationError(
                file: file, context: context, field: field, message: "cannot read: \(error.localizedDescription)")
        }
    }
}
