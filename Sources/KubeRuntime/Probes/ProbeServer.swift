import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// The operating surface of a controller process: `/healthz`, `/readyz` and `/metrics` over
/// HTTP (Hummingbird), run as a swift-service-lifecycle `Service`.
///
/// - `/healthz` answers 200 while the process serves requests at all (liveness);
/// - `/readyz` answers 200 when every ``ReadinessChecks`` check passes, else 503 with the
///   names of the failing checks;
/// - `/metrics` renders the Prometheus registry in the text exposition format. The executable
///   bootstraps `MetricsSystem` once with a `PrometheusMetricsFactory` over the same registry;
///   tests pass their own registry instead.
///
/// With ``ProbeBindAddress/disabled`` the service only waits for shutdown.
public final class ProbeServer: Service {
    public let bindAddress: ProbeBindAddress
    let registry: PrometheusCollectorRegistry
    let readiness: ReadinessChecks
    let logger: Logger
    private let bound = Mutex<(port: Int?, waiters: [CheckedContinuation<Int?, Never>], isFinished: Bool)>(
        (nil, [], false)
    )

    public init(
        bindAddress: ProbeBindAddress,
        registry: PrometheusCollectorRegistry,
        readiness: ReadinessChecks,
        logger: Logger = Logger(label: "punctual.probes")
    ) {
        self.bindAddress = bindAddress
        self.registry = registry
        self.readiness = readiness
        self.logger = logger
    }

    // MARK: - Service

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        defer { finish(port: nil) }
        guard case .address(let host, let port) = bindAddress else {
            logger.info("metrics and probe server disabled")
            await waitForShutdown()
            return
        }
        let application = Application(
            responder: CallbackResponder { (request: Request, _: BasicRequestContext) in
                await self.respond(to: request)
            },
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { [logger] channel in
                let port = channel.localAddress?.port
                logger.info(
                    "serving /metrics, /healthz and /readyz",
                    metadata: ["address": "\(ProbeBindAddress.address(host: host, port: port ?? 0))"]
                )
                self.finish(port: port)
            },
            logger: logger
        )
        try await application.run()
    }

    /// Waits until the server listens and returns its port (the chosen one for `host:0`);
    /// `nil` if it is disabled or stopped before listening.
    public func waitUntilListening() async -> Int? {
        await withCheckedContinuation { continuation in
            let ready: Int?? = bound.withLock { state in
                if let port = state.port { return .some(port) }
                if state.isFinished { return .some(nil) }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func finish(port: Int?) {
        let waiters = bound.withLock { state in
            if state.port == nil { state.port = port }
            state.isFinished = true
            let waiters = state.waiters
            state.waiters.removeAll()
            return (waiters, state.port)
        }
        for waiter in waiters.0 { waiter.resume(returning: waiters.1) }
    }

    private func waitForShutdown() async {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        await withGracefulShutdownHandler {
            for await _ in stream {}
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    // MARK: - Routes

    func respond(to request: Request) async -> Response {
        guard request.method == .get || request.method == .head else {
            return Self.text(.methodNotAllowed, "only GET and HEAD are served\n")
        }
        switch request.uri.path {
        case "/healthz", "/livez":
            return Self.text(.ok, "ok\n")
        case "/readyz":
            let failing = await readiness.failing()
            if failing.isEmpty { return Self.text(.ok, "ok\n") }
            return Self.text(.serviceUnavailable, "not ready: \(failing.joined(separator: ", "))\n")
        case "/metrics":
            var response = Self.text(.ok, registry.emitToString())
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        default:
            return Self.text(.notFound, "not found: \(request.uri.path)\n")
        }
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}
