import Foundation
import KubeClient
import KubeSim
import Testing

@Suite struct AuthIntegrationTests {
    @Test func bearerTokenIsRequiredAndAccepted() async throws {
        let server = APIServer.Configuration(bearerToken: "s3cret")
        try await ClientHarness.with(server: server) { sim in
            await #expect {
                try await sim.client.resource(ConfigMap.self, namespace: "default").list()
            } throws: { error in
                guard let error = error as? KubeError, case .unauthorized = error.kind else { return false }
                return error.code == 401
            }
        }
        try await ClientHarness.with(server: server, configure: { $0.credentials = .token("s3cret") }) { sim in
            let list = try await sim.client.resource(ConfigMap.self, namespace: "default").list()
            #expect(list.items.isEmpty)
        }
    }

    @Test func rotatedTokenFileIsPickedUpAfterA401() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let tokenPath = try directory.write("token", "old-token")
        let server = APIServer.Configuration(bearerToken: "new-token")
        try await ClientHarness.with(
            server: server, configure: { $0.credentials = .tokenFile(path: tokenPath, reloadInterval: .seconds(60)) }
        ) { sim in
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            await #expect(throws: KubeError.self) { try await maps.list() }
            try directory.write("token", "new-token")
            // Within the reload interval, but the 401 makes the client re-read the file.
            #expect(try await maps.list().items.isEmpty)
            #expect(sim.requests.codes(.list) == [401, 401, 401, 200])
        }
    }

    @Test func userAgentNamesPunctual() {
        #expect(ClientConfiguration.defaultUserAgent == "punctual/\(PunctualVersion.current)")
    }
}

@Suite(.serialized) struct TLSIntegrationTests {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
    struct Certificates {
        let directory: TemporaryDirectory
        var caCertificate: String { directory.file("ca.crt") }
        var serverCertificate: String { directory.file("server.crt") }
        var serverKey: String { directory.file("server.key") }
        var clientCertificate: String { directory.file("client.crt") }
        var clientKey: String { directory.file("client.key") }
        var otherCA: String { directory.file("other-ca.crt") }

        init() throws {
            directory = try TemporaryDirectory()
            let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            for ca in ["ca", "other-ca"] {
                try Self.openssl(
                    ["req", "-x509"] + curve + [
                        "-keyout", "\(ca).key", "-out", "\(ca).crt", "-days", "1", "-subj", "/CN=punctual-test-\(ca)",
                        "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                        "keyUsage=critical,keyCertSign,cRLSign",
                    ], in: directory.path)
            }
            try directory.write(
                "server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
            try directory.write("client.ext", "extendedKeyUsage=clientAuth\n")
            for (name, subject) in [("server", "/CN=127.0.0.1"), ("client", "/CN=punctual-controller")] {
                try Self.openssl(
                    ["req"] + curve + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject],
                    in: directory.path)
                try Self.openssl(
                    [
                        "x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                        "-out", "\(name).crt", "-days", "1", "-extfile", "\(name).ext",
                    ], in: directory.path)
            }
        }

        func data(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

        /// HTTPS with the server certificate, requiring client certificates signed by the CA.
        var mutualTLSServer: APIServer.Configuration {
            APIServer.Configuration(
                tls: APIServer.TLSFiles(
                    certificatePath: serverCertificate, privateKeyPath: serverKey, clientCAPath: caCertificate))
        }

        /// Client settings that trust the CA and present the client certificate.
        func trustedClient() throws -> TLSSettings {
            TLSSettings(
                certificateAuthorityData: try data(caCertificate), clientCertificateData: try data(clientCertificate),
                clientKeyData: try data(clientKey))
        }

        static func openssl(_ arguments: [String], in directory: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            try #require(
                process.terminationStatus == 0,
                "openssl \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
    }

    @Test func mutualTLSWithGeneratedCertificates() async throws {
        let certificates = try Certificates()
        defer { certificates.directory.remove() }
        let server = certificates.mutualTLSServer
        let trusted = try certificates.trustedClient()

        // CA trusted and client certificate presented: works.
        try await ClientHarness.with(server: server, configure: { $0.tls = trusted }) { sim in
            #expect(sim.url.scheme == "https")
            let maps = sim.client.resource(ConfigMap.self, namespace: "default")
            _ = try await maps.create(ConfigMap(metadata: ObjectMeta(name: "over-tls")))
            #expect(try await maps.get("over-tls").metadata.name == "over-tls")
        }

        let failures: [(String, TLSSettings)] = [
            ("no client certificate", TLSSettings(certificateAuthorityData: trusted.certificateAuthorityData)),
            (
                "server signed by an unknown CA",
                TLSSettings(
                    certificateAuthorityData: try certificates.data(certificates.otherCA),
                    clientCertificateData: trusted.clientCertificateData, clientKeyData: trusted.clientKeyData)
            ),
        ]
        for (name, tls) in failures {
            try await ClientHarness.with(
                server: server,
                configure: {
                    $0.tls = tls
                    $0.retryPolicy = .never
                }
            ) { sim in
                await #expect(Comment(rawValue: name)) {
                    try await sim.client.resource(ConfigMap.self, namespace: "default").list()
                } throws: { error in
                    guard let error = error as? KubeError, case .transport = error.kind else { return false }
                    return true
                }
            }
        }

        // Skipping verification still needs the client certificate, but no CA.
        var insecure = trusted
        insecure.certificateAuthorityData = nil
        insecure.isInsecureSkipVerify = true
        try await ClientHarness.with(server: server, configure: { $0.tls = insecure }) { sim in
            let list = try await sim.client.resource(ConfigMap.self, namespace: "default").list()
            #expect(list.items.isEmpty)
        }
    }

    @Test func execPluginClientCertificateIsUsedForMutualTLS() async throws {
        let certificates = try Certificates()
        defer { certificates.directory.remove() }
        // The plugin answers with the client certificate and key, JSON-escaped, and no token.
        let plugin = try certificates.directory.write(
            "plugin",
            """
            #!/bin/sh
            escape() { awk '{ printf "%s\\\\n", $0 }' "$1"; }
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{'
            printf '"clientCertificateData":"%s","clientKeyData":"%s"}}' \
                "$(escape \(certificates.clientCertificate))" "$(escape \(certificates.clientKey))"
            """,
            executable: true)
        let trustOnly = TLSSettings(certificateAuthorityData: try certificates.data(certificates.caCertificate))
        let trusted = try certificates.trustedClient()
        try await ClientHarness.with(server: certificates.mutualTLSServer, configure: { $0.tls = trusted }) { sim in
            let configuration = ClientConfiguration(
                server: sim.url, tls: trustOnly,
                credentials: .exec(ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: plugin)))
            let client = try await KubeClient.connect(configuration: configuration)
            let result = await Result(catching: {
                try await client.resource(ConfigMap.self, namespace: "default").list()
            })
            try await client.shutdown()
            #expect(try result.get().items.isEmpty)
        }
    }

    @Test func kubeconfigWithCertificateFilesReachesTheServer() async throws {
        let certificates = try Certificates()
        defer { certificates.directory.remove() }
        let server = certificates.mutualTLSServer
        let trusted = try certificates.trustedClient()
        try await ClientHarness.with(server: server, configure: { $0.tls = trusted }) { sim in
            let kubeconfig = try certificates.directory.write(
                "kubeconfig",
                """
                apiVersion: v1
                kind: Config
                current-context: sim
                clusters:
                - name: sim
                  cluster: {server: "\(sim.url.absoluteString)", certificate-authority: ca.crt}
                users:
                - name: controller
                  user: {client-certificate: client.crt, client-key: client.key}
                contexts:
                - name: sim
                  context: {cluster: sim, user: controller, namespace: team-a}
                """)
            _ = try await sim.client.resource(Namespace.self).create(Namespace(metadata: ObjectMeta(name: "team-a")))
            let configuration = try Kubeconfig.load(path: kubeconfig).configuration()
            let client = try KubeClient(configuration: configuration)
            let maps = client.resource(ConfigMap.self, namespace: client.defaultNamespace)
            let result = await Result(catching: {
                try await maps.create(ConfigMap(metadata: ObjectMeta(name: "via-kubeconfig")))
            })
            try await client.shutdown()
            #expect(try result.get().metadata.namespace == "team-a")
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
