import Alerting
import Foundation
import Testing

@Suite("Outbound address guard")
struct AddressGuardTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let url: String
        /// What the (fake) resolver answers for the URL's host.
        var resolvesTo: [String] = []
        var allowsLinkLocal = false
        /// nil: allowed; otherwise the error code expected.
        let refusal: AlertingError.Code?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "public https host → allowed", url: "https://hooks.slack.com/services/T/B/X",
            resolvesTo: ["34.226.36.48"], refusal: nil),
        Case(name: "loopback http → allowed", url: "http://127.0.0.1:9093", refusal: nil),
        Case(
            name: "cluster service name → allowed", url: "http://alertmanager.monitoring:9093",
            resolvesTo: ["10.96.12.7"], refusal: nil),
        Case(name: "ftp scheme → invalid", url: "ftp://example.com/x", refusal: .invalidURL),
        Case(name: "file URL → invalid", url: "file:///etc/passwd", refusal: .invalidURL),
        Case(
            name: "AWS metadata IPv4 → refused", url: "http://169.254.169.254/latest/meta-data/",
            refusal: .refusedDestination),
        Case(name: "any 169.254/16 → refused", url: "http://169.254.1.2:8080/", refusal: .refusedDestination),
        Case(name: "IPv6 link-local → refused", url: "http://[fe80::1]/", refusal: .refusedDestination),
        Case(name: "IPv6 febf:: (still fe80::/10) → refused", url: "http://[febf::1]/", refusal: .refusedDestination),
        Case(name: "IPv6 fec0:: (outside fe80::/10) → allowed", url: "http://[fec0::1]/", refusal: nil),
        Case(
            name: "IPv4-mapped link-local → refused", url: "http://[::ffff:169.254.169.254]/",
            refusal: .refusedDestination),
        Case(name: "AWS IPv6 metadata → refused", url: "http://[fd00:ec2::254]/", refusal: .refusedDestination),
        Case(name: "Alibaba metadata → refused", url: "http://100.100.100.200/", refusal: .refusedDestination),
        Case(
            name: "GCE metadata name → refused", url: "http://metadata.google.internal/computeMetadata/v1/",
            refusal: .refusedDestination),
        Case(
            name: "metadata name with trailing dot, upper case → refused", url: "http://Metadata.Google.Internal./",
            refusal: .refusedDestination),
        Case(
            name: "name resolving to link-local → refused", url: "https://innocent.example.com/hook",
            resolvesTo: ["93.184.216.34", "169.254.169.254"], refusal: .refusedDestination),
        Case(
            name: "link-local allowed by the flag", url: "http://169.254.169.254/", allowsLinkLocal: true,
            refusal: nil),
        Case(
            name: "metadata name allowed by the flag", url: "http://metadata.google.internal/",
            allowsLinkLocal: true, refusal: nil),
        Case(
            name: "the flag still requires http/https", url: "gopher://169.254.169.254/", allowsLinkLocal: true,
            refusal: .invalidURL),
    ]

    @Test(arguments: cases)
    func check(_ testCase: Case) async throws {
        let url = try #require(URL(string: testCase.url))
        let answer = testCase.resolvesTo
        let addressGuard = AddressGuard(allowsLinkLocal: testCase.allowsLinkLocal, resolver: { _ in answer })
        do {
            try await addressGuard.check(url, receiver: "webhook receiver test")
            #expect(testCase.refusal == nil, "expected \(String(describing: testCase.refusal))")
        } catch {
            #expect(error.code == testCase.refusal, "\(error)")
            #expect(error.receiver == "webhook receiver test")
        }
    }
}
