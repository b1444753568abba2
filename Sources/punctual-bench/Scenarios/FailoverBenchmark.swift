import ArgumentParser
import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `punctual-bench failover`: how long a leader change delays the next due Job, with real
/// processes: `punctual sim` and two `punctual controller` replicas on the system clock.
///
/// `--tasks` OnceOnly tasks run every minute with a 60 s jitter, so some Job falls due about every
/// `60 / tasks` seconds and each failover is measured on the next one. Each round waits for a
/// steady leader and a ready standby, stops the leader (kill -9 or SIGTERM, alternately), and
/// restarts it as a fresh process. Per round it records
///
/// - *takeover*: from the signal to the new leader's `acquireTime` in the Lease;
/// - *next Job*: how late the first Job due after the signal was: from its due instant (slot +
///   jitter) to the moment the benchmark's watch saw it.
///
/// At the end the Jobs themselves are counted: two Jobs for one (task, slot) is a duplicate, a due
/// slot without a Job is a lost OnceOnly slot; both must be zero.
struct FailoverBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Kill -9 and SIGTERM the leader repeatedly; time the next due Job; count duplicates and losses."
    )

    @Option(help: "Rounds of each kind (kill -9 and SIGTERM).")
    var rounds: Int = 20

    @Option(help: "Minutely OnceOnly tasks, spread over the minute by jitter.")
    var tasks: Int = 60

    @Option(help: "--lease-duration of the controllers.")
    var leaseDuration: String = "15s"

    @Option(help: "--renew-deadline of the controllers.")
    var renewDeadline: String = "10s"

    @Option(help: "--retry-period of the controllers.")
    var retryPeriod: String = "2s"

    @Flag(help: "Keep the processes' logs (their directory is printed).")
    var keepLogs = false

    @Flag(help: "Print a line per round on stderr.")
    var verbose = false

    enum Kind: String, Codable, CaseIterable {
        case kill = "kill -9"
        case term = "SIGTERM"

        var signal: Int32 { self == .kill ? SIGKILL : SIGTERM }
    }

    /// One failover.
    struct Round: Codable {
        var kind: Kind
        var takeoverSeconds: Double
        var nextJobSeconds: Double
        var job: String
    }

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        guard (1...1_000).contains(tasks) else { throw ValidationError("--tasks must be in 1...1000, got \(tasks)") }
    }

    func run() async throws {
        let punctual = try ProcessHarness.product(named: "punctual")
        let cluster = try await FailoverCluster(
            punctual: punctual,
            electionArguments: [
                "--lease-duration", leaseDuration, "--renew-deadline", renewDeadline, "--retry-period", retryPeriod,
            ])
        if keepLogs { log("logs in \(cluster.sim.directory.path)") }
        let arrivals = JobArrivals()
        let api = cluster.sim.api
        let outcome: Result<FailoverReport, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await arrivals.follow(api, namespace: SimProcess.namespace) }
            defer { group.cancelAll() }
            do {
                return .success(try await measure(cluster, arrivals: arrivals))
            } catch {
                return .failure(error)
            }
        }
        await cluster.shutdown(keepLogs: keepLogs)
        let report = try outcome.get()
        print(report.table)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
        if report.duplicateJobs > 0 || report.lostOnceOnlySlots > 0 || report.failedRounds > 0 {
            throw ExitCode.failure
        }
    }

    // MARK: - Measuring

    private func measure(_ cluster: FailoverCluster, arrivals: JobArrivals) async throws -> FailoverReport {
        try await cluster.sim.installDefinitions()
        var offsets: [String: TimeInterval] = [:]
        for index in 0..<tasks {
            let name = String(format: "failover-%04d", index)
            let uid = try await cluster.sim.create(task: Self.task(name))
            offsets[name] = Jitter.offset(seed: uid, jitterSeconds: 60)
        }
        let created = Date()
        for slot in FailoverCluster.slots { try await cluster.startController(slot) }
        let began = Date()
        var results: [Round] = []
        var failedRounds = 0
        let kinds = (0..<(2 * rounds)).map { $0 % 2 == 0 ? Kind.kill : Kind.term }
        for (index, kind) in kinds.enumerated() {
            do {
                let round = try await failover(
                    kind, cluster: cluster, arrivals: arrivals, offsets: offsets, created: created)
                results.append(round)
                if verbose {
                    log(
                        "round \(index + 1)/\(kinds.count) \(kind.rawValue): "
                            + "takeover \(String(format: "%.2f", round.takeoverSeconds)) s, "
                            + "next Job \(String(format: "%.2f", round.nextJobSeconds)) s (\(round.job))")
                }
            } catch {
                failedRounds += 1
                log("round \(index + 1) (\(kind.rawValue)) failed: \(error)")
            }
        }
        // Give the last leader time to create everything due, then count from the cluster.
        try await Task.sleep(for: .seconds(5))
        let ended = Date()
        let (duplicates, lost, checked) = try await count(
            cluster, offsets: offsets, from: began, to: ended.addingTimeInterval(-2))
        for slot in lost { log("lost: \(slot)") }
        return FailoverReport(
            rounds: results, tasks: tasks, leaseDuration: leaseDuration, failedRounds: failedRounds,
            duplicateJobs: duplicates, lostOnceOnlySlots: lost.count, slotsChecked: checked)
    }

    /// One round: a steady leader and a ready standby, the signal, the takeover, the restart.
    private func failover(
        _ kind: Kind, cluster: FailoverCluster, arrivals: JobArrivals, offsets: [String: TimeInterval],
        created: Date
    ) async throws -> Round {
        var leader = ""
        try await cluster.sim.poll("a steady leader and a ready standby", within: .seconds(120)) {
            guard let holder = try await cluster.leaseHolder(), Date().timeIntervalSince(holder.acquired) > 3 else {
                return false
            }
            leader = holder.slot
            for slot in FailoverCluster.slots {
                if await !cluster.isReady(slot) { return false }
            }
            return true
        }
        // Land anywhere between two due Jobs rather than right after a poll.
        try await Task.sleep(for: .milliseconds(Int.random(in: 0..<1_000)))
        let signalled = Date()
        cluster.controllers[leader]?.child.send(kind.signal)
        var acquired = signalled
        try await cluster.sim.poll("the standby took over", within: .seconds(120)) {
            guard let holder = try await cluster.leaseHolder(), holder.slot != leader else { return false }
            acquired = holder.acquired
            return true
        }
        let next = Self.nextDue(after: signalled, offsets: offsets, created: created)
        var seen: Date?
        try await cluster.sim.poll("the next due Job \(next.job) appeared", within: .seconds(120)) {
            seen = arrivals.arrival(of: next.job)
            return seen != nil
        }
        _ = await cluster.controllers[leader]?.child.waitForExit(within: .seconds(30))
        try await cluster.startController(leader)
        return Round(
            kind: kind, takeoverSeconds: acquired.timeIntervalSince(signalled),
            nextJobSeconds: max(0, (seen ?? next.due).timeIntervalSince(next.due)), job: next.job)
    }

    /// Duplicates and lost slots (named) among the slots due in `[from + 30 s, to]`, from the Jobs.
    private func count(
        _ cluster: FailoverCluster, offsets: [String: TimeInterval], from: Date, to: Date
    ) async throws -> (duplicates: Int, lost: [String], checked: Int) {
        var perSlot: [String: Int] = [:]
        for job in try await cluster.sim.jobs() {
            guard let task = job.metadata.labels?[ScheduledTask.taskLabel],
                let slot = job.metadata.annotations?[ScheduledTask.scheduledTimeAnnotation]
            else { continue }
            perSlot["\(task) \(slot)", default: 0] += 1
        }
        let duplicates = perSlot.values.map { $0 - 1 }.reduce(0, +)
        let recorded = try await cluster.sim.recordedRuns()
        var lost: [String] = []
        var checked = 0
        let first = (from.timeIntervalSince1970 / 60).rounded(.up) * 60
        for (task, offset) in offsets {
            var slot = Date(timeIntervalSince1970: first)
            while slot.addingTimeInterval(offset) <= to {
                if slot.addingTimeInterval(offset) >= from.addingTimeInterval(30) {
                    checked += 1
                    let name = KubeTime.format(slot)
                    if perSlot["\(task) \(name)"] == nil {
                        let status = recorded[task]?[name] ?? "no run in status"
                        lost.append(
                            "\(task) slot \(name) due \(KubeTime.formatMicro(slot.addingTimeInterval(offset))); \(status)"
                        )
                    }
                }
                slot = slot.addingTimeInterval(60)
            }
        }
        return (duplicates, lost, checked)
    }

    /// The first Job due at or after `instant`: its name and due instant (slot + jitter).
    /// Only slots after `created` count: a task has no slot before it existed.
    private static func nextDue(
        after instant: Date, offsets: [String: TimeInterval], created: Date
    ) -> (job: String, due: Date) {
        var best: (job: String, due: Date)?
        for (task, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            var minute = ((instant.timeIntervalSince1970 - offset) / 60).rounded(.up)
            if minute * 60 <= created.timeIntervalSince1970 { minute += 1 }
            let slot = Date(timeIntervalSince1970: minute * 60)
            let due = slot.addingTimeInterval(offset)
            if best.map({ due < $0.due }) ?? true { best = (JobNaming.name(task: task, slot: slot), due) }
        }
        return best ?? ("", instant)
    }

    /// A minutely OnceOnly task whose Jobs take a second and are all kept, so the Jobs themselves
    /// show every slot at the end.
    private static func task(_ name: String) -> JSONValue {
        [
            "apiVersion": "punctual.dev/v1alpha1", "kind": "ScheduledTask",
            "metadata": ["name": .string(name), "namespace": .string(SimProcess.namespace)],
            "spec": [
                "schedule": "* * * * *", "guarantee": "OnceOnly", "jitterSeconds": 60, "catchUpWindowSeconds": 600,
                "history": ["successfulJobsLimit": 10_000, "failedJobsLimit": 10_000],
                "jobTemplate": [
                    "spec": [
                        "template": [
                            "metadata": ["annotations": ["sim.punctual.dev/run-seconds": "1"]],
                            "spec": [
                                "restartPolicy": "Never",
                                "containers": [["name": "main", "image": "busybox:1.36"]],
                            ],
                        ]
                    ]
                ],
            ],
        ]
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data("\(line)\n".utf8))
    }
}
