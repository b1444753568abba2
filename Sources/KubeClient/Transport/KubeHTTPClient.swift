import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL

/// An answer of the API server with its body read.
public struct KubeResponse: Sendable {
    public var statusCode: Int
    public var body: Data
}

/// Sends ``KubeRequest``s over HTTP(S): rate limited, authenticated, timed out and retried.
///
/// Every attempt first takes a token from the ``ClientRateLimiter`` (by the request's priority), then asks the
/// ``CredentialProvider`` for the `Authorization` header. Failed attempts go through the
/// ``RetryPolicy``; waits happen on the injected clock. A 401 drops cached credentials and is
/// tried once more with fresh ones (a rotated token or expired exec credential).
public final class KubeHTTPClient: Sendable {
    private let httpClient: HTTPClient
    private let baseURL: String
    private let userAgent: String
    private let requestTimeout: Duration
    private let credentials: any CredentialProvider
    private let rateLimiter: ClientRateLimiter
    private let retryPolicy: RetryPolicy
    private let clock: any WallClock
    private let observer: (any RequestObserver)?
    private let logger: Logger
    private let random: @Sendable () -> Double

    /// The largest error body read into memory; longer ones are cut.
    static let maxErrorBody = 1 << 20
    /// The largest successful answer read into memory (a big LIST page).
    static let maxBody = 256 << 20

    /// Everything that can fail is checked before the `HTTPClient` exists: an `HTTPClient`
    /// dropped without `shutdown()` is a programming error (it traps in debug builds).
    ///
    /// - Throws: ``ConfigurationError`` when the TLS material cannot be parsed or the rate
    ///   limit is out of range.
    public init(
        configuration: ClientConfiguration, credentials: any CredentialProvider, clock: any WallClock,
        logger: Logger, observer: (any RequestObserver)? = nil,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) throws {
        self.rateLimiter = try ClientRateLimiter(qps: configuration.qps, burst: configuration.burst, clock: clock)
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.tlsConfiguration = try Self.tlsConfiguration(configuration.tls)
        httpConfiguration.redirectConfiguration = .disallow
        httpConfiguration.timeout = .init(connect: configuration.connectTimeout.timeAmount)
        httpConfiguration.httpVersion = .automatic
        self.httpClient = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration,
            backgroundActivityLogger: logger)
        var base = configuration.server.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.userAgent = configuration.userAgent
        self.requestTimeout = configuration.requestTimeout
        self.credentials = credentials
        self.retryPolicy = configuration.retryPolicy
        self.clock = clock
        self.observer = observer
        self.logger = logger
        self.random = random
    }

    /// Closes all connections. Call exactly once, when the client is no longer used; a client
    /// released without it traps in debug builds (AsyncHTTPClient's leak check).
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    // MARK: - Sending

    /// Sends a request and reads its whole answer.
    ///
    /// - Throws: ``KubeError`` for a non-2xx answer (after retries) or a transport failure.
    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        try await perform(request, timeout: requestTimeout) { response in
            let body = try await response.body.collect(upTo: Self.maxBody)
            return KubeResponse(statusCode: Int(response.status.code), body: Data(buffer: body))
        }
    }

    /// Sends a request whose successful answer is streamed (a watch) and returns its body.
    ///
    /// Errors before the stream starts (non-2xx answers, connection failures) are retried like
    /// any request; once the body is returned, reading it is the caller's business.
    public func stream(_ request: KubeRequest) async throws -> HTTPClientResponse.Body {
        try await perform(request, timeout: nil) { $0.body }
    }

    private func perform<T: Sendable>(
        _ request: KubeRequest, timeout: Duration?, onSuccess: (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        var attempt = 1
        var hasRefreshedCredentials = false
        while true {
            try await rateLimiter.acquire(priority: request.priority)
            let started = clock.now
            let outcome: RetryPolicy.Outcome
            let failure: KubeError
            do {
                let response = try await httpClient.execute(
                    try await httpRequest(for: request),
                    deadline: timeout.map { .now() + $0.timeAmount } ?? .distantFuture,
                    logger: logger)
                let code = Int(response.status.code)
                record(request, code: code, attempt: attempt, since: started)
                if (200..<300).contains(code) {
                    do {
                        return try await onSuccess(response)
                    } catch {
                        throw KubeError(
                            .transport(underlying: error), verb: request.verb, resource: request.resource.description,
                            namespace: request.namespace, name: request.name,
                            message: "reading the answer failed: \(error)")
                    }
                }
                let body =
                    (try? await response.body.collect(upTo: Self.maxErrorBody)).map { Data(buffer: $0) } ?? Data()
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map {
                    Duration.seconds($0)
                }
                failure = KubeError.from(response: code, body: body, retryAfter: retryAfter, request: request)
                if code == 401, !hasRefreshedCredentials, await credentials.invalidate() {
                    hasRefreshedCredentials = true
                    continue
                }
                outcome = .status(code: code, retryAfter: retryAfter)
            } catch let error as KubeError {
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
                record(request, code: nil, attempt: attempt, since: started)
                failure = KubeError(
                    .transport(underlying: error), verb: request.verb, resource: request.resource.description,
                    namespace: request.namespace, name: request.name)
                outcome = .connectionFailure
            }
            let decision = retryPolicy.decide(
                attempt: attempt, isRetryable: request.isRetryable, outcome: outcome, random: random())
            guard case .retry(let delay) = decision else { throw failure }
            logger.debug(
                "retrying API request",
                metadata: [
                    "verb": "\(request.verb.rawValue)", "resource": "\(request.resource)", "attempt": "\(attempt)",
                    "delay": "\(delay)", "error": "\(failure)",
                ])
            try await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
            attempt += 1
        }
    }

    private func httpRequest(for request: KubeRequest) async throws -> HTTPClientRequest {
        var http = HTTPClientRequest(url: baseURL + request.pathAndQuery)
        http.method = HTTPMethod(rawValue: request.method)
        http.headers.add(name: "User-Agent", value: userAgent)
        http.headers.add(name: "Accept", value: "application/json")
        let authorization: String?
        do {
            authorization = try await credentials.authorization()
        } catch {
            throw KubeError(
                .credentials(underlying: error), verb: request.verb, resource: request.resource.description,
                namespace: request.namespace, name: request.name)
        }
        if let authorization { http.headers.add(name: "Authorization", value: authorization) }
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
            http.body = .bytes(ByteBuffer(data: body))
        }
        return http
    }

    private func record(_ request: KubeRequest, code: Int?, attempt: Int, since started: WallInstant) {
        observer?.record(
            RequestRecord(
                verb: request.verb, resource: request.resource, statusCode: code, attempt: attempt,
                duration: started.duration(to: clock.now)))
    }

    // MARK: - TLS

    static func tlsConfiguration(_ settings: TLSSettings) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if settings.isInsecureSkipVerify {
            tls.certificateVerification = .none
        }
        if let ca = settings.certificateAuthorityData {
            do {
                let roots = try NIOSSLCertificate.fromPEMBytes(Array(ca))
                guard !roots.isEmpty else { throw ConfigurationError(message: "no PEM certificate found") }
                tls.trustRoots = .certificates(roots)
            } catch {
                throw ConfigurationError(
                    field: "certificate-authority", message: "not a PEM certificate bundle: \(error)")
            }
        }
        if let certificate = settings.clientCertificateData, let key = settings.clientKeyData {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate)).map { .certificate($0) }
            } catch {
                throw ConfigurationError(field: "client-certificate", message: "not a PEM certificate: \(error)")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key), format: .pem))
            } catch {
                throw ConfigurationError(field: "client-key", message: "not a PEM private key: \(error)")
            }
        }
        return tls
    }
}

extension Duration {
    /// The duration as a NIO `TimeAmount`.
    var timeAmount: TimeAmount { .nanoseconds(Int64(timeInterval * 1e9)) }
}
