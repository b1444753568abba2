import Foundation
import PunctualTestSupport

/// A `punctual controller` child process against a ``SimProcess``, with a client for its probe
/// and metrics endpoint on a loopback port.
final class ControllerProcess {
    let child: ChildProcess
    /// The port of /metrics, /healthz and /readyz.
    let port: Int
    private let probe: RawJSONClient

    /// Starts `punctual controller` on `sim`'s kubeconfig and namespace, logging warnings only.
    ///
    /// - Parameters:
    ///   - name: the log file's name and the process's `POD_NAME` (its election identity).
    ///   - port: where the probe server listens; a free loopback port when `nil`.
    ///   - arguments: more flags (budget, workers, election timings).
    init(sim: SimProcess, name: String, port: Int? = nil, arguments: [String]) throws {
        let port = try port ?? LoopbackPort.free()
        self.port = port
        child = try ChildProcess(
            name: name, executable: sim.punctual,
            arguments: [
                "controller", "--kubeconfig", sim.kubeconfig.path, "--namespace", SimProcess.namespace,
                "--metrics-bind-address", "127.0.0.1:\(port)", "--log-level", "warning",
            ] + arguments,
            environment: ["POD_NAME": name], directory: sim.directory)
        probe = RawJSONClient(baseURL: URL(string: "http://127.0.0.1:\(port)") ?? sim.server)
    }

    /// Whether the controller answers /readyz with 200 (caches synced, election running).
    func isReady() async -> Bool {
        guard child.isRunning else { return false }
        return (try? await probe.request(.GET, "/readyz").status) == 200
    }

    /// The controller's /metrics, parsed.
    func metrics() async throws -> PrometheusText {
        let reply = try await probe.request(.GET, "/metrics")
        guard reply.status == 200 else {
            throw BenchProcessError("\(child.name) /metrics answered \(reply.status): \(reply.text)")
        }
        return PrometheusText(parsing: reply.text)
    }

    /// SIGTERM (then SIGKILL after the grace period) and closes the probe client.
    func stop() async {
        await child.stop()
        await probe.shutdown()
    }

    /// Closes the probe client of a process that already exited (or was killed).
    func close() async {
        await probe.shutdown()
    }
}
