import Foundation

/// A resolved alert destination: the receiver's name and where and how to send.
///
/// The controller builds it from `spec.alerting.receivers` after reading the Secrets, so it
/// holds secret values (URLs with tokens, signing secrets, Authorization headers). Its
/// `description` therefore never shows them: only the type, the name and the URL's host.
public struct Receiver: Sendable, Hashable, CustomStringConvertible {
    /// Where and how.
    public enum Destination: Sendable, Hashable {
        /// A documented JSON payload (``WebhookPayload``) with optional extra headers.
        case webhook(url: URL, headers: [String: String])
        /// A Slack incoming webhook (``SlackPayload``).
        case slack(url: URL)
        /// A DingTalk robot (``DingTalkPayload``), signed when a secret is given.
        case dingtalk(url: URL, signingSecret: String?)
        /// An Alertmanager; `baseURL` is the server root, `/api/v2/alerts` is appended.
        case alertmanager(baseURL: URL)
    }

    /// The name from the spec (or `<type>-<index>` when it has none); part of the dedup key.
    public var name: String
    public var destination: Destination

    public init(name: String, destination: Destination) {
        self.name = name
        self.destination = destination
    }

    /// `webhook`, `slack`, `dingtalk` or `alertmanager`: the metric's `receiver_type` label.
    public var type: String {
        switch destination {
        case .webhook: "webhook"
        case .slack: "slack"
        case .dingtalk: "dingtalk"
        case .alertmanager: "alertmanager"
        }
    }

    /// The URL configured (without signing parameters).
    public var url: URL {
        switch destination {
        case .webhook(let url, _), .slack(let url), .dingtalk(let url, _): url
        case .alertmanager(let baseURL): baseURL
        }
    }

    public var description: String { "\(type) receiver \(name) (host \(url.host ?? "?"))" }
}
