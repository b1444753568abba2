import Foundation
import KubeClient
import PunctualTestSupport

/// A `punctual sim` child process with the Punctual definitions installed, a kubeconfig that
/// points at it, and a client to set the scene and observe the cluster with.
///
/// The benchmarks that need real processes (`failover`, `steady`) start one of these, then
/// ``ControllerProcess``es against ``kubeconfig``.
final class SimProcess {
    static let namespace = "default"

    /// Where the logs and the kubeconfig live.
    let directory: URL
    /// The `punctual` executable, also used for the controllers.
    let punctual: URL
    let child: ChildProcess
    let server: URL
    let api: RawJSONClient
    let kubeconfig: URL

    /// Starts `punctual sim` on a free loopback port with `arguments` added, and waits for its URL.
    init(punctual: URL, arguments: [String] = [], directoryPrefix: String) async throws {
        self.punctual = punctual
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(directoryPrefix)-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        let child = try ChildProcess(
            name: "sim", executable: punctual, arguments: ["sim", "--port", "0", "--host", "127.0.0.1"] + arguments,
            environment: [:], directory: directory)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        var found: URL?
        while found == nil && clock.now < deadline && child.isRunning {
            let marker = "KubeSim listening on "
            if let line = child.output.split(separator: "\n").first(where: { $0.contains(marker) }),
                let range = line.range(of: marker)
            {
                found = URL(string: String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces))
            } else {
                try await clock.sleep(for: .milliseconds(20))
            }
        }
        guard let found else {
            await child.stop()
            throw BenchProcessError("punctual sim did not print its URL within 30 s:\n\(child.output)")
        }
        self.child = child
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

    /// Creates the ScheduledTask CRD and the tier PriorityClasses, as `kubectl apply` would, and
    /// waits until ScheduledTasks are served.
    func installDefinitions() async throws {
        let manifests = try PunctualDefinitions.manifests()
        try await create(manifests.definition, at: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        for priorityClass in manifests.priorityClasses {
            try await create(priorityClass, at: "/apis/scheduling.k8s.io/v1/priorityclasses")
        }
        try await poll("ScheduledTasks are served", within: .seconds(10)) {
            try await self.api.request(.GET, "/apis/punctual.dev/v1alpha1/namespaces/\(Self.namespace)/scheduledtasks")
                .status == 200
        }
    }

    /// Creates a task and returns its uid.
    @discardableResult
    func create(task: JSONValue) async throws -> String {
        let reply = try await create(
            task, at: "/apis/punctual.dev/v1alpha1/namespaces/\(Self.namespace)/scheduledtasks")
        guard let uid = reply[path: ["metadata", "uid"]]?.stringValue else {
            throw BenchProcessError("the created ScheduledTask has no uid: \(reply)")
        }
        return uid
    }

    /// Creates `tasks` with `concurrency` requests in flight (loading thousands one by one is slow).
    func create(tasks: [JSONValue], concurrency: Int = 8) async throws {
        let next = SharedCounter()
        let api = api
        let path = "/apis/punctual.dev/v1alpha1/namespaces/\(Self.namespace)/scheduledtasks"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    while true {
                        let index = next.increment()
                        guard index < tasks.count else { return }
                        try await Self.create(tasks[index], at: path, with: api)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Every Job of the namespace, as the API server has them.
    func jobs() async throws -> [Job] {
        let reply = try await api.request(.GET, "/apis/batch/v1/namespaces/\(Self.namespace)/jobs")
        guard reply.status == 200 else {
            throw BenchProcessError("listing Jobs answered \(reply.status): \(reply.text)")
        }
        return try (reply.body["items"]?.arrayValue ?? []).map { try $0.decode(as: Job.self) }
    }

    /// What each task's status says of its slots: task name → scheduled time → "phase (reason): message",
    /// so a slot without a Job can be reported with the controller's own account of it.
    func recordedRuns() async throws -> [String: [String: String]] {
        let reply = try await api.request(
            .GET, "/apis/punctual.dev/v1alpha1/namespaces/\(Self.namespace)/scheduledtasks")
        guard reply.status == 200 else {
            throw BenchProcessError("listing ScheduledTasks answered \(reply.status): \(reply.text)")
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

    /// Stops the simulator and closes the client; removes the directory unless `keepLogs`.
    func shutdown(keepLogs: Bool) async {
        await child.stop()
        await api.shutdown()
        if !keepLogs { try? FileManager.default.removeItem(at: directory) }
    }

    /// Polls `condition` every 20 ms of real time, failing after `limit`.
    func poll(_ what: String, within limit: Duration, _ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while try await !condition() {
            guard clock.now < deadline else {
                throw BenchProcessError("timed out after \(limit) waiting until \(what)")
            }
            try await clock.sleep(for: .milliseconds(20))
        }
    }

    // MARK: - Helpers

    @discardableResult
    private func create(_ object: JSONValue, at path: String) async throws -> JSONValue {
        try await Self.create(object, at: path, with: api)
    }

    @discardableResult
    private static func create(_ object: JSONValue, at path: String, with api: RawJSONClient) async throws
        -> JSONValue
    {
        let reply = try await api.request(.POST, path, body: object)
        guard reply.status == 201 else {
            let name = object[path: ["metadata", "name"]]?.stringValue ?? "?"
            throw BenchProcessError("creating \(name) at \(path) answered \(reply.status): \(reply.text)")
        }
        return reply.body
    }

}
