/// A configuration problem: which file, context and field, and what was expected.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file concerned, if any (a kubeconfig, a token file, a certificate).
    public var file: String?
    /// The kubeconfig context concerned, if any.
    public var context: String?
    /// The field concerned, e.g. `users[admin].user.client-key`.
    public var field: String?
    public var message: String

    public init(file: String? = nil, context: String? = nil, field: String? = nil, message: String) {
        self.file = file
        self.context = context
        self.field = field
        self.message = message
    }

    /// `kubeconfig /home/u/.kube/config, context "dev", field users[dev].user.token: message`.
    public var description: String {
        var parts: [String] = []
        if let file { parts.append("file \(file)") }
        if let context { parts.append("context \"\(context)\"") }
        if let field { parts.append("field \(field)") }
        return parts.isEmpty ? message : parts.joined(separator: ", ") + ": " + message
    }
}
