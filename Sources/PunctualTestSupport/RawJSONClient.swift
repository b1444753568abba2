import AsyncHTTPClient
import Foundation
import KubeClient
import NIOCore

/// A tiny HTTP client for tests that speaks raw JSON to an API server (KubeSim), with no Kubernetes
/// logic in between, so tests see exactly what the server sends.
public final class RawJSONClient: Sendable {
    /// The HTTP methods tests use.
    public enum Method: String, Sendable {
        case GET, POST, PUT, PATCH, DELETE
    }

    /// A response: status code, headers and the body parsed as JSON (`nil` if empty or not JSON).
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var json: JSONValue?
        public var text: String

        /// The body, or an empty object: handy for chained lookups in expectations.
        public var body: JSONValue { json ?? .object([:]) }
    }

    /// A failure of the client itself (not an HTTP error status, which is returned as a Reply).
    public struct ClientError: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    public let baseURL: URL
    private let bearerToken: String?
    private let client: HTTPClient
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - baseURL: the server, e.g. `http://127.0.0.1:PORT`.
    ///   - bearerToken: sent as `Authorization: Bearer` when set.
    ///   - configuration: the AsyncHTTPClient configuration (TLS settings for HTTPS tests).
    ///   - timeout: the deadline of each request, in real time, so a hung test fails instead of hanging.
    public init(
        baseURL: URL, bearerToken: String? = nil, configuration: HTTPClient.Configuration = .init(),
        timeout: TimeAmount = .seconds(10)
    ) {
        self.baseURL = baseURL
        self.bearerToken = bearerToken
        self.timeout = timeout
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the client's connections.
    public func shutdown() async {
        try? await client.shutdown()
    }

    private func makeRequest(
        _ method: Method, _ path: String, body: JSONValue?, contentType: String, headers: [String: String]
    ) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL.absoluteString + path)
        switch method {
        case .GET: request.method = .GET
        case .POST: request.method = .POST
        case .PUT: request.method = .PUT
        case .PATCH: request.method = .PATCH
        case .DELETE: request.method = .DELETE
        }
        if let bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)") }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: try body.serialized()))
        }
        return request
    }

    /// Sends one request and collects the whole response.
    public func request(
        _ method: Method, _ path: String, body: JSONValue? = nil, contentType: String = "application/json",
        headers: [String: String] = [:]
    ) async throws -> Reply {
        let request = try makeRequest(method, path, body: body, contentType: contentType, headers: headers)
        return try await collect(request)
    }

    /// Sends raw bytes (e.g. a protobuf body) and collects the response.
    public func requestBytes(_ method: Method, _ path: String, body: [UInt8], contentType: String) async throws -> Reply
    {
        var request = try makeRequest(method, path, body: nil, contentType: contentType, headers: [:])
        request.headers.replaceOrAdd(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await collect(request)
    }

    private func collect(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let text = String(buffer: buffer)
        let json = buffer.readableBytes > 0 ? try? JSONValue.parse(Data(text.utf8)) : nil
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: headers, json: json, text: text)
    }

    /// Opens a watch (the path should carry `watch=1`) and returns its events as they arrive.
    ///
    /// The stream ends when the server ends the response; cancelling the consuming task closes it.
    public func watch(_ path: String, headers: [String: String] = [:]) async throws -> WatchConnection {
        let request = try makeRequest(.GET, path, body: nil, contentType: "", headers: headers)
        let response = try await client.execute(request, timeout: .hours(1))
        guard response.status == .ok else {
            let buffer = try await response.body.collect(upTo: 1024 * 1024)
            throw ClientError(description: "watch \(path) answered \(response.status.code): \(String(buffer: buffer))")
        }
        let (stream, continuation) = AsyncThrowingStream<RawWatchEvent, any Error>.makeStream()
        let reader = Task {
            var pending: [UInt8] = []
            do {
                for try await chunk in response.body {
                    pending.append(contentsOf: chunk.readableBytesView)
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = Data(pending[..<newline])
                        pending.removeSubrange(...newline)
                        if line.isEmpty { continue }
                        continuation.yield(try JSONDecoder().decode(RawWatchEvent.self, from: line))
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return WatchConnection(events: stream, reader: reader)
    }
}

/// An open watch: its events, and the task that reads them (cancelled by ``close()``).
public struct WatchConnection: Sendable {
    public let events: AsyncThrowingStream<RawWatchEvent, any Error>
    let reader: Task<Void, Never>

    /// Closes the connection.
    public func close() { reader.cancel() }

    /// Every event until the server ends the stream, failing if that takes longer than `timeout` of real time.
    public func untilEnd(timeout: Duration = .seconds(5)) async throws -> [RawWatchEvent] {
        try await collect(upTo: nil, timeout: timeout, waitingFor: "the end of the watch")
    }

    /// The next `count` events, failing if the stream ends first or `timeout` of real time passes.
    public func next(_ count: Int, timeout: Duration = .seconds(5)) async throws -> [RawWatchEvent] {
        let events = try await collect(upTo: count, timeout: timeout, waitingFor: "\(count) watch events")
        guard events.count == count else {
            throw RawJSONClient.ClientError(
                description: "watch ended after \(events.count) of \(count) events: \(events.map(\.type))")
        }
        return events
    }

    /// Reads events until `limit` (or the end of the stream), racing a real-time deadline.
    private func collect(upTo limit: Int?, timeout: Duration, waitingFor what: String) async throws
        -> [RawWatchEvent]
    {
        try await withThrowingTaskGroup(of: [RawWatchEvent]?.self) { group in
            group.addTask {
                var collected: [RawWatchEvent] = []
                for try await event in events {
                    collected.append(event)
                    if collected.count == limit { break }
                }
                return collected
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let result = try await group.next(), let events = result else {
                throw RawJSONClient.ClientError(description: "timed out after \(timeout) waiting for \(what)")
            }
            return events
        }
    }
}
