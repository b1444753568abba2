import Foundation
import KubeClient

/// The documents of one manifest file, for the commands that read manifests.
enum ManifestDocuments {
    /// Parses every non-empty document of `text` (see `JSONValue.yamlDocuments`).
    ///
    /// - Throws: ``CommandLineError`` naming the file and the parser's complaint.
    static func parse(_ text: String, file: String) throws(CommandLineError) -> [JSONValue.YAMLDocument] {
        do {
            return try JSONValue.yamlDocuments(text)
        } catch {
            throw CommandLineError("\(file): not valid YAML: \(error)")
        }
    }
}
