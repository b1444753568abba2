import ArgumentParser
import Foundation
import KubeClient
import KubeSim
import Logging
import ServiceLifecycle

extension Punctual {
    /// `punctual sim`: an in-memory Kubernetes API server for trying Punctual, kubectl and the
    /// official clients without a cluster.
    struct Sim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sim",
            abstract: "Run KubeSim, an in-memory Kubernetes API server, on this machine.",
            discussion: """
                Prints the URL it listens on, e.g. "KubeSim listening on http://127.0.0.1:8001", and serves \
                until SIGTERM or SIGINT. Point kubectl at it with --server <URL>. Faults can be injected \
                under <URL>/sim/faults (see the FaultInjector documentation).
                """
        )

        @Option(help: "The port to listen on; 0 picks a free port.")
        var port: Int = 8001

        @Option(help: "The address to bind.")
        var host: String = "127.0.0.1"

        @Option(help: "Require this bearer token on every request.")
        var token: String?

        @Option(name: .customLong("tls-cert"), help: "Serve HTTPS with this PEM certificate (chain).")
        var tlsCert: String?

        @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.")
        var tlsKey: String?

        @Option(name: .customLong("client-ca"), help: "With TLS: require client certificates signed by this CA.")
        var clientCA: String?

        @Flag(name: .customLong("no-runtime"), help: "Do not simulate Pods for Jobs (objects stay as written).")
        var noRuntime = false

        @OptionGroup var time: ClockOptions

        @Option(
            help: """
                Watch events the server keeps for watchers resuming from a resourceVersion; older ones \
                answer 410 Gone and the client relists.
                """)
        var watchHistory: Int = 10_000

        @Option(help: "Events buffered per watch before a watcher that does not keep up is disconnected.")
        var watchBuffer: Int = 10_000

        @Option(help: "Simulate this many nodes (sim-node-1 …); 0 leaves Pods unconstrained by capacity.")
        var nodes: Int = 0

        @Option(name: .customLong("node-cpu"), help: "Allocatable cpu of each simulated node, e.g. 4 or 3500m.")
        var nodeCPU: String = "4"

        @Option(name: .customLong("node-memory"), help: "Allocatable memory of each simulated node, e.g. 8Gi.")
        var nodeMemory: String = "8Gi"

        @Option(name: .customLong("node-pods"), help: "How many Pods fit on each simulated node.")
        var nodePods: Int = 110

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
            if (tlsCert == nil) != (tlsKey == nil) {
                throw ValidationError("--tls-cert and --tls-key must be given together")
            }
            if clientCA != nil && tlsCert == nil { throw ValidationError("--client-ca needs --tls-cert and --tls-key") }
            do {
                try time.check()
            } catch {
                throw ValidationError(error.message)
            }
            guard watchHistory >= 1, watchBuffer >= 1 else {
                throw ValidationError("--watch-history and --watch-buffer must be at least 1")
            }
            guard nodes >= 0 else { throw ValidationError("--nodes must not be negative, got \(nodes)") }
            guard nodePods > 0 else { throw ValidationError("--node-pods must be positive, got \(nodePods)") }
            for (flag, text) in [("--node-cpu", nodeCPU), ("--node-memory", nodeMemory)] {
                do {
                    let quantity = try ResourceQuantity(parsing: text)
                    guard quantity.amount > 0 else { throw ValidationError("\(flag) must be positive, got \(text)") }
                } catch let error as ResourceQuantity.ParseError {
                    throw ValidationError("\(flag): \(error)")
                }
            }
        }

        func run() async throws {
            var logger = Logger(label: "punctual.sim")
            logger.logLevel = .notice
            let tls = zip(tlsCert, tlsKey).map {
                APIServer.TLSFiles(certificatePath: $0, privateKeyPath: $1, clientCAPath: clientCA)
            }
            let clock = try time.clock(startedAt: Date())
            let store = SimStore(clock: clock, historyLimit: watchHistory, admission: [Admission()])
            let server = APIServer(
                store: store,
                configuration: APIServer.Configuration(
                    host: host, port: port, bearerToken: token, tls: tls, watchBufferLimit: watchBuffer),
                logger: logger)
            let listening = ClosureService {
                try await server.serve { url in
                    // Unbuffered, so scripts waiting for this line see it at once.
                    FileHandle.standardOutput.write(Data("KubeSim listening on \(url.absoluteString)\n".utf8))
                }
            }
            var services: [any Service] = [listening]
            let simulatedNodes = SimNode.uniform(count: nodes, cpu: nodeCPU, memory: nodeMemory, pods: nodePods)
            if noRuntime {
                try SimNode.register(simulatedNodes, in: store)
            } else {
                let configuration = JobRuntime.Configuration(nodes: simulatedNodes)
                services.append(JobRuntime(store: store, clock: clock, configuration: configuration, logger: logger))
            }
            let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            try await group.run()
        }
    }
}

/// Both values when both are present.
private func zip<A, B>(_ first: A?, _ second: B?) -> (A, B)? {
    guard let first, let second else { return nil }
    return (first, second)
}
