import Foundation
import KubeClient

/// One manifest file compiled into the binary: where it came from and its text.
struct EmbeddedManifest: Sendable, Hashable {
    /// The file's path in the repository (for messages and `--help`).
    var path: String
    var text: String

    /// The non-empty YAML documents of the file, as JSON values.
    ///
    /// - Throws: ``DemoError`` naming the file when it is not valid YAML.
    func documents() throws(DemoError) -> [JSONValue] {
        do {
            return try ManifestDocuments.parse(text, file: path).map(\.value)
        } catch {
            throw DemoError(error.message)
        }
    }
}
