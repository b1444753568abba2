import Alerting
import Foundation
import KubeClient
import KubeSim
import Logging
import MetricsTestKit
import Synchronization
import Testing

@testable import PunctualController

/// The alert dispatcher against KubeSim: Secrets, the ledger annotation, dedup across failovers.
@Suite(.serialized) struct AlertDispatcherTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_630)
    static let slot = Date(timeIntervalSince1970: 1_767_225_660)
    static let tasks = GroupResource(group: "punctual.dev", resource: "scheduledtasks")
    static let secrets = GroupResource(group: "", resource: "secrets")
    static let events = GroupResource(group: "", resource: "events")
    static let hookURL = "https://hooks.example.com/T000/B000/XXXXsecretpath"

    static let failed = PlannedAlert(
        kind: .failed, scheduledTime: slot, attempt: 1, job: "report-29453761", message: "exit code 1",
        reason: "BackoffLimitExceeded", consecutiveFailures: 1)

    /// A task whose only receiver is a webhook with its URL in Secret `alerts`, key `hook-url`.
    static func task(
        receivers: JSONValue = [["name": "ops", "webhook": ["urlSecretRef": ["name": "alerts", "key": "hook-url"]]]]
    )
        -> JSONValue
    {
        minutelyTask("report", extra: ["alerting": ["receivers": receivers]])
    }

    static func secret(_ data: [String: String]) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "alerts", "namespace": "default"],
            "data": .object(data.mapValues { .string(Data($0.utf8).base64EncodedString()) }),
        ]
    }

    /// A fresh dispatcher, as a new leader would start one: nothing in memory.
    static func dispatcher(
        _ world: ControllerWorld, transport: CountingTransport,
        configuration: AlertDispatcher.Configuration = AlertDispatcher.Configuration(),
        delivery: AlertDelivery.Configuration = AlertDelivery.Configuration()
    ) -> AlertDispatcher {
        var logger = Logger(label: "test.alerts")
        logger.logLevel = .critical
        return AlertDispatcher(
            client: world.client,
            delivery: AlertDelivery(
                configuration: delivery, transport: transport,
                addressGuard: AddressGuard(resolver: { _ in ["93.184.216.34"] }),
                clock: world.clock, logger: logger, metricsFactory: TestMetrics()),
            events: EventRecorder(client: world.client, clock: world.clock), clock: world.clock,
            configuration: configuration, logger: logger)
    }

    @Test("an alert recorded by a leader that died is sent once by the next, and never again after")
    func dedupAcrossFailover() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(Self.task())
            _ = try world.store.create(
                Self.secrets, namespace: "default", object: Self.secret(["hook-url": Self.hookURL]))
            let transport = CountingTransport()

            // Leader A records the alert (pending) and dies before its status is stored: the
            // delivery it held is never released.
            let leaderA = Self.dispatcher(world, transport: transport)
            try await leaderA.dispatch(Self.failed, for: try world.task("report"))
            let recorded = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(recorded.pending.map(\.receiver) == ["ops"])
            #expect(transport.count == 0)

            let leaderB = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await leaderB.delivery.run() }
                // Leader B's maintenance pass: the stored status does not record the run yet.
                await leaderB.maintain([try world.task("report")])
                try await world.settle()
                #expect(transport.count == 0, "the run is undecided: the alert waits")
                #expect(AlertLedger(annotations: try world.task("report").metadata.annotations) == recorded)
                // B's status recording the failure is stored: the next pass sends A's alert, once.
                try await Self.storeRun(.failed, in: world)
                await leaderB.maintain([try world.task("report")])
                await leaderB.maintain([try world.task("report")])
                try await world.eventually("the alert is delivered and recorded sent") {
                    let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
                    return transport.count == 1 && ledger.entries.map(\.state) == [.sent]
                }
                group.cancelAll()
            }

            // Leader C starts from the cluster: nothing to send, nothing to resend.
            let leaderC = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await leaderC.delivery.run() }
                try await leaderC.dispatch(Self.failed, for: try world.task("report"))
                await leaderC.maintain([try world.task("report")])
                try await world.settle()
                group.cancelAll()
            }
            #expect(transport.count == 1)
            let request = try #require(transport.requests.first)
            #expect(request.url.absoluteString == Self.hookURL)
            let annotations = try world.task("report").metadata.annotations ?? [:]
            #expect(!annotations.values.contains { $0.contains("secretpath") }, "the URL never reaches the task")
        }
    }

    struct SecretCase: CustomTestStringConvertible, Sendable {
        let name: String
        let secret: [String: String]?
        let problem: String?
        var testDescription: String { name }
    }

    static let secretCases: [SecretCase] = [
        SecretCase(
            name: "Secret missing → SecretNotFound naming Secret and key", secret: nil,
            problem: "SecretNotFound: Secret default/alerts (key hook-url) not found"),
        SecretCase(
            name: "key missing → SecretKeyNotFound naming Secret and key", secret: ["other": "x"],
            problem: "SecretKeyNotFound: Secret default/alerts has no key hook-url"),
        SecretCase(
            name: "value not a URL → InvalidURL naming the key", secret: ["hook-url": "not a url"],
            problem: "InvalidURL: key hook-url of Secret default/alerts does not hold a URL"),
        SecretCase(name: "Secret and key present → sent, no problem", secret: ["hook-url": hookURL], problem: nil),
    ]

    @Test(arguments: secretCases)
    func secretErrors(_ testCase: SecretCase) async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(Self.task())
            if let data = testCase.secret {
                _ = try world.store.create(Self.secrets, namespace: "default", object: Self.secret(data))
            }
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(world, transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await dispatcher.delivery.run() }
                // Released at once: the status that records the failure counts as stored here.
                try await dispatcher.dispatch(Self.failed, for: try world.task("report")).stored()
                if testCase.problem == nil {
                    try await world.eventually("the alert is delivered") { transport.count == 1 }
                }
                group.cancelAll()
            }
            let annotations = try world.task("report").metadata.annotations ?? [:]
            #expect(annotations[ScheduledTask.alertingProblemAnnotation] == testCase.problem)
            let events = try world.store.list(Self.events).items.compactMap { try? $0.decode(as: CoreEvent.self) }
            let unresolved = events.filter { $0.reason == "AlertReceiverUnresolved" }
            if let problem = testCase.problem {
                #expect(transport.count == 0)
                #expect(unresolved.count == 1)
                #expect(unresolved.first?.message?.contains(problem) == true, "\(unresolved.map(\.message))")
                #expect(unresolved.first?.type == "Warning")
            } else {
                #expect(unresolved.isEmpty)
            }
            for event in events {
                #expect(event.message?.contains("secretpath") != true, "Secret values never reach Events")
            }
        }
    }

    @Test("a task without receivers gets the controller-wide defaults, read from the controller's namespace")
    func defaultReceivers() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(minutelyTask("report"))
            let receivers =
                #"[{"name": "relay", "webhook": {"url": "https://relay.example/a", "headers": {"X-Token": "t0k"}}}]"#
            _ = try world.store.create(
                Self.secrets, namespace: "default",
                object: [
                    "apiVersion": "v1", "kind": "Secret",
                    "metadata": ["name": "punctual-alert-receivers", "namespace": "default"],
                    "data": ["receivers.json": .string(Data(receivers.utf8).base64EncodedString())],
                ])
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(
                world, transport: transport,
                configuration: .init(controllerNamespace: "default", defaultReceiversSecret: "punctual-alert-receivers")
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await dispatcher.delivery.run() }
                try await dispatcher.dispatch(Self.failed, for: try world.task("report")).stored()
                try await world.eventually("the alert is delivered") { transport.count == 1 }
                group.cancelAll()
            }
            #expect(transport.requests.first?.url.absoluteString == "https://relay.example/a")
            #expect(transport.requests.first?.headers == ["X-Token": "t0k"])
            let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
            #expect(ledger.entries.map(\.receiver) == ["relay"])
        }
    }

    @Test("a problem that goes away clears the annotation, and the decision reports AlertingReady")
    func problemClears() async throws {
        try await ControllerWorld.with(start: Self.start) { world async throws in
            try world.createTask(Self.task())
            let transport = CountingTransport()
            let dispatcher = Self.dispatcher(world, transport: transport)
            try await dispatcher.dispatch(Self.failed, for: try world.task("report"))
            let withProblem = try world.task("report")
            #expect(withProblem.metadata.annotations?[ScheduledTask.alertingProblemAnnotation] != nil)
            let plan = Decision.plan(for: Observation(task: withProblem, now: Self.start))
            #expect(plan.status.conditions?.contains { $0.type == "AlertingReady" && $0.status == "False" } == true)

            _ = try world.store.create(
                Self.secrets, namespace: "default", object: Self.secret(["hook-url": Self.hookURL]))
            var later = Self.failed
            later.attempt = 2
            try await dispatcher.dispatch(later, for: try world.task("report"))
            #expect(try world.task("report").metadata.annotations?[ScheduledTask.alertingProblemAnnotation] == nil)
        }
    }
}

// MARK: - Stored statuses

extension AlertDispatcherTests {
    /// Stores a status recording the run of ``failed``'s slot and attempt in `phase` (what a
    /// leader's status write leaves), as `active` too when it is not finished; no run when `nil`.
    /// One maintenance pass of `dispatcher` over the task `report`, with its deliveries running,
    /// until the world settles.
    static func maintainOnce(_ dispatcher: AlertDispatcher, in world: ControllerWorld) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await dispatcher.delivery.run() }
            await dispatcher.maintain([try world.task("report")])
            try await world.settle()
            group.cancelAll()
        }
    }

    /// The ledger states of the task `report` by alert kind (`Failed`, `Missed`).
    static func ledgerStatesByKind(in world: ControllerWorld) throws -> [String: AlertLedger.State] {
        let ledger = AlertLedger(annotations: try world.task("report").metadata.annotations)
        return Dictionary(
            ledger.entries.map { ($0.key.contains("/Failed@") ? "Failed" : "Missed", $0.state) },
            uniquingKeysWith: { first, _ in first })
    }

    static func storeRun(
        _ phase: ScheduledTaskStatus.Run.Phase?, reason: String? = nil, consecutiveFailures: Int? = nil,
        in world: ControllerWorld
    ) async throws {
        var status = ScheduledTaskStatus()
        status.lastScheduleTime = slot
        status.consecutiveFailures = consecutiveFailures
        if let phase {
            status.runs = [.init(scheduledTime: slot, attempt: 1, job: failed.job, phase: phase, reason: reason)]
            if !phase.isFinished {
                status.active = [.init(name: failed.job ?? "", scheduledTime: slot, attempt: 1)]
            }
        }
        let tasks = world.client.resource(ScheduledTask.self, namespace: "default")
        _ = try await tasks.patch(
            "report", patch: .merge(["status": try JSONValue(encoding: status)]), subresource: "status")
    }
}

/// Answers every request with the same status (200 unless told) and counts them.
final class CountingTransport: AlertTransport {
    private let received = Mutex<[OutgoingRequest]>([])
    private let status: Int

    init(status: Int = 200) { self.status = status }

    var count: Int { received.withLock { $0.count } }
    var requests: [OutgoingRequest] { received.withLock { $0 } }

    func send(_ request: OutgoingRequest, timeout: Duration) async throws(AlertingError) -> TransportResponse {
        received.withLock { $0.append(request) }
        return TransportResponse(status: status, body: status == 200 ? "" : "no such hook")
    }
}
