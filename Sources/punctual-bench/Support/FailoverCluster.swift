import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Synchronization

/// The processes of the failover benchmark: `punctual sim` and two `punctual controller`
/// replicas (slots `a` and `b`, each restarted as a fresh process after it is stopped), plus the
/// HTTP clients the benchmark observes them with.
final class FailoverCluster {
    static let namespace = "default"
    static let leaseName = "punctual-controller"
    static let slots = ["a", "b"]

    let directory: URL
    let punctual: URL
    let sim: FailoverChild
    let server: URL
    let api: RawJSONClient
    let kubeconfig: URL
    let electionArguments: [String]
    private(set) var controllers: [String: FailoverChild] = [:]
    private var probes: [String: RawJSONClient] = [:]
    private var probePorts: [String: Int] = [:]
    private var starts: [String: Int] = [:]

    /// Starts the simulator and waits for its URL.
    init(punctual: URL, electionArguments: [String]) async throws {
        self.punctual = punctual
        self.electionArguments = electionArguments
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("punctual-failover-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        let sim = try FailoverChild(
            name: "sim", executable: punctual, arguments: ["sim", "--port", "0", "--host", "127.0.0.1"],
            environment: [:], directory: directory)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        var found: URL?
        while found == nil && clock.now < deadline && sim.isRunning {
            let marker = "KubeSim listening on "
            if let line = sim.output.split(separator: "\n").first(where: { $0.contains(marker) }),
                let range = line.range(of: marker)
            {
                found = URL(string: String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces))
            } else {
                try await clock.sleep(for: .milliseconds(20))
            }
        }
        guard let found else {
            await sim.stop()
            throw FailoverError("punctual sim did not print its URL within 30 s:\n\(sim.output)")
        }
        self.sim = sim
        server = found
        api = RawJSONClient(baseURL: found)
        kubeconfig = directory.appendingPathComponent("kubeconfig.yaml")
        let config = """
            apiVersion: v1
            kind: Config
            clusters: [{name: sim, cluster: {server: "\(found.absoluteString)"}}]
            users: [{name: sim, user: {}}]
            contexts: [{name: sim, context: {cluster: sim, user: sim, namespace: \(Self.namespace)}}]
            current-context: sim
            """
        try config.write(to: kubeconfig, atomically: true, encoding: .utf8)
    }

    // MARK: - Cluster objects

    /// Installs the ScheduledTask CRD and the tier PriorityClasses (run pods name them; without
    /// them admission refuses every pod and each run ends Missed), and waits until the resource
    /// is served.
    func installDefinitions() async throws {
        let manifests = try PunctualDefinitions.manifests()
        let reply = try await api.request(
            .POST, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: manifests.definition)
        guard reply.status == 201 else {
            throw FailoverError("creating the CRD answered \(reply.status): \(reply.text)")
        }
        for priorityClass in manifests.priorityClasses {
            let reply = try await api.request(
                .POST, "/apis/scheduling.k8s.io/v1/priorityclasses", body: priorityClass)
            guard reply.status == 201 else {
                throw FailoverError("creating a PriorityClass answered \(reply.status): \(reply.text)")
            }
        }
        try await poll("ScheduledTasks are served", within: .seconds(10)) {
            try await self.api.request(.GET, "/apis/punctual.dev/v1alpha1/namespaces/\(Self.namespace)/scheduledtasks")
                .status == 200
        }
    }

    /// Creates a task and returns its uid.
    func create(task: JSONValue) async throws -> String {
        let reply = try await api.request(
            .POST, "/apis/punctual.dev/v1alpha1/namespaces/\(Self.namespace)/scheduledtasks", body: task)
        guard reply.status == 201, let uid = reply.body[path: ["metadata", "uid"]]?.stringValue else {
            throw FailoverError("creating a ScheduledTask answered \(reply.status): \(reply.text)")
        }
        return uid
    }

    /// Every Job of the namespace, as the API server has them.
    func jobs() async throws -> [Job] {
        let reply = try await api.request(.GET, "/apis/batch/v1/namespaces/\(Self.namespace)/jobs")
        guard reply.status == 200 else { throw FailoverError("listing Jobs answered \(reply.status): \(reply.text)") }
        return try (reply.body["items"]?.arrayValue ?? []).map { try $0.decode(as: Job.self) }
    }

    /// What each task's status says of its slots: task name → scheduled time → "phase (reason): message",
    /// so a slot without a Job can be reported with the controller's own account of it.
    func recordedRuns() async throws -> [String: [String: String]] {
        let reply = try await api.request(
            .GET, "/apis/punctual.dev/v1alpha1/namespaces/\(Self.namespace)/scheduledtasks")
        guard reply.status == 200 else {
            throw FailoverError("listing ScheduledTasks answered \(reply.status): \(reply.text)")
        }
        var recorded: [String: [String: String]] = [:]
        for task in reply.body["items"]?.arrayValue ?? [] {
            guard let name = task[path: ["metadata", "name"]]?.stringValue else { continue }
            for run in task[path: ["status", "runs"]]?.arrayValue ?? [] {
                guard let slot = run["scheduledTime"]?.stringValue else { continue }
                let phase = run["phase"]?.stringValue ?? "?"
                let reason = run["reason"]?.stringValue.map { " (\($0))" } ?? ""
                let message = run["message"]?.stringValue.map { ": \($0)" } ?? ""
                recorded[name, default: [:]][slot] = phase + reason + message
            }
        }
        return recorded
    }

    /// The lease holder's slot (`a` or `b`) and when it acquired the lease, from the Lease itself.
    func leaseHolder() async throws -> (slot: String, acquired: Date)? {
        let reply = try await api.request(
            .GET, "/apis/coordination.k8s.io/v1/namespaces/\(Self.namespace)/leases/\(Self.leaseName)")
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

    /// Starts a fresh controller process in `slot` (its POD_NAME names the slot and incarnation).
    func startController(_ slot: String) throws {
        starts[slot, default: 0] += 1
        let port = try probePorts[slot] ?? FailoverChild.freeLoopbackPort()
        probePorts[slot] = port
        if probes[slot] == nil {
            probes[slot] = RawJSONClient(baseURL: URL(string: "http://127.0.0.1:\(port)") ?? server)
        }
        let incarnation = "failover-\(slot)-\(starts[slot] ?? 1)"
        controllers[slot] = try FailoverChild(
            name: incarnation, executable: punctual,
            arguments: [
                "controller", "--kubeconfig", kubeconfig.path, "--namespace", Self.namespace,
                "--metrics-bind-address", "127.0.0.1:\(port)", "--log-level", "warning", "--qps", "1000",
                "--burst", "1000",
            ] + electionArguments,
            environment: ["POD_NAME": incarnation], directory: directory)
    }

    /// Whether the controller in `slot` answers /readyz with 200 (caches synced, election running).
    func isReady(_ slot: String) async -> Bool {
        guard controllers[slot]?.isRunning == true, let probe = probes[slot] else { return false }
        return (try? await probe.request(.GET, "/readyz").status) == 200
    }

    /// Stops everything and removes the temporary directory unless `keepLogs`.
    func shutdown(keepLogs: Bool) async {
        for controller in controllers.values { await controller.stop() }
        await sim.stop()
        for probe in probes.values { await probe.shutdown() }
        await api.shutdown()
        if !keepLogs { try? FileManager.default.removeItem(at: directory) }
    }

    /// Polls `condition` every 20 ms of real time, failing after `limit`.
    func poll(_ what: String, within limit: Duration, _ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while try await !condition() {
            guard clock.now < deadline else { throw FailoverError("timed out after \(limit) waiting until \(what)") }
            try await clock.sleep(for: .milliseconds(20))
        }
    }
}

/// When the benchmark first saw each Job (a watch on the namespace's Jobs).
final class JobArrivals: Sendable {
    private let seen = Mutex<[String: Date]>([:])

    /// Follows the Jobs until cancelled, reconnecting when a watch ends.
    func follow(_ api: RawJSONClient, namespace: String) async {
        var resourceVersion = ""
        while !Task.isCancelled {
            do {
                let query = resourceVersion.isEmpty ? "" : "&resourceVersion=\(resourceVersion)"
                let watch = try await api.watch("/apis/batch/v1/namespaces/\(namespace)/jobs?watch=1\(query)")
                for try await event in watch.events {
                    let now = Date()
                    if let version = event.object[path: ["metadata", "resourceVersion"]]?.stringValue {
                        resourceVersion = version
                    }
                    guard event.type == .added, let name = event.object[path: ["metadata", "name"]]?.stringValue
                    else { continue }
                    seen.withLock { if $0[name] == nil { $0[name] = now } }
                }
            } catch {
                // The stream broke or the version expired: list again from scratch.
                resourceVersion = ""
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// When the Job named `name` was first seen, if it was.
    func arrival(of name: String) -> Date? {
        seen.withLock { $0[name] }
    }
}
