import Alerting
import ArgumentParser
import Foundation
import KubeClient
import KubeRuntime
import Logging
import Metrics
import Prometheus
import PunctualController
import ServiceLifecycle

extension Punctual {
    /// `punctual controller`: runs the ScheduledTask controller against a cluster.
    struct Controller: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "controller",
            abstract: "Run the ScheduledTask controller.",
            discussion: """
                Watches ScheduledTasks and the Jobs and Pods they own, and creates a Job for every due \
                slot. With --leader-elect (the default) only the replica holding the Lease reconciles; \
                the others keep their caches warm and take over when it goes. SIGTERM or SIGINT stops \
                gracefully and releases the Lease. Serves /metrics, /healthz and /readyz on \
                --metrics-bind-address. Bad flags print "error: ..." and exit with status 2.
                """
        )

        @OptionGroup var kube: KubeOptions
        @OptionGroup var election: LeaderElectionOptions
        @OptionGroup var logging: LoggingOptions
        /// Hidden: an accelerated clock shared with `punctual sim --speed` (hack/e2e-sim.sh).
        @OptionGroup(visibility: .hidden) var time: ClockOptions

        @Option(help: "Tasks reconciled at once.")
        var workers: Int = 4

        @Option(help: "Where /metrics, /healthz and /readyz listen: host:port, :port (all interfaces), or 0 (off).")
        var metricsBindAddress: String = ":8080"

        @Option(
            help: """
                A Secret in the controller's namespace whose key receivers.json lists the alert receivers \
                of tasks that declare none (see docs/alerting.md).
                """)
        var defaultAlertReceiversSecret: String?

        @Flag(
            help: """
                Allow alert destinations that are link-local (169.254.0.0/16, fe80::/10) or cloud metadata \
                hosts; refused by default.
                """)
        var allowLinkLocalAlertDestinations = false

        @Option(help: "Image of the placeholder pods that hold capacity before a slot (spec.priority.preAllocate).")
        var placeholderImage: String = PlaceholderBuilder.defaultImage

        @Option(
            help: """
                The longest a task whose reconciles keep failing (e.g. through an API outage) waits before \
                its next attempt: the cap of its exponential backoff, in seconds or as 90s, 2m. Must be > 0.
                """)
        var maxReconcileBackoff: String = "60s"

        func run() async throws {
            try await reportingErrors {
                try checkFlags()
                let (format, level) = try logging.parsed()
                format.bootstrap(level: level)
                let registry = PrometheusCollectorRegistry()
                var factory = PrometheusMetricsFactory(registry: registry)
                for name in [ControllerMetrics.jobCreationSkewName, ControllerMetrics.runStartSkewName] {
                    factory.durationHistogramBuckets[name] = ControllerMetrics.histogramBuckets
                }
                MetricsSystem.bootstrap(factory)
                try await runController(registry: registry)
            }
        }

        /// Every flag check that needs no cluster, so bad flags fail before connecting.
        private func checkFlags() throws(CommandLineError) {
            try kube.check()
            try election.check()
            try time.check()
            guard workers >= 1 else { throw CommandLineError("--workers must be at least 1, got \(workers)") }
            _ = try parsedMaxReconcileBackoff()
            guard !placeholderImage.isEmpty, !placeholderImage.contains(where: \.isWhitespace) else {
                throw CommandLineError("--placeholder-image must be an image reference, got \"\(placeholderImage)\"")
            }
            do {
                _ = try ProbeBindAddress(parsing: metricsBindAddress)
            } catch {
                throw CommandLineError(error.message)
            }
        }

        /// `--max-reconcile-backoff` as a duration.
        ///
        /// - Throws: ``CommandLineError`` naming the flag when it is no duration or not positive.
        private func parsedMaxReconcileBackoff() throws(CommandLineError) -> Duration {
            let flag = "--max-reconcile-backoff"
            let backoff = try DurationArgument(parsing: maxReconcileBackoff, flag: flag).duration
            guard backoff > .zero else {
                throw CommandLineError("\(flag) must be greater than 0, got \"\(maxReconcileBackoff)\"")
            }
            return backoff
        }

        private func runController(registry: PrometheusCollectorRegistry) async throws {
            let logger = Logger(label: "punctual.controller")
            let clock = try time.clock(startedAt: Date())
            let configuration: ClientConfiguration
            do {
                configuration = try kube.clientConfiguration()
            } catch let error as CommandLineError {
                throw error
            } catch {
                throw CommandLineError("cannot configure the API client: \(error)")
            }
            // rest_client_requests_total and rest_client_request_duration_seconds on /metrics.
            let client = try await KubeClient.connect(
                configuration: configuration, clock: clock, logger: logger, observer: KubeClientMetrics())
            let identity = LeaderElectionIdentity.make()
            let elector = try election.configuration(identity: identity, defaultNamespace: configuration.namespace)
                .map { config in
                    LeaderElector(
                        config: config,
                        lock: KubeLeaseLock(client: client, namespace: config.lockNamespace, name: config.lockName),
                        clock: clock, logger: logger)
                }
            let transport = HTTPAlertTransport()
            let alerts = AlertDispatcher(
                client: client,
                delivery: AlertDelivery(
                    transport: transport, addressGuard: AddressGuard(allowsLinkLocal: allowLinkLocalAlertDestinations),
                    clock: clock, logger: logger),
                events: EventRecorder(client: client, clock: clock, instance: identity), clock: clock,
                configuration: AlertDispatcher.Configuration(
                    controllerNamespace: configuration.namespace, defaultReceiversSecret: defaultAlertReceiversSecret),
                logger: logger)
            let controller = ScheduledTaskController(
                client: client, clock: clock,
                configuration: ScheduledTaskController.Configuration(
                    namespaces: kube.namespaces, workers: workers,
                    settings: ControllerSettings(placeholderImage: placeholderImage),
                    maxReconcileBackoff: try parsedMaxReconcileBackoff()),
                elector: elector, decide: { Decision.plan(for: $0) }, identity: identity, logger: logger,
                alertSink: alerts.sink)
            alerts.follow(controller)
            let readiness = ReadinessChecks()
            readiness.register("informers-synced") { controller.hasSynced }
            if let elector { readiness.register("leader-election") { elector.isRunning } }
            let probes = ProbeServer(
                bindAddress: try ProbeBindAddress(parsing: metricsBindAddress), registry: registry,
                readiness: readiness, logger: logger)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [
                        .init(service: probes),
                        .init(service: alerts),
                        .init(
                            service: controller, successTerminationBehavior: .gracefullyShutdownGroup,
                            failureTerminationBehavior: .gracefullyShutdownGroup),
                    ],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            do {
                try await group.run()
            } catch {
                try? await transport.shutdown()
                try? await client.shutdown()
                throw error
            }
            try await transport.shutdown()
            try await client.shutdown()
        }
    }
}
