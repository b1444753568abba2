import Foundation

/// A POST about to be sent: already signed, with the headers it needs.
public struct OutgoingRequest: Sendable, Hashable {
    public var url: URL
    public var headers: [String: String]
    public var body: Data

    public init(url: URL, headers: [String: String] = [:], body: Data) {
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What a receiver answered.
public struct TransportResponse: Sendable, Hashable {
    public var status: Int
    /// The start of the response body (capped by the transport), for error messages.
    public var body: String

    public init(status: Int, body: String = "") {
        self.status = status
        self.body = body
    }
}

/// Sends one POST. Implemented over AsyncHTTPClient by ``HTTPAlertTransport``; tests use
/// scripted transports to drive retries in virtual time.
public protocol AlertTransport: Sendable {
    /// Sends `request`, giving up after `timeout`.
    ///
    /// - Returns: the response, whatever its status.
    /// - Throws: ``AlertingError`` with code `timeout` or `connection` when there is no answer.
    func send(_ request: OutgoingRequest, timeout: Duration) async throws(AlertingError) -> TransportResponse
}
