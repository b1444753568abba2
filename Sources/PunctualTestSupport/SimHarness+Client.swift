import Foundation
import KubeClient
import KubeSim
import Logging

// MARK: - A typed client against the simulator

extension SimHarness {
    /// Starts a KubeSim and a typed ``KubeClient`` talking to it over real loopback HTTP, runs
    /// `body`, and shuts both down whatever happens.
    ///
    /// Every test target that exercises the client against the simulator uses this one helper, so
    /// start-up and shutdown order (client first, then server) is the same everywhere.
    ///
    /// - Parameters:
    ///   - clock: the server's clock (a `ManualClock` in tests where time matters).
    ///   - clientClock: the client's clock (its retry and rate-limit waits); `nil` shares `clock`.
    ///   - configuration: the server's listening options.
    ///   - configure: adjusts the client configuration, which starts as
    ///     `ClientConfiguration(server:)` with the server's URL.
    ///   - observer: sees every HTTP attempt the client makes.
    ///   - logger: the client's logger.
    public static func withClient<T: Sendable>(
        clock: any WallClock = ManualClock(start: Date(timeIntervalSince1970: 1_767_225_600)),
        clientClock: (any WallClock)? = nil,
        configuration: APIServer.Configuration = APIServer.Configuration(),
        configure: (inout ClientConfiguration) -> Void = { _ in },
        observer: (any RequestObserver)? = nil,
        logger: Logger = Logger(label: "test.kubeclient"),
        _ body: (SimHarness, KubeClient) async throws -> T
    ) async throws -> T {
        try await with(clock: clock, configuration: configuration) { sim in
            var clientConfiguration = ClientConfiguration(server: sim.baseURL)
            configure(&clientConfiguration)
            let client = try KubeClient(
                configuration: clientConfiguration, clock: clientClock ?? clock, logger: logger, observer: observer)
            let result: Result<T, any Error>
            do {
                result = .success(try await body(sim, client))
            } catch {
                result = .failure(error)
            }
            try await client.shutdown()
            return try result.get()
        }
    }
}
