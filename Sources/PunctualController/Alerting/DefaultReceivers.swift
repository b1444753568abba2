import Alerting
import Foundation

/// Controller-wide default receivers: a JSON array under key `receivers.json` of a Secret in the
/// controller's namespace (flag `--default-alert-receivers-secret`), used for tasks that declare
/// no receivers. Values are literal here, since the whole Secret is the operator's:
///
/// ```json
/// [{"name": "ops", "slack": {"url": "https://hooks.slack.com/services/..."}},
///  {"name": "hook", "webhook": {"url": "https://relay.example/alerts", "headers": {"Authorization": "Bearer ..."}}},
///  {"name": "robot", "dingtalk": {"url": "https://oapi.dingtalk.com/robot/send?access_token=...", "signSecret": "SEC..."}},
///  {"name": "am", "alertmanager": {"url": "http://alertmanager.monitoring:9093"}}]
/// ```
public enum DefaultReceivers {
    /// The key of the Secret holding the list.
    public static let key = "receivers.json"

    struct Spec: Decodable {
        struct Target: Decodable {
            var url: String
            var headers: [String: String]?
            var signSecret: String?
        }

        var name: String?
        var webhook: Target?
        var slack: Target?
        var dingtalk: Target?
        var alertmanager: Target?
    }

    /// A problem with the defaults Secret's content (never quoting a value).
    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses the list.
    ///
    /// - Throws: ``FormatError`` naming the entry and field at fault.
    public static func parse(_ data: Data) throws(FormatError) -> [Receiver] {
        let specs: [Spec]
        do {
            specs = try JSONDecoder().decode([Spec].self, from: data)
        } catch {
            throw FormatError(description: "\(key) is not a JSON array of receivers: \(error)")
        }
        var receivers: [Receiver] = []
        for (index, spec) in specs.enumerated() {
            let set = [spec.webhook, spec.slack, spec.dingtalk, spec.alertmanager].compactMap { $0 }
            guard set.count == 1, let target = set.first else {
                throw FormatError(
                    description: "\(key)[\(index)]: must set exactly one of webhook, slack, dingtalk, alertmanager")
            }
            guard let url = URL(string: target.url), url.host != nil else {
                throw FormatError(description: "\(key)[\(index)]: url is not a URL")
            }
            let destination: Receiver.Destination =
                if spec.webhook != nil {
                    .webhook(url: url, headers: target.headers ?? [:])
                } else if spec.slack != nil {
                    .slack(url: url)
                } else if spec.dingtalk != nil {
                    .dingtalk(url: url, signingSecret: target.signSecret)
                } else {
                    .alertmanager(baseURL: url)
                }
            receivers.append(Receiver(name: spec.name ?? "default-\(index)", destination: destination))
        }
        return receivers
    }
}
