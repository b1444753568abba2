import Foundation
import KubeClient
import KubeSim
import Logging
import Synchronization
import Testing

/// An in-process KubeSim on 127.0.0.1 and a KubeClient talking to it over real HTTP.
///
/// The server and the client each run on their own manual clock: the client's only sleepers
/// are its retry and rate-limit waits, so a test sees exactly how long the client chose to
/// wait (backoff, Retry-After) and moves on without real waiting.
struct SimHarness {
    static let start = Date(timeIntervalSince1970: 1_772_953_200)

    let serverClock: ManualClock
    let clientClock: ManualClock
    let server: APIServer
    let client: KubeClient
    let url: URL
    let requests: RecordedRequests

    /// Runs `body` against a fresh server and client, stopping both afterwards.
    @discardableResult
    static func with<T>(
        server serverConfiguration: APIServer.Configuration = APIServer.Configuration(),
        configure: (inout ClientConfiguration) -> Void = { _ in },
        _ body: (SimHarness) async throws -> T
    ) async throws -> T {
        let serverClock = ManualClock(start: start)
        let server = APIServer(clock: serverClock, configuration: serverConfiguration, logger: Logger(label: "sim"))
        let url = try await server.start()
        do {
            let clientClock = ManualClock(start: start)
            let requests = RecordedRequests()
            var configuration = ClientConfiguration(
                server: url, namespace: "default", requestTimeout: .seconds(10), connectTimeout: .seconds(2),
                qps: 10_000, burst: 10_000,
                retryPolicy: try RetryPolicy(
                    maxAttempts: 4, initialBackoff: .milliseconds(100), maxBackoff: .seconds(2), jitter: 0,
                    maxRetryAfter: .seconds(60)))
            configure(&configuration)
            let client = try KubeClient(
                configuration: configuration, clock: clientClock, logger: Logger(label: "client"), observer: requests)
            let harness = SimHarness(
                serverClock: serverClock, clientClock: clientClock, server: server, client: client, url: url,
                requests: requests)
            let result: Result<T, any Error>
            do {
                result = .success(try await body(harness))
            } catch {
                result = .failure(error)
            }
            try await client.shutdown()
            await server.stop()
            return try result.get()
        } catch {
            await server.stop()
            throw error
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
