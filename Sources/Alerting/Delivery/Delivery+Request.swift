import Foundation

// MARK: - Building the request of an attempt

extension Delivery {
    /// The request for an attempt made at `now`: DingTalk signatures carry the attempt's own
    /// timestamp, and a firing Alertmanager alert lasts `firingFor` from now.
    ///
    /// - Throws: ``AlertingError`` `encoding`, or `invalidURL` for a content the receiver cannot take.
    public func request(at now: Date, firingFor: Duration) throws(AlertingError) -> OutgoingRequest {
        switch (receiver.destination, content) {
        case (.webhook(let url, let headers), .alert(let alert)):
            return OutgoingRequest(url: url, headers: headers, body: try WebhookPayload.body(for: alert))
        case (.slack(let url), .alert(let alert)):
            return OutgoingRequest(url: url, body: try SlackPayload.body(for: alert))
        case (.dingtalk(let url, let secret), .alert(let alert)):
            let target = secret.map { DingTalkSigner.signedURL(url, at: now, secret: $0) } ?? url
            return OutgoingRequest(url: target, body: try DingTalkPayload.body(for: alert))
        case (.alertmanager(let base), .alert(let alert)):
            let state: AlertmanagerPayload.State =
                alert.kind.isProblem
                ? .firing(until: now.addingTimeInterval(firingFor.timeInterval)) : .resolved(at: now)
            return OutgoingRequest(
                url: Self.alertsURL(base), body: try AlertmanagerPayload.body(for: [alert], state: state))
        case (.alertmanager(let base), .resolve(let alert)):
            return OutgoingRequest(
                url: Self.alertsURL(base), body: try AlertmanagerPayload.body(for: [alert], state: .resolved(at: now)))
        case (_, .resolve):
            throw AlertingError(
                .invalidURL, receiver: receiver.description, detail: "only Alertmanager receivers resolve alerts")
        }
    }

    /// `<base>/api/v2/alerts`, keeping a path prefix of the base (e.g. behind a proxy).
    static func alertsURL(_ base: URL) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + AlertmanagerPayload.path) ?? base
    }
}
