import KubeClient
import Synchronization

/// Counts the controller's HTTP attempts by verb and resource, as a ``RequestObserver`` on its client.
///
/// Every attempt counts, retries included (a retried request costs the API server twice).
final class RequestTally: RequestObserver {
    private let counts = Mutex<[String: Int]>([:])
    private let lastRequest = Mutex<ContinuousClock.Instant>(.now)

    func record(_ record: RequestRecord) {
        counts.withLock { $0["\(record.verb.rawValue) \(record.resource.plural)", default: 0] += 1 }
        lastRequest.withLock { $0 = .now }
    }

    /// Attempts so far, by verb and resource (`create jobs`, `update scheduledtasks`...).
    var byKind: [String: Int] { counts.withLock { $0 } }

    /// Attempts so far.
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }

    /// Starts counting from zero.
    func reset() {
        counts.withLock { $0 = [:] }
    }

    /// Waits (real time) until no request has been made for `quiet`, or `limit` has passed.
    func waitUntilQuiet(for quiet: Duration = .milliseconds(500), limit: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            let last = lastRequest.withLock { $0 }
            if last.duration(to: .now) >= quiet { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
