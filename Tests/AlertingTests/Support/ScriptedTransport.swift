import Foundation
import KubeClient
import Synchronization

@testable import Alerting

/// A transport that answers from a script and records each request with the clock's time.
final class ScriptedTransport: AlertTransport {
    enum Step: Sendable {
        case status(Int, String = "")
        case timeout
        case connectionRefused
    }

    struct Call: Sendable {
        var request: OutgoingRequest
        var at: Date
    }

    private let clock: any WallClock
    private let state: Mutex<(script: [Step], calls: [Call])>

    init(clock: any WallClock, script: [Step]) {
        self.clock = clock
        state = Mutex((script, []))
    }

    var calls: [Call] { state.withLock { $0.calls } }

    func send(_ request: OutgoingRequest, timeout: Duration) async throws(AlertingError) -> TransportResponse {
        let step: Step = state.withLock { state in
            state.calls.append(Call(request: request, at: clock.currentDate))
            return state.script.isEmpty ? .status(200) : state.script.removeFirst()
        }
        switch step {
        case .status(let code, let body): return TransportResponse(status: code, body: body)
        case .timeout: throw AlertingError(.timeout, receiver: "scripted", detail: "no answer within \(timeout)")
        case .connectionRefused: throw AlertingError(.connection, receiver: "scripted", detail: "connection refused")
        }
    }
}

/// Waits (in real time, briefly and bounded) until `condition` holds.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), _ condition: @Sendable () -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            throw WaitTimeout(description: "timed out waiting until \(what)")
        }
        try await Task.sleep(for: .milliseconds(2))
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    var description: String
}
