import Foundation
import Hummingbird
import KubeClient

// MARK: - /sim: the fault-injection endpoints

extension APIServer {
    /// Serves `/sim/faults[/...]`; see ``FaultInjector`` for the endpoints and their bodies.
    func simulatorEndpoint(_ segments: [String], request: inout Request) async throws -> Response {
        guard segments.first == "faults" else { throw Status.pathNotFound(request.uri.path) }
        let action = segments.dropFirst().first
        switch (request.method, action) {
        case (.get, nil):
            return Self.json(faults.snapshot())
        case (.delete, nil):
            faults.reset()
            return Self.json(faults.snapshot())
        case (.post, "fail"):
            let body = try await Self.body(of: &request, limit: configuration.maxBodyBytes)
            let rule: FaultInjector.FailureRule
            do {
                rule = try body.decode()
            } catch {
                throw Status.badRequest(
                    "expected {\"verb\"?, \"resource\"?, \"count\", \"code\", \"retryAfterSeconds\"?, "
                        + "\"message\"?}: \(error)")
            }
            guard (400...599).contains(rule.code), rule.count > 0 else {
                throw Status.badRequest("code must be an HTTP error status (400-599) and count positive")
            }
            faults.fail(rule)
        case (.post, "latency"):
            let body = try await Self.body(of: &request, limit: configuration.maxBodyBytes)
            guard let milliseconds = body["milliseconds"]?.intValue, milliseconds >= 0 else {
                throw Status.badRequest("expected {\"milliseconds\": N} with N ≥ 0")
            }
            faults.setLatency(.milliseconds(milliseconds))
        case (.post, "unavailable"):
            let body = try await Self.body(of: &request, limit: configuration.maxBodyBytes)
            guard let seconds = body["seconds"]?.doubleValue, seconds >= 0 else {
                throw Status.badRequest("expected {\"seconds\": N} with N ≥ 0")
            }
            faults.makeUnavailable(for: .seconds(seconds))
        case (.post, "close-watches"):
            faults.closeAllWatches()
        case (.post, "compact"):
            faults.compactHistory()
        default:
            throw Status.pathNotFound(request.uri.path)
        }
        return Self.json(faults.snapshot())
    }
}
