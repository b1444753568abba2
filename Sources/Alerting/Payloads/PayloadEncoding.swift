import Foundation

/// The JSON conventions every payload shares: keys sorted (stable bytes, golden tests), no
/// escaped slashes, dates as RFC 3339 strings in UTC with whole seconds.
enum PayloadEncoding {
    static func encode(_ value: some Encodable, for receiver: String) throws(AlertingError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(AlertTime.format(date))
        }
        do {
            return try encoder.encode(value)
        } catch {
            throw AlertingError(.encoding, receiver: receiver, detail: "cannot encode the payload: \(error)")
        }
    }
}
