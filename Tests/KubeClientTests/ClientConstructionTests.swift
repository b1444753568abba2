import Foundation
import KubeClient
import Testing

@Suite struct ClientConstructionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let settings: TLSSettings
        let field: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(
            name: "CA that is not PEM", settings: TLSSettings(certificateAuthorityData: Data("not a cert".utf8)),
            field: "certificate-authority"),
        Case(
            name: "client certificate that is not PEM",
            settings: TLSSettings(clientCertificateData: Data("x".utf8), clientKeyData: Data("y".utf8)),
            field: "client-certificate"),
        Case(
            name: "rate limit checked before any connection exists", settings: TLSSettings(), field: "qps"),
    ])
    func unusableSettingsAreRejectedNamingTheField(_ testCase: Case) throws {
        let configuration = ClientConfiguration(
            server: try #require(URL(string: "https://127.0.0.1:6443")), tls: testCase.settings,
            qps: testCase.field == "qps" ? 0 : 5)
        #expect {
            try KubeClient(configuration: configuration)
        } throws: { error in
            (error as? ConfigurationError)?.field == testCase.field
        }
    }
}
