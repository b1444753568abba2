import Foundation

/// Builds the identity a candidate writes into the lease.
///
/// The identity must be unique per process *incarnation*: the pod name alone is not enough
/// (a restarted container keeps its pod name while its predecessor may still appear to hold the
/// lease) and anything derived from the start time is worse (replicas started together collide).
/// So it is the pod name, from the downward API's `POD_NAME`, or the host name outside a pod,
/// plus `_` and a random suffix.
public enum LeaderElectionIdentity {
    /// The environment variable the Deployment fills with `metadata.name` via the downward API.
    public static let podNameVariable = "POD_NAME"

    /// Returns `<POD_NAME or host name>_<12 random hex digits>`.
    ///
    /// - Parameters:
    ///   - environment: the process environment (injected for tests).
    ///   - hostName: used when `POD_NAME` is unset or empty.
    public static func make(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        hostName: String = ProcessInfo.processInfo.hostName
    ) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(environment: environment, hostName: hostName, using: &generator)
    }

    /// ``make(environment:hostName:)`` with an explicit random source.
    public static func make(
        environment: [String: String],
        hostName: String,
        using generator: inout some RandomNumberGenerator
    ) -> String {
        let podName = environment[podNameVariable].flatMap { $0.isEmpty ? nil : $0 }
        let base = podName ?? (hostName.isEmpty ? "localhost" : hostName)
        let suffix = (0..<12).map { _ in String(Int.random(in: 0..<16, using: &generator), radix: 16) }.joined()
        return "\(base)_\(suffix)"
    }
}
