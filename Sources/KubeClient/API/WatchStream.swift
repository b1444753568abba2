import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// The events of one watch connection, as an `AsyncSequence`.
///
/// Events are decoded as the bytes arrive (see ``WatchLineDecoder``). Reading is pull-based:
/// the connection is read only as fast as the consumer asks for events, so memory stays bounded
/// by one network chunk plus one line. The sequence ends when the server closes the stream
/// (e.g. after `timeoutSeconds`), and throws:
/// - ``KubeError`` with kind `.gone` for an ERROR event with code 410 or reason `Expired`/`Gone`
///   (the resourceVersion is too old: relist);
/// - ``KubeError`` for any other ERROR event;
/// - ``KubeError`` `.transport` when the connection breaks.
///
/// Malformed lines and objects that do not decode as `Object` are logged and skipped: one bad
/// object never ends the stream. Cancelling the consuming task, or dropping the iterator,
/// closes the connection. Iterate it once.
public struct WatchStream<Object: KubeObjectRepresentable>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Object>

    private let body: HTTPClientResponse.Body
    private let request: KubeRequest
    private let logger: Logger
    private let omitted: OmittedFields
    private let onSkipped: (@Sendable (String) -> Void)?

    init(
        body: HTTPClientResponse.Body, request: KubeRequest, logger: Logger, omitting omitted: OmittedFields,
        onSkipped: (@Sendable (String) -> Void)?
    ) {
        self.body = body
        self.request = request
        self.logger = logger
        self.omitted = omitted
        self.onSkipped = onSkipped
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            chunks: body.makeAsyncIterator(),
            interpreter: WatchEventInterpreter<Object>(request: request, logger: logger, onSkipped: onSkipped),
            decoder: WatchLineDecoder(omitting: omitted))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPClientResponse.Body.AsyncIterator
        var interpreter: WatchEventInterpreter<Object>
        var decoder: WatchLineDecoder
        var pending: [WatchLineDecoder.Line] = []
        var isFinished = false

        public mutating func next() async throws -> WatchEvent<Object>? {
            while true {
                while !pending.isEmpty {
                    if let event = try interpreter.interpret(pending.removeFirst()) { return event }
                }
                if isFinished { return nil }
                let chunk: ByteBuffer?
                do {
                    chunk = try await chunks.next()
                } catch {
                    isFinished = true
                    if Task.isCancelled || error is CancellationError { throw CancellationError() }
                    throw interpreter.transportError(error)
                }
                if let chunk {
                    pending = decoder.feed(chunk.readableBytesView)
                } else {
                    pending = decoder.finish()
                    isFinished = true
                }
            }
        }
    }
}

/// Turns decoded lines into typed events or errors (sans-I/O, shared by every watch).
public struct WatchEventInterpreter<Object: KubeObjectRepresentable>: Sendable {
    let request: KubeRequest
    let logger: Logger
    let onSkipped: (@Sendable (String) -> Void)?

    public init(request: KubeRequest, logger: Logger, onSkipped: (@Sendable (String) -> Void)? = nil) {
        self.request = request
        self.logger = logger
        self.onSkipped = onSkipped
    }

    /// The event for one line, `nil` for a skipped line, or a thrown ``KubeError`` for ERROR.
    public func interpret(_ line: WatchLineDecoder.Line) throws -> WatchEvent<Object>? {
        switch line {
        case .malformed(let preview, let reason):
            skip("malformed watch line", ["line": "\(preview)", "reason": "\(reason)"])
            return nil
        case .event(let raw):
            return try interpret(raw)
        }
    }

    public func interpret(_ raw: RawWatchEvent) throws -> WatchEvent<Object>? {
        switch raw.type {
        case .error:
            throw error(from: raw.object)
        case .bookmark:
            guard let version = raw.object[path: ["metadata", "resourceVersion"]]?.stringValue else {
                skip("bookmark without resourceVersion", [:])
                return nil
            }
            return .bookmark(resourceVersion: version)
        case .added, .modified, .deleted:
            let object: Object
            do {
                object = try raw.object.decode(as: Object.self)
            } catch {
                let meta = raw.object.objectMeta
                skip(
                    "watched object does not decode",
                    ["name": "\(meta.namespace ?? "")/\(meta.name ?? "")", "error": "\(error)"])
                return nil
            }
            switch raw.type {
            case .added: return .added(object)
            case .modified: return .modified(object)
            default: return .deleted(object)
            }
        }
    }

    func error(from object: JSONValue) -> KubeError {
        let status = try? object.decode(as: Status.self)
        let code = status?.code ?? 500
        return KubeError(
            KubeError.kind(code: code, status: status, retryAfter: nil), verb: .watch,
            resource: request.resource.description, namespace: request.namespace, status: status,
            message: status?.message ?? "watch ERROR event without a Status")
    }

    func transportError(_ error: any Error) -> KubeError {
        KubeError(
            .transport(underlying: error), verb: .watch, resource: request.resource.description,
            namespace: request.namespace, message: "the watch connection broke: \(error)")
    }

    private func skip(_ message: Logger.Message, _ metadata: Logger.Metadata) {
        var metadata = metadata
        metadata["resource"] = "\(request.resource)"
        logger.warning(message, metadata: metadata)
        onSkipped?(message.description)
    }
}
