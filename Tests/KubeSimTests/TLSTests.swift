import AsyncHTTPClient
import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// HTTPS with a server certificate, and mutual TLS with a client CA.
@Suite struct TLSTests {
    @Test func httpsWithATokenServesTrustingClients() async throws {
        let pki = try TestCertificates.generate()
        defer { pki.remove() }
        let configuration = APIServer.Configuration(
            bearerToken: "t0k",
            tls: APIServer.TLSFiles(certificatePath: pki.serverCertificate, privateKeyPath: pki.serverKey))
        try await SimHarness.with(configuration: configuration) { sim in
            #expect(sim.baseURL.scheme == "https")
            let client = RawJSONClient(
                baseURL: sim.baseURL, bearerToken: "t0k",
                configuration: try pki.httpClientConfiguration(presentingClientCertificate: false))
            let reply = try await client.request(.GET, "/api/v1/namespaces/default")
            await client.shutdown()
            #expect(reply.status == 200)
            #expect(reply.body.name == "default")
        }
    }

    @Test func mutualTLSAcceptsCertificatesFromTheCAAndRefusesOthers() async throws {
        let pki = try TestCertificates.generate()
        defer { pki.remove() }
        let files = APIServer.TLSFiles(
            certificatePath: pki.serverCertificate, privateKeyPath: pki.serverKey, clientCAPath: pki.caCertificate)
        try await SimHarness.with(configuration: APIServer.Configuration(bearerToken: "unused", tls: files)) { sim in
            let trusted = RawJSONClient(
                baseURL: sim.baseURL, configuration: try pki.httpClientConfiguration(presentingClientCertificate: true))
            let reply = try await trusted.request(.GET, "/version")
            await trusted.shutdown()
            #expect(reply.status == 200)

            let anonymous = RawJSONClient(
                baseURL: sim.baseURL,
                configuration: try pki.httpClientConfiguration(presentingClientCertificate: false), timeout: .seconds(5)
            )
            await #expect(throws: (any Error).self) { _ = try await anonymous.request(.GET, "/version") }
            await anonymous.shutdown()
        }
    }
}
