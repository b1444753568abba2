import Foundation
import KubeClient
import KubeSim
import Logging
import Testing

@Suite struct CredentialTests {
    static let start = Date(timeIntervalSince1970: 1_772_953_200)  // 2026-03-08T07:00:00Z

    // MARK: - In-cluster

    @Test func inClusterReadsTheServiceAccountAndReloadsARotatedToken() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("token", "token-1\n")
        try directory.write("ca.crt", "CLUSTER CA")
        try directory.write("namespace", "punctual-system")
        let configuration = try InClusterConfig.load(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            directory: directory.path)
        #expect(configuration.server.absoluteString == "https://10.96.0.1:443")
        #expect(configuration.namespace == "punctual-system")
        #expect(configuration.tls.certificateAuthorityData == Data("CLUSTER CA".utf8))

        let clock = ManualClock(start: Self.start)
        let provider = configuration.credentials.makeProvider(clock: clock, logger: Logger(label: "test"))
        #expect(try await provider.authorization() == "Bearer token-1")
        try directory.write("token", "token-2")
        clock.advance(by: .seconds(59))
        #expect(try await provider.authorization() == "Bearer token-1", "cached within the reload interval")
        clock.advance(by: .seconds(1))
        #expect(try await provider.authorization() == "Bearer token-2", "re-read after a minute")
        // A failed re-read keeps the last good token.
        try FileManager.default.removeItem(atPath: directory.file("token"))
        clock.advance(by: .seconds(61))
        #expect(try await provider.authorization() == "Bearer token-2")
        // After a 401 the file is read again at once.
        try directory.write("token", "token-3")
        #expect(await provider.invalidate())
        #expect(try await provider.authorization() == "Bearer token-3")
    }

    @Test func inClusterIPv6HostAndMissingVariables() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("token", "t")
        try directory.write("ca.crt", "CA")
        let configuration = try InClusterConfig.load(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"],
            directory: directory.path)
        #expect(configuration.server.absoluteString == "https://[fd00::1]:6443")
        #expect(configuration.namespace == "default")
        #expect {
            try InClusterConfig.load(environment: [:], directory: directory.path)
        } throws: { error in
            (error as? ConfigurationError)?.field == "KUBERNETES_SERVICE_HOST"
        }
        try FileManager.default.removeItem(atPath: directory.file("ca.crt"))
        #expect {
            try InClusterConfig.load(
                environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"], directory: directory.path
            )
        } throws: { error in
            (error as? ConfigurationError)?.file == directory.file("ca.crt")
        }
    }

    // MARK: - Exec plugins

    /// A plugin that counts its runs, records its input and prints a token that expires at 08:00.
    static func writePlugin(in directory: TemporaryDirectory, apiVersion: String, exitCode: Int = 0) throws -> String {
        try directory.write(
            "bin/plugin",
            """
            #!/bin/sh
            dir="$(dirname "$0")"
            n=$(cat "$dir/count" 2>/dev/null || echo 0)
            n=$((n + 1))
            echo "$n" > "$dir/count"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info"
            if [ \(exitCode) -ne 0 ]; then echo "login required" >&2; exit \(exitCode); fi
            printf '{"apiVersion":"\(apiVersion)","kind":"ExecCredential",'
            printf '"status":{"token":"tok-%s-%s-%s","expirationTimestamp":"2026-03-08T08:00:00Z"}}' \
                "$n" "$PLUGIN_MODE" "$1"
            """,
            executable: true)
    }

    @Test(arguments: ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
    func execPluginTokenIsCachedUntilExpiry(apiVersion: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plugin = try Self.writePlugin(in: directory, apiVersion: apiVersion)
        let clock = ManualClock(start: Self.start)
        let provider = ExecCredentialProvider(
            config: ExecConfig(
                apiVersion: apiVersion, command: plugin, args: ["lab"],
                env: [ExecConfig.EnvVar(name: "PLUGIN_MODE", value: "test")], provideClusterInfo: true),
            cluster: ExecClusterInfo(server: "https://lab.example"), clock: clock)
        #expect(try await provider.authorization() == "Bearer tok-1-test-lab")
        clock.advance(by: .seconds(30 * 60))
        #expect(try await provider.authorization() == "Bearer tok-1-test-lab", "cached until expiry")
        clock.advance(by: .seconds(29 * 60 + 55))
        #expect(try await provider.authorization() == "Bearer tok-2-test-lab", "refreshed just before expiry")

        let info = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: directory.file("bin/exec-info"))))
        #expect(info["apiVersion"] == .string(apiVersion))
        #expect(info["kind"] == "ExecCredential")
        #expect(info[path: ["spec", "interactive"]] == false)
        #expect(info[path: ["spec", "cluster", "server"]] == "https://lab.example")
    }

    @Test func execPluginFailuresAreReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let failing = try Self.writePlugin(in: directory, apiVersion: "client.authentication.k8s.io/v1", exitCode: 3)
        let clock = ManualClock(start: Self.start)
        let provider = ExecCredentialProvider(
            config: ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: failing), clock: clock)
        await #expect {
            try await provider.authorization()
        } throws: { error in
            let message = (error as? ConfigurationError)?.message ?? ""
            return message.contains("exited with 3") && message.contains("login required")
        }
        let missing = ExecCredentialProvider(
            config: ExecConfig(
                apiVersion: "client.authentication.k8s.io/v1", command: "punctual-no-such-plugin",
                installHint: "install it from example.com"),
            clock: clock)
        await #expect {
            try await missing.authorization()
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("install it from example.com") ?? false
        }
    }

    @Test func execPluginAnsweringTheWrongVersionIsRejected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plugin = try Self.writePlugin(in: directory, apiVersion: "client.authentication.k8s.io/v1beta1")
        let provider = ExecCredentialProvider(
            config: ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: plugin),
            clock: ManualClock(start: Self.start))
        await #expect {
            try await provider.authorization()
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("expected ExecCredential client.authentication.k8s.io/v1")
                ?? false
        }
    }

    @Test func staticCredentials() async throws {
        let clock = ManualClock(start: Self.start)
        let logger = Logger(label: "test")
        #expect(try await CredentialSource.none.makeProvider(clock: clock, logger: logger).authorization() == nil)
        #expect(
            try await CredentialSource.token("abc").makeProvider(clock: clock, logger: logger).authorization()
                == "Bearer abc")
        #expect(
            try await CredentialSource.basic(username: "u", password: "p").makeProvider(clock: clock, logger: logger)
                .authorization() == "Basic dTpw")
    }
}
