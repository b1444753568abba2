import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KubeClient
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The simulated Kubernetes API server: a ``SimStore`` served over real HTTP (or HTTPS).
///
/// Tests start one in-process with ``start()`` (it binds `127.0.0.1` on a free port by default
/// and returns the base URL) and end it with ``stop()``. `punctual sim` runs it as a `Service` in
/// a `ServiceGroup`, so SIGTERM and SIGINT stop it gracefully: open watch streams are ended first
/// (their remaining events dropped), then the listener; connections still busy after
/// ``Configuration/shutdownGracePeriod`` (a client that stopped reading) are cancelled.
///
/// Authentication is optional: with a bearer token configured, every request except the health
/// probes must carry `Authorization: Bearer <token>` (401 Unauthorized otherwise). With TLS and a
/// client CA configured, the TLS handshake itself requires a client certificate signed by that CA,
/// and such connections are authenticated without a token.
///
/// Fault injection is reachable through ``faults`` and over HTTP under `/sim/faults` (see
/// ``FaultInjector``).
public final class APIServer: Service, Sendable {
    /// Where and how the server listens.
    public struct Configuration: Sendable {
        /// The address to bind; loopback by default.
        public var host: String
        /// The port to bind; 0 picks a free port (see ``APIServer/start()`` for the result).
        public var port: Int
        /// The bearer token every request must carry, if any.
        public var bearerToken: String?
        /// Serve HTTPS with these files instead of HTTP.
        public var tls: TLSFiles?
        /// How often watchers that allow bookmarks get a BOOKMARK, on the simulation clock; `nil`
        /// sends none. The ticker is one permanent sleeper on a `ManualClock`, as is every watch
        /// with `timeoutSeconds`; tests counting sleepers should account for them.
        public var bookmarkInterval: Duration?
        /// Events buffered per watch before a watcher that does not keep up is closed.
        public var watchBufferLimit: Int
        /// The largest request body accepted.
        public var maxBodyBytes: Int
        /// How long, in real time, graceful shutdown waits for in-flight responses after every
        /// watch was ended; then the connections still open are cancelled and closed. This bounds
        /// shutdown when a client stopped reading and a watch write waits on a full socket.
        public var shutdownGracePeriod: Duration

        public init(
            host: String = "127.0.0.1", port: Int = 0, bearerToken: String? = nil, tls: TLSFiles? = nil,
            bookmarkInterval: Duration? = .seconds(60), watchBufferLimit: Int = 10_000,
            maxBodyBytes: Int = 16 * 1024 * 1024, shutdownGracePeriod: Duration = .seconds(5)
        ) {
            self.host = host
            self.port = port
            self.bearerToken = bearerToken
            self.tls = tls
            self.bookmarkInterval = bookmarkInterval
            self.watchBufferLimit = watchBufferLimit
            self.maxBodyBytes = maxBodyBytes
            self.shutdownGracePeriod = shutdownGracePeriod
        }
    }

    /// PEM files for HTTPS.
    public struct TLSFiles: Sendable {
        public var certificatePath: String
        public var privateKeyPath: String
        /// When set, clients must present a certificate signed by this CA (mutual TLS).
        public var clientCAPath: String?

        public init(certificatePath: String, privateKeyPath: String, clientCAPath: String? = nil) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
            self.clientCAPath = clientCAPath
        }
    }

    /// Failures reported by ``start()``.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private struct Lifecycle {
        var baseURL: URL?
        var group: ServiceGroup?
        var task: Task<Void, any Error>?
        var isStopping = false
        /// The connections of watch streams in progress, closed when shutdown's grace period ends.
        var watchConnections: [ObjectIdentifier: any Channel] = [:]
    }

    /// The objects the server serves; in-process components may read and write it directly.
    public let store: SimStore
    /// Scripted failures (see ``FaultInjector``).
    public let faults: FaultInjector
    public let configuration: Configuration
    let logger: Logger
    private let lifecycle = Mutex(Lifecycle())

    /// Creates a server for `store`; nothing listens until ``start()`` or ``run()``.
    public init(store: SimStore, configuration: Configuration = Configuration(), logger: Logger? = nil) {
        self.store = store
        self.configuration = configuration
        self.logger =
            logger
            ?? {
                var quiet = Logger(label: "KubeSim")
                quiet.logLevel = .warning
                return quiet
            }()
        faults = FaultInjector(clock: store.clock, store: store)
    }

    /// Creates a server with a fresh store on `clock`.
    public convenience init(clock: any WallClock, configuration: Configuration = Configuration(), logger: Logger? = nil)
    {
        self.init(store: SimStore(clock: clock), configuration: configuration, logger: logger)
    }

    /// The URL clients use, once the server listens.
    public var baseURL: URL? { lifecycle.withLock { $0.baseURL } }

    var isStopping: Bool { lifecycle.withLock { $0.isStopping } }

    // MARK: - Running

    /// Serves until graceful shutdown (or cancellation) of the surrounding `ServiceGroup`.
    public func run() async throws {
        try await serve(onListening: { _ in })
    }

    /// Serves until graceful shutdown, calling `onListening` with the base URL once bound.
    public func serve(onListening: @escaping @Sendable (URL) -> Void) async throws {
        let scheme = configuration.tls == nil ? "http" : "https"
        let host = configuration.host
        let application = Application(
            responder: CallbackResponder { (request: Request, context: ConnectionContext) in
                await ConnectionContext.$current.withValue(context.channel) { await self.respond(to: request) }
            },
            server: try serverBuilder(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: configuration.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                guard let url = URL(string: "\(scheme)://\(shownHost):\(port)") else { return }
                self.lifecycle.withLock { $0.baseURL = url }
                onListening(url)
            },
            logger: logger)
        // Services shut down in reverse order: the bookmark service ends every watch first, then the
        // application drains; whatever has not finished after the grace period is cancelled.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: application), .init(service: BookmarkService(server: self))], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod * 2
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    private func serverBuilder() throws -> HTTPServerBuilder {
        guard let files = configuration.tls else { return .http1() }
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath)
        let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
        var tls: TLSConfiguration
        if let caPath = files.clientCAPath {
            let roots = try NIOSSLCertificate.fromPEMFile(caPath)
            tls = .makeServerConfigurationWithMTLS(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key),
                trustRoots: .certificates(roots))
        } else {
            tls = .makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        }
        // Closing waits this long for the client's close_notify (NIOSSL's default is 5 s), which a
        // client that stopped reading never sends.
        tls.shutdownTimeout = TimeAmount.nanoseconds(
            Int64(configuration.shutdownGracePeriod.components.seconds) * 1_000_000_000
                + configuration.shutdownGracePeriod.components.attoseconds / 1_000_000_000)
        return try .tls(.http1(), tlsConfiguration: tls)
    }

    /// Starts serving in the background and returns the base URL once the port is bound.
    ///
    /// - Throws: ``StartError`` when the server cannot bind or stops before listening.
    @discardableResult
    public func start() async throws -> URL {
        let (bound, continuation) = AsyncStream<URL>.makeStream()
        let group = ServiceGroup(
            services: [ClosureService { try await self.serve(onListening: { continuation.yield($0) }) }],
            gracefulShutdownSignals: [], logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        lifecycle.withLock {
            $0.group = group
            $0.task = task
            $0.isStopping = false
        }
        for await url in bound { return url }
        if case .failure(let error) = await task.result {
            throw StartError(
                description: "KubeSim could not listen on \(configuration.host):\(configuration.port): \(error)")
        }
        throw StartError(description: "KubeSim stopped before listening on \(configuration.host):\(configuration.port)")
    }

    /// Stops a server started with ``start()``: closes watches, stops listening, and waits.
    public func stop() async {
        let (group, task) = lifecycle.withLock { state in
            state.isStopping = true
            return (state.group, state.task)
        }
        store.closeAllSubscriptions()
        await group?.triggerGracefulShutdown()
        _ = await task?.result
        lifecycle.withLock {
            $0.group = nil
            $0.task = nil
            $0.baseURL = nil
        }
    }

    /// Marks the server as stopping and closes every watch so in-flight streams end.
    func beginShutdown() {
        lifecycle.withLock { $0.isStopping = true }
        store.closeAllSubscriptions()
    }

    /// Registers the connection of a watch stream until ``watchEnded(_:)``.
    func watchStarted(_ channel: any Channel) {
        lifecycle.withLock { $0.watchConnections[ObjectIdentifier(channel)] = channel }
    }

    func watchEnded(_ channel: any Channel) {
        _ = lifecycle.withLock { $0.watchConnections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// After ``beginShutdown()``: gives watch streams the grace period to end on their own, then closes
    /// the connections of those still writing (their clients stopped reading, so writes wait forever).
    func closeRemainingWatchConnections() async {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.shutdownGracePeriod
        while clock.now < deadline, lifecycle.withLock({ !$0.watchConnections.isEmpty }) {
            try? await clock.sleep(for: .milliseconds(10))
        }
        let remaining = lifecycle.withLock { state in
            defer { state.watchConnections = [:] }
            return Array(state.watchConnections.values)
        }
        for channel in remaining { channel.close(promise: nil) }
    }
}

/// Sends periodic bookmarks on the simulation clock and, on graceful shutdown, closes every watch
/// so that the HTTP server's own graceful shutdown is not held up by endless streams.
struct BookmarkService: Service {
    let server: APIServer

    func run() async throws {
        let clock = server.store.clock
        let interval = server.configuration.bookmarkInterval
        await withGracefulShutdownHandler {
            guard let interval else {
                try? await gracefulShutdown()
                return
            }
            // The clock may be virtual and never advance again: stop waiting on shutdown.
            try? await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await clock.sleep(for: interval)
                    server.store.sendBookmarks()
                }
            }
        } onGracefulShutdown: {
            server.beginShutdown()
        }
        await server.closeRemainingWatchConnections()
    }
}
