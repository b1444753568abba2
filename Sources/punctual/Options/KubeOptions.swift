import ArgumentParser
import Foundation
import KubeClient

/// How to reach the API server: `--kubeconfig`, `--context`, `--namespace`, `--qps`, `--burst`.
struct KubeOptions: ParsableArguments {
    @Option(help: "Path to a kubeconfig file (default: in-cluster config, then $KUBECONFIG or ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use (default: its current-context).")
    var context: String?

    @Option(
        name: .customLong("namespace"),
        help: "A namespace to watch; repeat the flag for several (default: all namespaces).")
    var namespaces: [String] = []

    @Option(help: "Sustained requests per second to the API server (client-side limit).")
    var qps: Double = 20

    @Option(help: "Requests allowed in a burst above --qps.")
    var burst: Int = 30

    /// Checks the values, naming the flag at fault.
    func check() throws(CommandLineError) {
        guard qps > 0, qps.isFinite else { throw CommandLineError("--qps must be greater than 0, got \(qps)") }
        guard burst >= 1 else { throw CommandLineError("--burst must be at least 1, got \(burst)") }
        for namespace in namespaces where !Self.isDNSLabel(namespace) {
            throw CommandLineError(
                "--namespace \"\(namespace)\": must be a DNS label (lower-case letters, digits and '-', at most 63)")
        }
    }

    /// The client configuration: `--kubeconfig` when given, otherwise the pod's service account
    /// when running in a cluster, otherwise `$KUBECONFIG` or `~/.kube/config`.
    ///
    /// - Throws: ``ConfigurationError`` from loading, or ``CommandLineError``.
    func clientConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> ClientConfiguration
    {
        try check()
        var configuration: ClientConfiguration
        if let kubeconfig {
            configuration = try Kubeconfig.load(path: kubeconfig).configuration(context: context)
        } else if context == nil, InClusterConfig.isAvailable(environment: environment) {
            configuration = try InClusterConfig.load(environment: environment)
        } else {
            configuration = try Kubeconfig.loadDefault(
                environment: environment, homeDirectory: NSHomeDirectory()
            ).configuration(context: context)
        }
        configuration.qps = qps
        configuration.burst = burst
        return configuration
    }

    static func isDNSLabel(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        let allowed = name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        return allowed && first != "-" && last != "-"
    }
}
