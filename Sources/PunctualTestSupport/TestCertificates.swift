import AsyncHTTPClient
import Foundation
import NIOSSL

/// A throw-away PKI for TLS tests, made with the `openssl` command: a CA, a server certificate for
/// `127.0.0.1`/`localhost`, and a client certificate, all signed by the CA, in a temporary directory.
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caCertificate: String { directory.appendingPathComponent("ca.crt").path }
    public var caKey: String { directory.appendingPathComponent("ca.key").path }
    public var serverCertificate: String { directory.appendingPathComponent("server.crt").path }
    public var serverKey: String { directory.appendingPathComponent("server.key").path }
    public var clientCertificate: String { directory.appendingPathComponent("client.crt").path }
    public var clientKey: String { directory.appendingPathComponent("client.key").path }

    /// A failed openssl run, with its arguments and output.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Generates the CA, server and client certificates (EC P-256, valid one day).
    ///
    /// - Throws: ``Failure`` when openssl is missing, fails, or takes longer than 30 s.
    public static func generate() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "punctual-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pki = TestCertificates(directory: directory)
        try pki.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", pki.caKey])
        try pki.openssl([
            "req", "-x509", "-new", "-key", pki.caKey, "-days", "1", "-subj", "/CN=punctual-test-ca", "-out",
            pki.caCertificate,
        ])
        try pki.issue(name: "server", subject: "/CN=localhost", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost")
        try pki.issue(name: "client", subject: "/CN=tester/O=system:masters", extensions: "extendedKeyUsage=clientAuth")
        return pki
    }

    /// An AsyncHTTPClient configuration that trusts the CA and, if asked, presents the client certificate.
    public func httpClientConfiguration(presentingClientCertificate: Bool) throws -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificate))
        if presentingClientCertificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientKey, format: .pem))
        }
        return HTTPClient.Configuration(tlsConfiguration: tls)
    }

    /// Deletes the directory.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func issue(name: String, subject: String, extensions: String) throws {
        let key = directory.appendingPathComponent("\(name).key").path
        let request = directory.appendingPathComponent("\(name).csr").path
        let certificate = directory.appendingPathComponent("\(name).crt").path
        let extensionFile = directory.appendingPathComponent("\(name).ext")
        try Data((extensions + "\n").utf8).write(to: extensionFile)
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
        // PKCS#8, which every TLS stack reads.
        try openssl(["pkcs8", "-topk8", "-nocrypt", "-in", key, "-out", key + ".p8"])
        try FileManager.default.removeItem(atPath: key)
        try FileManager.default.moveItem(atPath: key + ".p8", toPath: key)
        try openssl(["req", "-new", "-key", key, "-subj", subject, "-out", request])
        try openssl([
            "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", caKey, "-CAcreateserial", "-days", "1",
            "-extfile", extensionFile.path, "-out", certificate,
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["timeout", "30", "openssl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run openssl: \(error)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description: "openssl \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
        }
    }
}
