import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An HTTP server on 127.0.0.1 (port chosen by the system) that records every POST and answers
/// 200 `ok`, or, for paths starting with `/big`, 500 with a one-megabyte body.
final class RecordingReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var query: [String: String]
        var headers: [String: String]
        var body: Data
    }

    private let received = Mutex<[Received]>([])
    private let port = Mutex<(value: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    var requests: [Received] { received.withLock { $0 } }

    /// The application to run in a `ServiceGroup`.
    func application() -> some Service {
        var logger = Logger(label: "test.receiver")
        logger.logLevel = .critical
        return Application(
            responder: CallbackResponder { (request: Request, _: BasicRequestContext) in
                await self.respond(to: request)
            },
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.bound(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// The listening port, once bound.
    func waitUntilListening() async -> Int {
        await withCheckedContinuation { continuation in
            let ready: Int? = port.withLock { state in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func bound(_ value: Int) {
        let waiters = port.withLock { state in
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    private func respond(to request: Request) async -> Response {
        let body = (try? await request.body.collect(upTo: 1 << 20)).map { Data(buffer: $0) } ?? Data()
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
        let path = request.uri.path
        received.withLock { $0.append(Received(path: path, query: query, headers: headers, body: body)) }
        if path.hasPrefix("/big") {
            let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 1 << 20)
            return Response(status: .internalServerError, body: ResponseBody(byteBuffer: big))
        }
        return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
    }
}
