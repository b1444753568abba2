import KubeClient
import Synchronization

/// What a write does with fields the schema does not know (`?fieldValidation=`), as on a real
/// server: kubectl 1.32 sends `Strict`; other clients get `Warn` by default.
///
/// KubeSim knows the fields of custom resources only (their CRD schema's pruning finds the unknown
/// ones); built-in kinds are stored as sent under every mode.
public enum FieldValidation: String, Sendable, Hashable, CaseIterable {
    /// Unknown fields are dropped silently.
    case ignore = "Ignore"
    /// Unknown fields are dropped and reported as `Warning` headers.
    case warn = "Warn"
    /// A write with unknown fields is refused with 400 BadRequest `strict decoding error`.
    case strict = "Strict"

    /// Parses the query parameter; an absent value is the server default, `Warn`.
    ///
    /// - Throws: 400 BadRequest for a value that is not one of the three modes.
    public init(query value: String?) throws(Status) {
        guard let value, !value.isEmpty else {
            self = .warn
            return
        }
        guard let mode = FieldValidation(rawValue: value) else {
            throw Status.badRequest(
                "fieldValidation \"\(value)\" is not one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = mode
    }
}

/// The warnings admission raises during one write (e.g. unknown fields under
/// ``FieldValidation/warn``), returned to the client as `Warning: 299` headers.
public final class AdmissionWarnings: Sendable {
    private let messages = Mutex<[String]>([])

    public init() {}

    /// Records one warning.
    public func append(_ message: String) {
        messages.withLock { $0.append(message) }
    }

    /// Every warning recorded, in order.
    public var all: [String] { messages.withLock { $0 } }
}
