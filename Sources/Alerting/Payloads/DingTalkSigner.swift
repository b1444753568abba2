import Foundation

/// DingTalk robot request signing ("加签"): the robot checks `timestamp` (milliseconds, within
/// an hour of its clock) and `sign` = Base64(HMAC-SHA256(key: secret, "<timestamp>\n<secret>")).
public enum DingTalkSigner {
    /// The signature for `timestampMilliseconds`, Base64 (not yet percent-encoded).
    public static func signature(timestampMilliseconds: Int64, secret: String) -> String {
        let message = Array("\(timestampMilliseconds)\n\(secret)".utf8)
        let code = HMACSHA256.authenticationCode(for: message, key: Array(secret.utf8))
        return Data(code).base64EncodedString()
    }

    /// `url` with `timestamp` and `sign` query parameters added (existing ones, such as the
    /// robot's `access_token`, are kept).
    public static func signedURL(_ url: URL, at date: Date, secret: String) -> URL {
        let timestamp = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let sign = signature(timestampMilliseconds: timestamp, secret: secret)
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
        var items = (components.percentEncodedQueryItems ?? []).filter { $0.name != "timestamp" && $0.name != "sign" }
        items.append(URLQueryItem(name: "timestamp", value: "\(timestamp)"))
        items.append(URLQueryItem(name: "sign", value: percentEncode(sign)))
        components.percentEncodedQueryItems = items
        return components.url ?? url
    }

    /// Percent-encodes everything but unreserved characters (Base64's `+`, `/` and `=` included).
    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
