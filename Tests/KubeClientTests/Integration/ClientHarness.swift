import Foundation
import KubeClient
import KubeSim
import Logging
import PunctualTestSupport
import Synchronization
import Testing

/// An in-process KubeSim on 127.0.0.1 and a KubeClient talking to it over real HTTP, built on
/// PunctualTestSupport's `SimHarness.withClient`, with a recorded request log.
///
/// The server and the client each run on their own manual clock: the client's only sleepers
/// are its retry and rate-limit waits, so a test sees exactly how long the client chose to
/// wait (backoff, Retry-After) and moves on without real waiting.
struct ClientHarness {
    static let start = Date(timeIntervalSince1970: 1_772_953_200)

    let serverClock: ManualClock
    let clientClock: ManualClock
    let server: APIServer
    let client: KubeClient
    let url: URL
    let requests: RecordedRequests

    /// Runs `body` against a fresh server and client, stopping both afterwards.
    @discardableResult
    static func with<T: Sendable>(
        server serverConfiguration: APIServer.Configuration = APIServer.Configuration(),
        configure: (inout ClientConfiguration) -> Void = { _ in },
        _ body: (ClientHarness) async throws -> T
    ) async throws -> T {
        let serverClock = ManualClock(start: start)
        let clientClock = ManualClock(start: start)
        let requests = RecordedRequests()
        let retryPolicy = try RetryPolicy(
            maxAttempts: 4, initialBackoff: .milliseconds(100), maxBackoff: .seconds(2), jitter: 0,
            maxRetryAfter: .seconds(60))
        let defaults: (inout ClientConfiguration) -> Void = { configuration in
            configuration.requestTimeout = .seconds(10)
            configuration.connectTimeout = .seconds(2)
            configuration.qps = 10_000
            configuration.burst = 10_000
            configuration.retryPolicy = retryPolicy
            configure(&configuration)
        }
        return try await SimHarness.withClient(
            clock: serverClock, clientClock: clientClock, configuration: serverConfiguration, configure: defaults,
            observer: requests, logger: Logger(label: "client")
        ) { sim, client in
            try await body(
                ClientHarness(
                    serverClock: serverClock, clientClock: clientClock, server: sim.server, client: client,
                    url: sim.baseURL, requests: requests))
        }
    }

    /// Runs `operation`, advancing the client clock past every wait the client starts, and
    /// returns the result with the waits in order. `onWait` runs before each advance (e.g. to
    /// move the server's clock too).
    func drivingClock<T: Sendable>(
        onWait: (Duration) -> Void = { _ in },
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> (result: T, waits: [Duration]) {
        let isDone = Mutex(false)
        let task = Task {
            defer { isDone.withLock { $0 = true } }
            return try await operation()
        }
        var waits: [Duration] = []
        // Bounded: at most ~20 s of real time in 1 ms steps, for the HTTP round trips.
        for _ in 0..<20_000 {
            if isDone.withLock({ $0 }) { break }
            if let deadline = clientClock.nextDeadline {
                // Whole milliseconds: instants are dates, so differences carry float noise.
                let wait = Duration.milliseconds(
                    Int64((clientClock.now.duration(to: deadline).timeInterval * 1000).rounded()))
                waits.append(wait)
                onWait(wait)
                clientClock.advance(to: deadline)
                continue
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        if !isDone.withLock({ $0 }) { task.cancel() }
        return (try await task.value, waits)
    }
}

/// Every HTTP attempt the client made, from its ``RequestObserver`` hook.
final class RecordedRequests: RequestObserver {
    private let storage = Mutex<[RequestRecord]>([])

    func record(_ record: RequestRecord) { storage.withLock { $0.append(record) } }

    var all: [RequestRecord] { storage.withLock { $0 } }

    /// The status codes of the attempts with this verb (`nil` for connection failures).
    func codes(_ verb: KubeVerb) -> [Int?] { all.filter { $0.verb == verb }.map(\.statusCode) }

    func reset() { storage.withLock { $0 = [] } }
}
