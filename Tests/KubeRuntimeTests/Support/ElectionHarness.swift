import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Logging
import MetricsTestKit
import Synchronization

/// A record of when each candidate's leader work started and stopped, in virtual time.
final class LeadershipTimeline: Sendable {
    struct Entry: Equatable, Sendable {
        enum Kind: Sendable { case started, stopped }
        let candidate: String
        let kind: Kind
        let at: Date
    }

    private let entries = Mutex<[Entry]>([])

    func record(_ candidate: String, _ kind: Entry.Kind, at: Date) {
        entries.withLock { $0.append(Entry(candidate: candidate, kind: kind, at: at)) }
    }

    var all: [Entry] { entries.withLock { $0 } }

    func starts(of candidate: String? = nil) -> [Entry] {
        all.filter { $0.kind == .started && (candidate == nil || $0.candidate == candidate) }
    }

    func stops(of candidate: String) -> [Entry] {
        all.filter { $0.kind == .stopped && $0.candidate == candidate }
    }

    /// The candidates whose work is running now.
    var leading: [String] {
        var running: [String] = []
        for entry in all {
            switch entry.kind {
            case .started: running.append(entry.candidate)
            case .stopped: running.removeAll { $0 == entry.candidate }
            }
        }
        return running
    }
}

/// One candidate of an election test: its own lock handle (so faults hit only it), its elector
/// and the task running it.
final class Candidate: Sendable {
    let name: String
    let lock: InMemoryLeaseLock
    let elector: LeaderElector
    let task: Task<LeaderElectionOutcome, any Error>

    init(
        name: String,
        store: InMemoryLeaseStore,
        clock: ManualClock,
        timeline: LeadershipTimeline,
        metrics: TestMetrics = TestMetrics(),
        policy: LeaderElectionConfig.LostLeadershipPolicy = .exit
    ) throws {
        self.name = name
        let lock = InMemoryLeaseLock(store: store)
        self.lock = lock
        (elector, task) = try startCandidate(
            name: name,
            lock: lock,
            clock: clock,
            timeline: timeline,
            metrics: metrics,
            policy: policy
        )
    }

    /// A crash: the process vanishes without releasing anything.
    func kill() {
        lock.setReachability(.failing)
        task.cancel()
    }
}

/// Starts an elector for `name` on `lock` whose leader work records itself in `timeline` and
/// runs until cancelled.
func startCandidate(
    name: String,
    lock: any LeaseLock,
    clock: ManualClock,
    timeline: LeadershipTimeline,
    metrics: TestMetrics = TestMetrics(),
    policy: LeaderElectionConfig.LostLeadershipPolicy = .exit,
    releaseOnCancel: Bool = true
) throws -> (LeaderElector, Task<LeaderElectionOutcome, any Error>) {
    let config = try LeaderElectionConfig(
        lockNamespace: "default",
        lockName: "punctual-test",
        identity: name,
        releaseOnCancel: releaseOnCancel,
        onLostLeadership: policy
    )
    var logger = Logger(label: "test.election")
    logger.logLevel = .critical
    let elector = LeaderElector(config: config, lock: lock, clock: clock, logger: logger, metricsFactory: metrics)
    let task = Task {
        try await elector.run {
            timeline.record(name, .started, at: clock.currentDate)
            await suspendUntilCancelled()
            timeline.record(name, .stopped, at: clock.currentDate)
        }
    }
    return (elector, task)
}

/// The candidates a test started, for helpers that wait on all of them.
final class StartedCandidates: Sendable {
    private let candidates = Mutex<[Candidate]>([])

    func add(_ candidate: Candidate) { candidates.withLock { $0.append(candidate) } }

    var all: [Candidate] { candidates.withLock { $0 } }
}

/// A clock over a ``ManualClock`` that can starve its sleepers: while starved, a sleep that
/// ends stays suspended until ``feed()`` (or cancellation), as the tasks of a process short of CPU
/// do, while `now` keeps moving with the base clock.
final class StarvableClock: WallClock, Sendable {
    let base: ManualClock
    /// Starved sleepers wait on this clock for the instant of their famine's end.
    private let hunger = ManualClock(start: Date(timeIntervalSince1970: 0))
    private let famine = Mutex<(isStarved: Bool, number: Int64)>((false, 0))

    init(base: ManualClock) { self.base = base }

    var now: WallInstant { base.now }
    var minimumResolution: Swift.Duration { base.minimumResolution }

    func sleep(until deadline: WallInstant, tolerance: Swift.Duration?) async throws {
        try await base.sleep(until: deadline, tolerance: tolerance)
        let (isStarved, number) = famine.withLock { $0 }
        guard isStarved else { return }
        try await hunger.sleep(until: end(of: number), tolerance: nil)
    }

    /// From now on, sleeps that end do not resume.
    func starve() { famine.withLock { $0 = (true, $0.number + 1) } }

    /// Resumes the starved sleepers, and lets later sleeps end normally.
    func feed() {
        let number = famine.withLock { famine in
            famine.isStarved = false
            return famine.number
        }
        hunger.advance(to: end(of: number))
    }

    private func end(of famine: Int64) -> WallInstant {
        WallInstant(Date(timeIntervalSince1970: TimeInterval(famine)))
    }
}
