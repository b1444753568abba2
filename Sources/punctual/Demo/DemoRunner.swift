import Foundation
import KubeClient
import KubeSim
import Logging
import PunctualController
import ServiceLifecycle

/// `punctual demo` end to end: a simulated cluster on an accelerated clock, two controller
/// replicas, the leader killed halfway, everything shown as a user of the cluster would see it,
/// then a summary.
///
/// Every component (the API server's store, the simulated Job runtime, both replicas' leases,
/// queues and informers, and the demo's own schedule) shares one ``ManualClock`` driven at
/// `speed` × real time, so a minutely schedule fires every few seconds. The demo runs as a
/// `Service`: SIGINT or SIGTERM ends it early (the summary is still printed), and with
/// ``Settings/serve`` it keeps the API open after the summary until one of them arrives.
struct DemoRunner: Service {
    /// The command's flags, checked.
    struct Settings: Sendable {
        /// The API server's port; 0 picks a free one.
        var port: Int
        /// Simulated seconds per real second.
        var speed: Double
        /// How long the demo runs, in real time.
        var duration: Duration
        /// Keep serving the API after the summary.
        var serve: Bool
    }

    let settings: Settings
    let style: TerminalStyle
    let logger: Logger

    /// The two replicas' pod names, as a Deployment's pods would be called.
    static let podNames = ["punctual-controller-7d4b9-kx2lp", "punctual-controller-7d4b9-w8rzn"]
    /// When the leader is killed, as a fraction of the duration.
    static let killFraction = 0.5

    /// What the display loop consumes.
    private enum Input: Sendable {
        case event(DemoEvent)
        /// Time to print what was gathered and redraw the live table.
        case tick
        /// The duration is over.
        case end
    }

    func run() async throws {
        let clock = ManualClock(start: SystemClock().currentDate)
        let store = SimStore(clock: clock, admission: [Admission()])
        let tasks = try DemoCluster.install(into: store)
        let listen = APIServer.Configuration(host: "127.0.0.1", port: settings.port)
        let server = APIServer(store: store, configuration: listen, logger: logger)
        let url = try await server.start()
        do {
            try await play(on: url, clock: clock, store: store, taskCount: tasks.count)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// Runs the show against the listening server: the runtime, the observer, the replicas, the
    /// script and the display, then the summary (and with `--serve` the wait for a signal).
    private func play(on url: URL, clock: ManualClock, store: SimStore, taskCount: Int) async throws {
        var screen = DemoScreen(style: style, write: Self.writeToStandardOutput)
        screen.print(introduction(url: url, taskCount: taskCount))

        let (inputs, input) = AsyncStream<Input>.makeStream()
        let observerClient = try KubeClient(
            configuration: ClientConfiguration(server: url, qps: 1_000, burst: 1_000), clock: clock, logger: logger)
        let observer = DemoObserver(
            client: observerClient, leaseNamespace: DemoCluster.controllerNamespace, leaseName: DemoCluster.leaseName,
            clock: clock, logger: logger, emit: { input.yield(.event($0)) })
        // Shown when it would be sent: once the status recording its outcome is stored.
        let alertSink: PlanExecutor.AlertSink = { alert, task in
            let event = EventDerivation.alerted(alert, task: task, now: clock.currentDate)
            return PlanExecutor.HeldAlerts(stored: { input.yield(.event(event)) }, abandoned: {})
        }
        let replicas: [ControllerReplica]
        do {
            replicas = try Self.podNames.map { podName in
                try ControllerReplica(
                    podName: podName, server: url, lease: (DemoCluster.controllerNamespace, DemoCluster.leaseName),
                    clock: clock, logger: logger, alertSink: alertSink)
            }
        } catch {
            try? await observerClient.shutdown()
            throw error
        }
        let runtime = JobRuntime(store: store, clock: clock, logger: logger)
        let start = clock.now
        let end = start.advanced(by: settings.duration * settings.speed)

        await withDiscardingTaskGroup { group in
            group.addTask { await runtime.run() }
            group.addTask { await observer.run() }
            // Time starts once the audience can see everything that happens.
            await observer.waitUntilSynced()
            group.addTask { await clock.runAccelerated(speed: settings.speed) }
            for replica in replicas {
                group.addTask { await replica.run() }
            }
            group.addTask {
                await script(clock: clock, start: start, end: end, replicas: replicas, observer: observer, input: input)
            }
            group.addTask { await Self.tick(input) }
            group.addTask {
                // Ctrl-C or SIGTERM ends the run early; the summary is still printed.
                try? await gracefulShutdown()
                input.yield(.end)
            }
            let tally = await display(inputs, screen: &screen, observer: observer, clock: clock, end: end)
            // Nobody reads the stream any more (with --serve the cluster keeps running): drop later events.
            input.finish()
            let simulated = clock.currentDate.timeIntervalSince(start.date)
            screen.print(tally.summary(simulated: simulated, wall: simulated / settings.speed, speed: settings.speed))
            if settings.serve, !screen.isClosed {
                screen.print([
                    "", "The simulated cluster keeps running; try:",
                    "  kubectl --server \(url.absoluteString) get stask",
                    "Press Ctrl-C to stop.",
                ])
                try? await gracefulShutdown()
            }
            group.cancelAll()
        }
        try? await observerClient.shutdown()
    }

    // MARK: - The script

    /// Kills the leader at ``killFraction`` of the run, then ends the run at `end`; both on the
    /// simulation clock.
    private func script(
        clock: ManualClock, start: WallInstant, end: WallInstant, replicas: [ControllerReplica],
        observer: DemoObserver, input: AsyncStream<Input>.Continuation
    ) async {
        let killAt = start.advanced(by: settings.duration * settings.speed * Self.killFraction)
        do {
            try await clock.sleep(until: killAt, tolerance: nil)
            // The victim is whoever holds the Lease, as `kubectl get lease` shows it; wait for one
            // if the election is still in progress.
            while clock.now < end {
                let holder = observer.leaseHolder
                if let leader = replicas.first(where: { $0.identity == holder }) {
                    leader.kill()
                    input.yield(
                        .event(
                            DemoEvent(
                                time: clock.currentDate, kind: .killed, subject: leader.identity,
                                detail: "the leader's pod dies: no graceful stop, the Lease is not released")))
                    break
                }
                try await clock.sleep(for: .seconds(1))
            }
            try await clock.sleep(until: end, tolerance: nil)
        } catch {
            return
        }
        input.yield(.end)
    }

    /// Asks ten times a second, in real time (the screen's pace), for the events gathered so far to
    /// be printed and the live table redrawn.
    private static func tick(_ input: AsyncStream<Input>.Continuation) async {
        let realTime = SystemClock()
        while !Task.isCancelled {
            do { try await realTime.sleep(for: .milliseconds(100)) } catch { return }
            input.yield(.tick)
        }
    }

    // MARK: - Display

    /// Shows events and the table until the end of the run; returns the tally.
    private func display(
        _ inputs: AsyncStream<Input>, screen: inout DemoScreen, observer: DemoObserver, clock: ManualClock,
        end: WallInstant
    ) async -> DemoTally {
        var tally = DemoTally()
        var pending: [DemoEvent] = []
        let width = style.isLive ? style.width : nil
        func table() -> [String] { TaskTable.lines(observer.taskObjects, now: clock.currentDate, width: width) }
        loop: for await next in inputs {
            switch next {
            case .event(let event):
                tally.record(event)
                pending.append(event)
            case .tick:
                screen.update(
                    events: DemoEvent.inStoryOrder(pending), status: status(clock: clock, end: end, observer: observer),
                    table: table())
                pending = []
            case .end:
                break loop
            }
            if screen.isClosed { break loop }
        }
        screen.update(
            events: DemoEvent.inStoryOrder(pending), status: status(clock: clock, end: end, observer: observer),
            table: table())
        screen.finish(status: "kubectl get stask at \(DemoEvent.clockTime(clock.currentDate)) UTC:", table: table())
        return tally
    }

    /// The line above the live table.
    private func status(clock: ManualClock, end: WallInstant, observer: DemoObserver) -> String {
        let left = max(.zero, clock.now.duration(to: end) / settings.speed)
        let holder = observer.leaseHolder.flatMap { $0.isEmpty ? nil : $0 } ?? "none"
        let time = "cluster time \(DemoEvent.clockTime(clock.currentDate)) UTC"
        let remaining = KubeTime.humanDuration(Double(left.components.seconds))
        return "\(time) · \(DemoTally.speedText(settings.speed)) speed · leader \(holder) · ends in \(remaining)"
    }

    private func introduction(url: URL, taskCount: Int) -> [String] {
        [
            "Punctual demo: KubeSim on \(url.absoluteString) with simulated Jobs and Pods, "
                + "the clock at \(DemoTally.speedText(settings.speed)) speed.",
            "Applied the ScheduledTask CRD and \(taskCount) tasks: examples/ plus three demo tasks, where demo-hello",
            "succeeds, demo-flaky fails, retries and alerts, and demo-no-capacity misses its starting deadline.",
            "Two controller replicas compete for Lease \(DemoCluster.controllerNamespace)/\(DemoCluster.leaseName); "
                + "the leader is killed halfway through.",
            "",
        ]
    }

    /// Writes unbuffered, so lines show at once; fails (instead of trapping) when the reader is gone.
    private static func writeToStandardOutput(_ text: String) throws {
        try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    }
}
