import ArgumentParser
import Foundation
import KubeRuntime
import Logging
import ServiceLifecycle

extension Punctual {
    /// `punctual demo`: Punctual at work in one minute, without a cluster.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo",
            abstract: "Show Punctual at work on a simulated cluster, no cluster needed.",
            discussion: """
                Starts KubeSim (an in-memory API server on 127.0.0.1) with simulated Jobs and Pods on a clock \
                running --speed times faster than real time, installs the ScheduledTask CRD, examples/ and three \
                demo tasks (one succeeds, one fails and retries and alerts, one misses its starting deadline), \
                and runs two controller replicas with leader election. Halfway through, the leader is killed \
                without releasing its Lease and the other replica takes over. Shows a `kubectl get stask` table \
                and every run as it is created, starts, succeeds, fails, is missed or retried, plus alerts and \
                leader changes; ends after --duration with a summary. Colour and the live table only on a \
                terminal (and no colour with NO_COLOR set); plain lines when piped.
                """
        )

        @Option(help: "The API server's port on 127.0.0.1; 0 picks a free port.")
        var port: Int = 0

        @Option(help: "Simulated seconds per real second (20: a minutely task fires every 3 s).")
        var speed: Double = 20

        @Option(help: "How long the demo runs, in real time (e.g. 60s, 2m).")
        var duration: String = "60s"

        @Flag(help: "After the summary keep the API open for kubectl until Ctrl-C or SIGTERM.")
        var serve = false

        @Option(help: "Log level of the components, on standard error: trace ... critical (best with output piped).")
        var logLevel: String = "critical"

        func run() async throws {
            try await reportingErrors {
                let settings = try checkedSettings()
                let level: Logger.Level
                do {
                    level = try Logger.Level(parsing: logLevel)
                } catch let error as LoggingOptionError {
                    throw CommandLineError(error.message)
                }
                LogFormat.text.bootstrap(level: level)
                // A reader that goes away (`punctual demo | head`) must end the demo through a failed
                // write, not kill it with SIGPIPE.
                signal(SIGPIPE, SIG_IGN)
                let logger = Logger(label: "punctual.demo")
                let demo = DemoRunner(settings: settings, style: TerminalStyle.detect(), logger: logger)
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(
                        services: [
                            .init(
                                service: demo, successTerminationBehavior: .gracefullyShutdownGroup,
                                failureTerminationBehavior: .gracefullyShutdownGroup)
                        ],
                        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        }

        /// The flags, checked before anything starts.
        func checkedSettings() throws(CommandLineError) -> DemoRunner.Settings {
            guard (0...65535).contains(port) else { throw CommandLineError("--port must be in 0...65535, got \(port)") }
            guard speed.isFinite, speed >= 1, speed <= 10_000 else {
                throw CommandLineError("--speed must be between 1 and 10000, got \(speed)")
            }
            let parsed = try DurationArgument(parsing: duration, flag: "--duration").duration
            guard parsed > .zero else { throw CommandLineError("--duration must be positive, got \(duration)") }
            return DemoRunner.Settings(port: port, speed: speed, duration: parsed, serve: serve)
        }
    }
}
