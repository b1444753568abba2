import Foundation

/// Why an alert could not be prepared or delivered; never contains secret values.
public struct AlertingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The destination's address is refused by the ``AddressGuard``.
        case refusedDestination
        /// The URL is not usable (no host, not http/https).
        case invalidURL
        /// The receiver answered with a status that retrying cannot fix (4xx).
        case rejected
        /// The receiver kept failing (5xx, timeouts, connection errors) until retries ran out.
        case unavailable
        /// The receiver did not answer in time.
        case timeout
        /// The connection failed.
        case connection
        /// A payload could not be encoded.
        case encoding
    }

    public var code: Code
    /// The receiver concerned (its description, which hides secrets).
    public var receiver: String
    /// What went wrong, e.g. "HTTP 503: upstream down" or "host resolves to 169.254.169.254".
    public var detail: String
    /// The HTTP status, when there was an answer.
    public var status: Int?

    public init(_ code: Code, receiver: String, detail: String, status: Int? = nil) {
        self.code = code
        self.receiver = receiver
        self.detail = detail
        self.status = status
    }

    /// Whether another attempt may succeed: 5xx, timeouts and connection errors, never 4xx.
    public var isRetryable: Bool {
        switch code {
        case .unavailable, .timeout, .connection: true
        case .refusedDestination, .invalidURL, .rejected, .encoding: false
        }
    }

    public var description: String {
        "\(code.rawValue) (\(receiver)): \(detail)" + (status.map { " [HTTP \($0)]" } ?? "")
    }
}
