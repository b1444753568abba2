import Foundation
import KubeClient
import KubeSim

/// The cluster-wide objects a simulated cluster needs before Punctual can run on it, read from
/// this source tree: the ScheduledTask CRD (so the kind is served) and the tier PriorityClasses
/// (run pods name them, and admission refuses pods of unknown classes).
public enum PunctualDefinitions {
    /// `crds/punctual.dev_scheduledtasks.yaml` of this checkout.
    public static let crdURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("crds/punctual.dev_scheduledtasks.yaml")

    /// `config/priority/priorityclasses.yaml` of this checkout.
    public static let priorityClassesURL = crdURL.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/priority/priorityclasses.yaml")

    /// A manifest that could not be read or installed, naming the file.
    public struct InstallError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The CRD and the PriorityClasses as objects, for callers that create them over HTTP (a
    /// separate `punctual sim` process) rather than in an in-process store.
    public static func manifests(
        crd: URL = crdURL, priorityClasses: URL = priorityClassesURL
    ) throws -> (definition: JSONValue, priorityClasses: [JSONValue]) {
        guard let definition = try documents(at: crd, what: "the ScheduledTask CRD").first else {
            throw InstallError(description: "\(crd.path) holds no YAML document")
        }
        return (definition, try documents(at: priorityClasses, what: "the PriorityClasses"))
    }

    /// Creates the CRD and the PriorityClasses in `store`, as `kubectl apply` would.
    public static func install(
        into store: SimStore, crd: URL = crdURL, priorityClasses: URL = priorityClassesURL
    ) throws {
        let manifests = try manifests(crd: crd, priorityClasses: priorityClasses)
        try store.create(
            GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions"), namespace: "",
            object: manifests.definition)
        for priorityClass in manifests.priorityClasses {
            try store.create(
                GroupResource(group: "scheduling.k8s.io", resource: "priorityclasses"), namespace: "",
                object: priorityClass)
        }
    }

    private static func documents(at url: URL, what: String) throws -> [JSONValue] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw InstallError(description: "cannot read \(what) at \(url.path): \(error)")
        }
        return try JSONValue.yamlDocuments(text).map(\.value)
    }
}
