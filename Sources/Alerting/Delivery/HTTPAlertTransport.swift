import AsyncHTTPClient
import Foundation
import NIOCore

/// ``AlertTransport`` over AsyncHTTPClient: redirects are never followed (a 3xx could point at
/// an address the ``AddressGuard`` refuses) and response bodies are read up to a size cap.
public final class HTTPAlertTransport: AlertTransport {
    private let client: HTTPClient
    private let bodyLimit: Int

    /// - Parameters:
    ///   - bodyLimit: the most response bytes read (the rest is discarded with the connection).
    ///   - connectTimeout: the longest wait for a TCP/TLS connection.
    public init(bodyLimit: Int = 16 * 1024, connectTimeout: Duration = .seconds(5)) {
        self.bodyLimit = max(0, bodyLimit)
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout.connect = .nanoseconds(Int64(connectTimeout.timeInterval * 1e9))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connection pool; call once, when no send is running any more.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func send(_ request: OutgoingRequest, timeout: Duration) async throws(AlertingError) -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = .POST
        outgoing.headers.add(name: "Content-Type", value: "application/json")
        outgoing.headers.add(name: "User-Agent", value: "punctual-controller")
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            outgoing.headers.replaceOrAdd(name: name, value: value)
        }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let host = request.url.host ?? "?"
        do {
            let response = try await client.execute(
                outgoing, timeout: .nanoseconds(Int64(timeout.timeInterval * 1e9)))
            var collected = ByteBuffer()
            for try await chunk in response.body {
                let room = bodyLimit - collected.readableBytes
                guard room > 0 else { break }
                var part = chunk
                if part.readableBytes > room, let slice = part.getSlice(at: part.readerIndex, length: room) {
                    part = slice
                }
                collected.writeBuffer(&part)
            }
            return TransportResponse(status: Int(response.status.code), body: String(buffer: collected))
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            throw AlertingError(.timeout, receiver: host, detail: "no answer within \(timeout)")
        } catch {
            throw AlertingError(.connection, receiver: host, detail: "\(error)")
        }
    }
}
