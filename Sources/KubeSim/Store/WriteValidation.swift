import KubeClient

/// How a write handles unknown fields, and where admission's warnings about it go.
public struct WriteValidation: Sendable {
    public var mode: FieldValidation
    public var warnings: AdmissionWarnings

    /// - Parameters:
    ///   - mode: ``FieldValidation/ignore`` by default for in-process writes (HTTP requests default to `Warn`).
    ///   - warnings: collects the warnings to return to the client.
    public init(mode: FieldValidation = .ignore, warnings: AdmissionWarnings = AdmissionWarnings()) {
        self.mode = mode
        self.warnings = warnings
    }
}
