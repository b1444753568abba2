import Foundation
import KubeClient
import PunctualController

/// The processes of the failover benchmark: `punctual sim` and two `punctual controller`
/// replicas (slots `a` and `b`, each restarted as a fresh process after it is stopped).
final class FailoverCluster {
    static let leaseName = "punctual-controller"
    static let slots = ["a", "b"]

    let sim: SimProcess
    let electionArguments: [String]
    private(set) var controllers: [String: ControllerProcess] = [:]
    private var probePorts: [String: Int] = [:]
    private var starts: [String: Int] = [:]

    /// Starts the simulator and waits for its URL.
    init(punctual: URL, electionArguments: [String]) async throws {
        self.electionArguments = electionArguments
        sim = try await SimProcess(punctual: punctual, directoryPrefix: "punctual-failover")
    }

    // MARK: - Cluster objects

    /// The lease holder's slot (`a` or `b`) and when it acquired the lease, from the Lease itself.
    func leaseHolder() async throws -> (slot: String, acquired: Date)? {
        let reply = try await sim.api.request(
            .GET, "/apis/coordination.k8s.io/v1/namespaces/\(SimProcess.namespace)/leases/\(Self.leaseName)")
        guard reply.status == 200, let holder = reply.body[path: ["spec", "holderIdentity"]]?.stringValue,
            let acquired = reply.body[path: ["spec", "acquireTime"]]?.stringValue.flatMap(KubeTime.parse),
            let slot = Self.slot(ofIdentity: holder)
        else { return nil }
        return (slot, acquired)
    }

    /// `a` for the identity `failover-a-3_0123456789ab`.
    static func slot(ofIdentity identity: String) -> String? {
        let pod = identity.split(separator: "_").first.map(String.init) ?? ""
        return slots.first { pod.hasPrefix("failover-\($0)-") }
    }

    // MARK: - Controllers

    /// Starts a fresh controller process in `slot` (its POD_NAME names the slot and incarnation)
    /// on the slot's probe port, closing the client of the process it replaces.
    func startController(_ slot: String) async throws {
        starts[slot, default: 0] += 1
        await controllers[slot]?.close()
        let controller = try ControllerProcess(
            sim: sim, name: "failover-\(slot)-\(starts[slot] ?? 1)", port: probePorts[slot],
            arguments: ["--qps", "1000", "--burst", "1000"] + electionArguments)
        probePorts[slot] = controller.port
        controllers[slot] = controller
    }

    /// Whether the controller in `slot` answers /readyz with 200 (caches synced, election running).
    func isReady(_ slot: String) async -> Bool {
        await controllers[slot]?.isReady() ?? false
    }

    /// Stops everything and removes the temporary directory unless `keepLogs`.
    func shutdown(keepLogs: Bool) async {
        for controller in controllers.values { await controller.stop() }
        await sim.shutdown(keepLogs: keepLogs)
    }
}
