import Foundation
import KubeClient
import KubeRuntime
import KubeSim
import Logging
import MetricsTestKit
import PunctualTestSupport
import Testing

@Suite struct LeaderElectorTests {
    let clock = ManualClock(start: testEpoch)
    let store = InMemoryLeaseStore(lockDescription: "default/punctual-test")
    let timeline = LeadershipTimeline()
    let started = StartedCandidates()

    /// Starts candidates one after the other, so the first one acquires the free lease.
    func start(_ names: [String], policy: LeaderElectionConfig.LostLeadershipPolicy = .exit) async throws -> [Candidate]
    {
        var candidates: [Candidate] = []
        for name in names {
            let candidate = try Candidate(name: name, store: store, clock: clock, timeline: timeline, policy: policy)
            candidates.append(candidate)
            started.add(candidate)
            await settle(clock)
        }
        return candidates
    }

    /// Moves virtual time to `target` one wake-up at a time. After each step it waits until the
    /// system is quiet and every standby with a working watch has seen the current record, so
    /// observations happen at the instant of the change they observe, as in real time.
    func advance(until target: WallInstant) async {
        while true {
            await settleWithObservations()
            guard let next = clock.nextDeadline, next <= target else { break }
            clock.advance(to: next)
        }
        clock.advance(to: target)
        await settleWithObservations()
    }

    private func settleWithObservations() async {
        await settle(clock)
        let caughtUp = await eventually {
            let current = store.current
            return started.all.allSatisfy { !$0.elector.isWatchingLease || $0.elector.observedRecord == current }
        }
        if !caughtUp { Issue.record("a watching standby never observed \(store.current as Any)") }
        await settle(clock)
    }

    /// The instant of the leader's last renewal (its renewTime is written on the shared clock).
    var lastRenewal: Date? { store.current?.record.renewTime }

    func at(_ date: Date, plus seconds: Double) -> WallInstant {
        WallInstant(date.addingTimeInterval(seconds))
    }

    // MARK: - Failover

    enum Fault: Sendable {
        case killed, partitioned, released
    }

    struct FailoverCase: CustomTestStringConvertible, Sendable {
        let name: String
        let candidates: [String]
        let fault: Fault
        /// When the old leader's work stops, in seconds after its last successful renewal.
        let oldLeaderStops: Double
        /// When a standby's work starts, in seconds after that renewal.
        let takeoverAt: Double
        let oldLeaderOutcome: LeaderElectionOutcome?
        var testDescription: String { name }
    }

    static let failoverCases: [FailoverCase] = [
        FailoverCase(
            name: "two candidates, leader killed → standby takes over at exactly expiry",
            candidates: ["a", "b"], fault: .killed, oldLeaderStops: 1, takeoverAt: 15, oldLeaderOutcome: nil
        ),
        FailoverCase(
            name: "three candidates, leader killed → one standby takes over at exactly expiry",
            candidates: ["a", "b", "c"], fault: .killed, oldLeaderStops: 1, takeoverAt: 15, oldLeaderOutcome: nil
        ),
        FailoverCase(
            name: "leader partitioned → stops at renewDeadline, before the lease expires for others",
            candidates: ["a", "b", "c"], fault: .partitioned, oldLeaderStops: 10, takeoverAt: 15,
            oldLeaderOutcome: .lostLeadership
        ),
        FailoverCase(
            name: "graceful release → standby takes over at once",
            candidates: ["a", "b"], fault: .released, oldLeaderStops: 1, takeoverAt: 1, oldLeaderOutcome: .stopped
        ),
    ]

    @Test(arguments: failoverCases)
    func failover(_ testCase: FailoverCase) async throws {
        let candidates = try await start(testCase.candidates)
        let leader = try #require(candidates.first)
        #expect(timeline.leading == [leader.name])
        #expect(leader.elector.isLeader)

        // A few quiet renewals: nobody else leads, the record stays with the first candidate.
        await advance(until: clock.now.advanced(by: .seconds(31)))
        #expect(timeline.leading == [leader.name])
        #expect(timeline.starts().count == 1)
        let renewal = try #require(lastRenewal)
        #expect(store.current?.record.holderIdentity == leader.name)

        await advance(until: at(renewal, plus: 1))
        switch testCase.fault {
        case .killed: leader.kill()
        case .partitioned: leader.lock.setReachability(.failing)
        case .released: leader.task.cancel()
        }

        // Just before the expected takeover nobody else leads...
        if testCase.takeoverAt - 0.001 > 1 {
            await advance(until: at(renewal, plus: testCase.takeoverAt - 0.001))
            #expect(timeline.starts().count == 1, "a standby took over early")
        }
        // ...and at the instant itself exactly one standby does.
        await advance(until: at(renewal, plus: testCase.takeoverAt))
        let takeover = try #require(await eventuallyStarted(count: 2))
        #expect(takeover.at == renewal.addingTimeInterval(testCase.takeoverAt))
        #expect(takeover.candidate != leader.name)

        let stop = try #require(timeline.stops(of: leader.name).first)
        #expect(stop.at == renewal.addingTimeInterval(testCase.oldLeaderStops))
        #expect(stop.at <= takeover.at)
        #expect(store.current?.record.holderIdentity == takeover.candidate)
        #expect(store.current?.record.leaseTransitions == 1)

        if let expected = testCase.oldLeaderOutcome {
            #expect(try await leader.task.value == expected)
        }
        for candidate in candidates { candidate.task.cancel() }
    }

    func eventuallyStarted(count: Int) async -> LeadershipTimeline.Entry? {
        _ = await eventually { timeline.starts().count >= count }
        let starts = timeline.starts()
        return starts.count >= count ? starts[count - 1] : nil
    }

    // MARK: - Renewal faults

    struct ConflictCase: CustomTestStringConvertible, Sendable {
        let name: String
        let conflicts: Int
        let keepsLeading: Bool
        var testDescription: String { name }
    }

    static let conflictCases: [ConflictCase] = [
        ConflictCase(name: "one conflict → retried, still leading", conflicts: 1, keepsLeading: true),
        ConflictCase(
            name: "conflicts until just before the deadline → still leading", conflicts: 3, keepsLeading: true),
        ConflictCase(name: "conflicts past the renew deadline → leadership lost", conflicts: 5, keepsLeading: false),
    ]

    @Test(arguments: conflictCases)
    func conflictsDuringRenewal(_ testCase: ConflictCase) async throws {
        let candidates = try await start(["a", "b"])
        let leader = candidates[0]
        await advance(until: clock.now.advanced(by: .seconds(5)))
        let renewal = try #require(lastRenewal)
        await advance(until: at(renewal, plus: 1))
        leader.lock.injectConflicts(testCase.conflicts)
        await advance(until: at(renewal, plus: 14))
        if testCase.keepsLeading {
            #expect(timeline.leading == ["a"])
            #expect(leader.elector.isLeader)
            #expect(try #require(lastRenewal) > renewal)
        } else {
            #expect(timeline.leading.isEmpty)
            #expect(timeline.stops(of: "a").first?.at == renewal.addingTimeInterval(10))
            #expect(try await leader.task.value == .lostLeadership)
            await advance(until: at(renewal, plus: 15))
            #expect(await eventually { timeline.leading == ["b"] })
        }
        for candidate in candidates { candidate.task.cancel() }
    }

    /// A renewal still in flight when the leader stops moves the Lease on, so the release meets a
    /// conflict: it reads the Lease again and, still the holder, releases it at the new version.
    @Test func releaseAfterAConflictStillHandsOverAtOnce() async throws {
        let candidates = try await start(["a", "b"])
        let leader = candidates[0]
        await advance(until: clock.now.advanced(by: .seconds(5)))
        let renewal = try #require(lastRenewal)
        await advance(until: at(renewal, plus: 1))
        leader.lock.injectConflicts(1)
        leader.task.cancel()
        _ = try await leader.task.value
        #expect(store.current?.record.holderIdentity == "")
        await advance(until: at(renewal, plus: 1.5))
        #expect(await eventually { timeline.leading == ["b"] })
        for candidate in candidates { candidate.task.cancel() }
    }

    @Test func lockUnreachableLongerThanRenewDeadline() async throws {
        let candidates = try await start(["a", "b"], policy: .returnToCandidacy)
        await advance(until: clock.now.advanced(by: .seconds(5)))
        let renewal = try #require(lastRenewal)
        await advance(until: at(renewal, plus: 1))
        for candidate in candidates { candidate.lock.setReachability(.hanging) }

        await advance(until: at(renewal, plus: 10))
        #expect(await eventually { timeline.leading.isEmpty })
        #expect(timeline.stops(of: "a").first?.at == renewal.addingTimeInterval(10))
        #expect(candidates.allSatisfy { !$0.elector.isLeader })

        // Nobody may lead while the lock is unreachable, however long that lasts.
        await advance(until: at(renewal, plus: 60))
        #expect(timeline.starts().count == 1)

        for candidate in candidates { candidate.lock.setReachability(.reachable) }
        await advance(until: at(renewal, plus: 60 + 2))
        #expect(await eventually { timeline.leading.count == 1 })
        #expect(candidates.filter(\.elector.isLeader).count == 1)
        for candidate in candidates { candidate.task.cancel() }
    }

    @Test func standbyWatchesInsteadOfPollingAndPollsWhenTheWatchBreaks() async throws {
        let candidates = try await start(["a", "b"])
        let standby = candidates[1]
        let requestsAfterStart = standby.lock.requestCount

        // A minute of renewals every 2 s: the standby only watches.
        await advance(until: clock.now.advanced(by: .seconds(60)))
        #expect(standby.lock.requestCount == requestsAfterStart)
        #expect(standby.elector.observedHolder == "a")

        // Its watches fail for 20 s (it can still read): it polls every retryPeriod meanwhile.
        standby.lock.setReachability(.watchesFailing)
        let broken = clock.now
        await advance(until: broken.advanced(by: .seconds(20)))
        let polls = standby.lock.requestCount - requestsAfterStart
        #expect((9...11).contains(polls), "expected a poll every 2 s, got \(polls) in 20 s")

        // Once the watch is back, polling stops again.
        standby.lock.setReachability(.reachable)
        await advance(until: broken.advanced(by: .seconds(30)))
        let afterRecovery = standby.lock.requestCount
        await advance(until: broken.advanced(by: .seconds(90)))
        #expect(standby.lock.requestCount == afterRecovery)
        #expect(timeline.leading == ["a"])
        for candidate in candidates { candidate.task.cancel() }
    }

    /// A process short of CPU runs its leader work before its renew loop: the loop has not seen the
    /// missed deadline, so `isLeader` still holds, but the work must not write any more.
    @Test func aStarvedLeaderStopsHoldingACurrentLeaseAtTheRenewDeadline() async throws {
        let starving = StarvableClock(base: clock)
        var logger = Logger(label: "test.election")
        logger.logLevel = .critical
        let elector = LeaderElector(
            config: try LeaderElectionConfig(lockNamespace: "default", lockName: "punctual-test", identity: "a"),
            lock: InMemoryLeaseLock(store: store), clock: starving, logger: logger)
        let task = Task { try await elector.run { await suspendUntilCancelled() } }
        #expect(await eventually { elector.isLeader })
        #expect(elector.holdsCurrentLease)
        let renewal = try #require(lastRenewal)

        starving.starve()
        clock.advance(to: at(renewal, plus: 9.9))
        #expect(elector.holdsCurrentLease, "within the renew deadline")
        clock.advance(to: at(renewal, plus: 10))
        #expect(elector.isLeader, "the starved renew loop has not noticed yet")
        #expect(!elector.holdsCurrentLease, "the renew deadline passed")
        #expect(store.current?.record.renewTime == renewal, "no renewal happened while starved")

        starving.feed()
        task.cancel()
        _ = try await task.value
        #expect(!elector.holdsCurrentLease)
    }

    @Test func leaderGaugeFollowsLeadership() async throws {
        let metrics = TestMetrics()
        let candidate = try Candidate(name: "a", store: store, clock: clock, timeline: timeline, metrics: metrics)
        started.add(candidate)
        #expect(await eventually { candidate.elector.isLeader })
        let gauge = try metrics.expectGauge("leader", [("name", "punctual-test")])
        #expect(gauge.lastValue == 1)
        candidate.task.cancel()
        #expect(try await candidate.task.value == .stopped)
        #expect(gauge.lastValue == 0)
        #expect(store.current?.record.holderIdentity == "")
        #expect(store.current?.record.leaseDurationSeconds == 1)
    }

    // MARK: - Configuration

    struct ConfigCase: CustomTestStringConvertible, Sendable {
        let name: String
        var namespace = "default"
        var lockName = "lease"
        var identity = "pod_1"
        var leaseDuration: Duration = .seconds(15)
        var renewDeadline: Duration = .seconds(10)
        var retryPeriod: Duration = .seconds(2)
        let expectedError: String?
        var testDescription: String { name }
    }

    static let configCases: [ConfigCase] = [
        ConfigCase(name: "client-go defaults are valid", expectedError: nil),
        ConfigCase(name: "empty identity", identity: "", expectedError: "identity: must not be empty"),
        ConfigCase(name: "empty lock name", lockName: "", expectedError: "lockName: must not be empty"),
        ConfigCase(name: "empty namespace", namespace: "", expectedError: "lockNamespace: must not be empty"),
        ConfigCase(
            name: "lease not longer than the renew deadline",
            leaseDuration: .seconds(10),
            expectedError: "leaseDuration: must be greater than renewDeadline (10s), got 10s"
        ),
        ConfigCase(
            name: "renew deadline without room for a jittered retry",
            renewDeadline: .seconds(2.4),
            expectedError: "renewDeadline: must be greater than retryPeriod × 1.2 (2.4s), got 2.4s"
        ),
        ConfigCase(
            name: "zero retry period",
            retryPeriod: .zero,
            expectedError: "retryPeriod: must be greater than zero, got 0s"
        ),
        ConfigCase(
            name: "negative lease duration",
            leaseDuration: .seconds(-1),
            expectedError: "leaseDuration: must be greater than zero, got -1s"
        ),
        ConfigCase(
            name: "fractional lease duration",
            leaseDuration: .seconds(15.5),
            expectedError:
                "leaseDuration: must be a whole number of seconds (Lease.spec.leaseDurationSeconds), got 15.5s"
        ),
    ]

    @Test(arguments: configCases)
    func configurationIsValidatedAtConstruction(_ testCase: ConfigCase) {
        let result = Result { () throws(LeaderElectionConfigError) in
            try LeaderElectionConfig(
                lockNamespace: testCase.namespace,
                lockName: testCase.lockName,
                identity: testCase.identity,
                leaseDuration: testCase.leaseDuration,
                renewDeadline: testCase.renewDeadline,
                retryPeriod: testCase.retryPeriod
            )
        }
        switch result {
        case .success:
            #expect(testCase.expectedError == nil)
        case .failure(let error):
            #expect("\(error.field): \(error.message)" == testCase.expectedError)
        }
    }

    // MARK: - Identity

    @Test func identityIsPodNamePlusRandomSuffix() {
        let first = LeaderElectionIdentity.make(environment: ["POD_NAME": "punctual-7f9c"], hostName: "node")
        let second = LeaderElectionIdentity.make(environment: ["POD_NAME": "punctual-7f9c"], hostName: "node")
        #expect(first.hasPrefix("punctual-7f9c_"))
        #expect(first.count == "punctual-7f9c_".count + 12)
        #expect(first != second)
        let outsidePod = LeaderElectionIdentity.make(environment: [:], hostName: "laptop")
        #expect(outsidePod.hasPrefix("laptop_"))
        var generator = SeededGenerator(seed: 7)
        var sameSeed = SeededGenerator(seed: 7)
        #expect(
            LeaderElectionIdentity.make(environment: [:], hostName: "h", using: &generator)
                == LeaderElectionIdentity.make(environment: [:], hostName: "h", using: &sameSeed)
        )
    }
}
