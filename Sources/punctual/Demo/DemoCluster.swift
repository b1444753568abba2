import Foundation
import KubeClient
import KubeSim

/// What the demo puts into its simulated cluster before the controllers start: the CRD, the
/// controllers' namespace, `examples/` and the demo tasks, written straight into the store as
/// `kubectl apply` would have created them (admission, defaulting and CEL rules included).
enum DemoCluster {
    /// The namespace of the controllers' Lease, as in `config/default`.
    static let controllerNamespace = "punctual-system"
    /// The Lease's name (`punctual controller --leader-election-id`'s default).
    static let leaseName = "punctual-controller"

    /// Everything applied, in order: the CRD first so its kind is served, the tier PriorityClasses
    /// the run pods name, then the objects.
    static var manifests: [EmbeddedManifest] {
        [EmbeddedManifests.crd, EmbeddedManifests.priorityClasses] + EmbeddedManifests.examples + [DemoTasks.manifest]
    }

    /// Creates the namespace and every object of ``manifests`` in `store`.
    ///
    /// - Returns: `namespace/name` of every ScheduledTask created.
    /// - Throws: ``DemoError`` naming the manifest and object the store refused.
    static func install(into store: SimStore) throws(DemoError) -> [String] {
        try create(
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(controllerNamespace)]],
            in: store, from: "the controllers' namespace")
        var tasks: [String] = []
        for manifest in manifests {
            for document in try manifest.documents() {
                let created = try create(document, in: store, from: manifest.path)
                if document["kind"]?.stringValue == "ScheduledTask" { tasks.append(created) }
            }
        }
        return tasks
    }

    /// Creates one object, finding its resource from `apiVersion` and `kind` among those served.
    @discardableResult
    private static func create(_ object: JSONValue, in store: SimStore, from source: String) throws(DemoError) -> String
    {
        let kind = object["kind"]?.stringValue ?? ""
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let group = apiVersion.contains("/") ? String(apiVersion.prefix { $0 != "/" }) : ""
        guard let type = store.resourceTypes().first(where: { $0.kind == kind && $0.group == group }) else {
            throw DemoError("\(source): \(apiVersion) \(kind) \"\(name)\": this kind is not served by the simulator")
        }
        let namespace = type.isNamespaced ? object[path: ["metadata", "namespace"]]?.stringValue ?? "default" : ""
        do {
            _ = try store.create(
                GroupResource(group: type.group, resource: type.resource), namespace: namespace, object: object)
        } catch {
            throw DemoError(
                "\(source): cannot create \(kind) \"\(name)\": \(error.message ?? error.reason ?? "refused")")
        }
        return namespace.isEmpty ? name : "\(namespace)/\(name)"
    }
}
