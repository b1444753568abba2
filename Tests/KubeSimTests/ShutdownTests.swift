import AsyncHTTPClient
import Foundation
import KubeClient
import KubeSim
import PunctualTestSupport
import Testing

/// Stopping the server while watches are open.
@Suite struct ShutdownTests {
    static let configMaps = GroupResource(group: "", resource: "configmaps")

    /// A TLS watch whose client stopped reading holds the server's writes on a full socket; stopping
    /// must still end within the grace period instead of waiting on the client (or `timeoutSeconds`).
    @Test func stopEndsATLSWatchWhoseClientStoppedReading() async throws {
        let pki = try TestCertificates.generate()
        defer { pki.remove() }
        let configuration = APIServer.Configuration(
            tls: APIServer.TLSFiles(certificatePath: pki.serverCertificate, privateKeyPath: pki.serverKey),
            shutdownGracePeriod: .milliseconds(200))
        let server = APIServer(clock: Fixtures.clock(), configuration: configuration)
        let url = try await server.start()
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: try pki.httpClientConfiguration(presentingClientCertificate: false))
        let request = HTTPClientRequest(url: url.absoluteString + Fixtures.configMaps + "?watch=1&timeoutSeconds=3600")
        let response = try await client.execute(request, timeout: .seconds(10))
        #expect(response.status == .ok)
        // Far more than the socket buffers hold: the server's writes block while nobody reads.
        let payload = String(repeating: "x", count: 64 * 1024)
        for index in 0..<200 {
            try server.store.create(
                Self.configMaps, namespace: "default", object: Fixtures.configMap("big-\(index)", data: ["k": payload]))
        }

        let started = ContinuousClock.now
        let stoppedInTime = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await server.stop()
                return true
            }
            group.addTask {
                // Only reached when stopping hangs: closing the client unblocks the server so the test ends.
                try? await Task.sleep(for: .seconds(10))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if !first { try? await client.shutdown() }
            await group.waitForAll()
            return first
        }
        let elapsed = ContinuousClock.now - started
        try? await client.shutdown()
        #expect(stoppedInTime, "stop() waited on a watch whose client stopped reading")
        #expect(elapsed < .seconds(5), "stop() took \(elapsed)")
        withExtendedLifetime(response) {}  // the unread body stays open until the server is stopped
    }
}
