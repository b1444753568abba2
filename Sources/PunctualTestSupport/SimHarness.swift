import AsyncHTTPClient
import Foundation
import KubeClient
import KubeSim

/// A KubeSim server on a free loopback port plus a raw JSON HTTP client pointed at it.
///
/// ```swift
/// try await SimHarness.with(clock: clock) { sim in
///     let created = try await sim.request(.POST, "/api/v1/namespaces/default/configmaps", body: [...])
/// }
/// ```
/// The server is stopped and the client shut down when the body returns or throws.
public struct SimHarness: Sendable {
    public let server: APIServer
    public let baseURL: URL
    public let http: RawJSONClient

    /// The simulated store, for setting up state or asserting without HTTP.
    public var store: SimStore { server.store }

    /// Starts a server, runs `body`, and stops the server whatever happens.
    ///
    /// - Parameters:
    ///   - clock: the simulation clock (a `ManualClock` in tests where time matters).
    ///   - configuration: listening options; the port should stay 0 so parallel tests never collide.
    ///   - store: an existing store to serve, or `nil` for a fresh one on `clock`.
    public static func with<T: Sendable>(
        clock: any WallClock = ManualClock(start: Date(timeIntervalSince1970: 1_767_225_600)),
        configuration: APIServer.Configuration = APIServer.Configuration(),
        store: SimStore? = nil,
        _ body: (SimHarness) async throws -> T
    ) async throws -> T {
        let server = APIServer(store: store ?? SimStore(clock: clock), configuration: configuration)
        let url = try await server.start()
        let http = RawJSONClient(baseURL: url, bearerToken: configuration.bearerToken)
        let harness = SimHarness(server: server, baseURL: url, http: http)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(harness))
        } catch {
            result = .failure(error)
        }
        await http.shutdown()
        await server.stop()
        return try result.get()
    }

    /// Sends one request and returns the status and decoded JSON body (see ``RawJSONClient``).
    public func request(
        _ method: RawJSONClient.Method, _ path: String, body: JSONValue? = nil,
        contentType: String = "application/json",
        headers: [String: String] = [:]
    ) async throws -> RawJSONClient.Reply {
        try await http.request(method, path, body: body, contentType: contentType, headers: headers)
    }
}
