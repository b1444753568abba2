import Alerting
import Foundation
import Testing

/// DingTalk signing against vectors computed independently with Python's `hmac`:
/// `base64(hmac.new(secret, f"{ts}\n{secret}", sha256).digest())`.
@Suite("DingTalk signing")
struct DingTalkSignerTests {
    @Test("signature matches the Python hmac vector")
    func knownVector() {
        let signature = DingTalkSigner.signature(
            timestampMilliseconds: 1_732_170_000_123, secret: "SEC0123456789abcdef")
        #expect(signature == "Rwmuy9VphUxtssVS4aTYMadhjm+DZzvaYogHccNM9eE=")
    }

    @Test("the signed URL keeps access_token and adds timestamp and a percent-encoded sign")
    func signedURL() throws {
        let url = try #require(URL(string: "https://oapi.dingtalk.com/robot/send?access_token=abc"))
        let signed = DingTalkSigner.signedURL(
            url, at: Date(timeIntervalSince1970: 1_732_170_000.123_4), secret: "SEC0123456789abcdef")
        #expect(
            signed.absoluteString
                == "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1732170000123"
                + "&sign=Rwmuy9VphUxtssVS4aTYMadhjm%2BDZzvaYogHccNM9eE%3D")
    }

    @Test("signing again replaces the previous timestamp and sign")
    func resigning() throws {
        let url = try #require(URL(string: "https://oapi.dingtalk.com/robot/send?access_token=abc"))
        let first = DingTalkSigner.signedURL(url, at: Date(timeIntervalSince1970: 1_000), secret: "s")
        let second = DingTalkSigner.signedURL(first, at: Date(timeIntervalSince1970: 2_000), secret: "s")
        let items = URLComponents(url: second, resolvingAgainstBaseURL: false)?.queryItems ?? []
        #expect(items.map(\.name) == ["access_token", "timestamp", "sign"])
        #expect(items.first { $0.name == "timestamp" }?.value == "2000000")
    }
}
