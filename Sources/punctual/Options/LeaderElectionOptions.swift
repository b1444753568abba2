import ArgumentParser
import Foundation
import KubeRuntime

/// `--leader-elect` and the Lease settings (client-go's flag names and defaults).
struct LeaderElectionOptions: ParsableArguments {
    @Option(help: "Elect one active replica through a Lease (true or false).")
    var leaderElect: Bool = true

    @Option(help: "The namespace of the Lease (default: the client configuration's namespace).")
    var leaderElectionNamespace: String?

    @Option(name: .customLong("leader-election-id"), help: "The name of the Lease.")
    var leaderElectionID: String = "punctual-controller"

    @Option(help: "How long a standby waits after the last observed renewal before taking over.")
    var leaseDuration: String = "15s"

    @Option(help: "How long the leader retries renewing before it gives up leading.")
    var renewDeadline: String = "10s"

    @Option(help: "How often the leader renews, and standbys retry.")
    var retryPeriod: String = "2s"

    /// The validated election settings for `identity`, or `nil` with `--leader-elect=false`.
    ///
    /// - Parameter defaultNamespace: used without `--leader-election-namespace`.
    /// - Throws: ``CommandLineError`` naming the flag and the rule it breaks.
    func configuration(identity: String, defaultNamespace: String) throws(CommandLineError) -> LeaderElectionConfig? {
        let durations = try parsedDurations()
        guard leaderElect else { return nil }
        do {
            return try LeaderElectionConfig(
                lockNamespace: leaderElectionNamespace ?? defaultNamespace, lockName: leaderElectionID,
                identity: identity, leaseDuration: durations.lease, renewDeadline: durations.renew,
                retryPeriod: durations.retry)
        } catch {
            throw CommandLineError("--\(Self.flagName(error.field)): \(error.message)")
        }
    }

    /// Checks the flags that need no cluster (run before connecting).
    func check() throws(CommandLineError) {
        let durations = try parsedDurations()
        guard leaderElect else { return }
        do {
            _ = try LeaderElectionConfig(
                lockNamespace: leaderElectionNamespace ?? "default", lockName: leaderElectionID, identity: "check",
                leaseDuration: durations.lease, renewDeadline: durations.renew, retryPeriod: durations.retry)
        } catch {
            throw CommandLineError("--\(Self.flagName(error.field)): \(error.message)")
        }
    }

    private func parsedDurations() throws(CommandLineError) -> (lease: Duration, renew: Duration, retry: Duration) {
        (
            try DurationArgument(parsing: leaseDuration, flag: "--lease-duration").duration,
            try DurationArgument(parsing: renewDeadline, flag: "--renew-deadline").duration,
            try DurationArgument(parsing: retryPeriod, flag: "--retry-period").duration
        )
    }

    /// The flag of a ``LeaderElectionConfig`` field.
    private static func flagName(_ field: String) -> String {
        switch field {
        case "leaseDuration": "lease-duration"
        case "renewDeadline": "renew-deadline"
        case "retryPeriod": "retry-period"
        case "lockNamespace": "leader-election-namespace"
        case "lockName": "leader-election-id"
        default: field
        }
    }
}
