import Alerting
import Foundation
import KubeClient

/// The receivers of one task with their Secrets read, and what could not be resolved.
///
/// Problems name the Secret, the key and the namespace, never a value.
public struct ReceiverResolution: Sendable, Hashable {
    /// One receiver that cannot be used.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// `SecretNotFound`, `SecretKeyNotFound`, `SecretUnreadable` or `InvalidURL`.
        public var reason: String
        public var message: String
        /// The Secret could not be read for a reason that passes (throttling, a server error, an
        /// unreachable API server): retrying may resolve the receiver without any change.
        public var isTransient: Bool

        public init(reason: String, message: String, isTransient: Bool = false) {
            self.reason = reason
            self.message = message
            self.isTransient = isTransient
        }

        public var description: String { "\(reason): \(message)" }
    }

    public var receivers: [Receiver] = []
    public var problems: [Problem] = []

    /// The problems that may pass on a retry; while there are any, the receivers are not known.
    public var transientProblems: [Problem] { problems.filter(\.isTransient) }

    /// The annotation value for ``ScheduledTask/alertingProblemAnnotation`` (nil when resolved).
    public var problemSummary: String? {
        guard let first = problems.first else { return nil }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
        return "\(first.reason): \(first.message)\(more)"
    }
}

/// Reads the Secrets a task's `spec.alerting.receivers` refer to, from the task's own namespace.
struct ReceiverResolver {
    let secrets: ResourceClient<Secret>
    let namespace: String
    private var cache: [String: Result<Secret, any Error>] = [:]

    init(client: KubeClient, namespace: String) {
        self.namespace = namespace
        secrets = client.resource(Secret.self, namespace: namespace)
    }

    /// Resolves every receiver of `specs`; each unusable one becomes a problem, the others are kept.
    mutating func resolve(_ specs: [ScheduledTaskSpec.Alerting.Receiver]) async -> ReceiverResolution {
        var resolution = ReceiverResolution()
        for (index, spec) in specs.enumerated() {
            do {
                if let receiver = try await resolveOne(spec, index: index) { resolution.receivers.append(receiver) }
            } catch {
                resolution.problems.append(error)
            }
        }
        return resolution
    }

    private mutating func resolveOne(
        _ spec: ScheduledTaskSpec.Alerting.Receiver, index: Int
    ) async throws(ReceiverResolution.Problem) -> Receiver? {
        if let webhook = spec.webhook {
            let url = try await url(webhook.urlSecretRef)
            var headers: [String: String] = [:]
            if let reference = webhook.headersSecretRef {
                let secret = try await secret(reference.name, key: nil)
                for key in (secret.data ?? [:]).keys.sorted() {
                    if let value = secret.string(forKey: key) { headers[key] = value }
                }
            }
            return Receiver(name: spec.name ?? "webhook-\(index)", destination: .webhook(url: url, headers: headers))
        }
        if let slack = spec.slack {
            return Receiver(
                name: spec.name ?? "slack-\(index)", destination: .slack(url: try await url(slack.urlSecretRef)))
        }
        if let dingtalk = spec.dingtalk {
            let url = try await url(dingtalk.urlSecretRef)
            var signing: String?
            if let reference = dingtalk.signSecretRef { signing = try await value(reference) }
            return Receiver(
                name: spec.name ?? "dingtalk-\(index)", destination: .dingtalk(url: url, signingSecret: signing))
        }
        if let manager = spec.alertmanager {
            let url: URL
            if let reference = manager.urlSecretRef {
                url = try await self.url(reference)
            } else if let text = manager.url, let parsed = URL(string: text) {
                url = parsed
            } else {
                throw .init(reason: "InvalidURL", message: "receiver \(index): alertmanager.url is not a URL")
            }
            return Receiver(name: spec.name ?? "alertmanager-\(index)", destination: .alertmanager(baseURL: url))
        }
        return nil
    }

    private mutating func url(
        _ reference: ScheduledTaskSpec.SecretKeySelector
    ) async throws(ReceiverResolution.Problem) -> URL {
        let text = try await value(reference).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URL(string: text), url.host != nil else {
            throw .init(
                reason: "InvalidURL",
                message: "key \(reference.key) of Secret \(namespace)/\(reference.name) does not hold a URL")
        }
        return url
    }

    private mutating func value(
        _ reference: ScheduledTaskSpec.SecretKeySelector
    ) async throws(ReceiverResolution.Problem) -> String {
        let secret = try await secret(reference.name, key: reference.key)
        guard let value = secret.string(forKey: reference.key), !value.isEmpty else {
            throw .init(
                reason: "SecretKeyNotFound",
                message: "Secret \(namespace)/\(reference.name) has no key \(reference.key)")
        }
        return value
    }

    private mutating func secret(_ name: String, key: String?) async throws(ReceiverResolution.Problem) -> Secret {
        let result: Result<Secret, any Error>
        if let cached = cache[name] {
            result = cached
        } else {
            do {
                result = .success(try await secrets.get(name))
            } catch {
                result = .failure(error)
            }
            cache[name] = result
        }
        switch result {
        case .success(let secret):
            return secret
        case .failure(let error as KubeError) where error.isNotFound:
            let which = key.map { " (key \($0))" } ?? ""
            throw .init(reason: "SecretNotFound", message: "Secret \(namespace)/\(name)\(which) not found")
        case .failure(let error):
            let detail = (error as? KubeError)?.message ?? "\(error)"
            throw .init(
                reason: "SecretUnreadable", message: "cannot read Secret \(namespace)/\(name): \(detail)",
                isTransient: (error as? KubeError)?.isRetryable ?? true)
        }
    }
}

extension ReceiverResolution.Problem: Error {}
