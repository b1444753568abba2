extension ServedResource {
    /// The built-in resources every simulated cluster serves.
    public static let builtIns: [ServedResource] = [
        ServedResource(
            group: "", versions: ["v1"], resource: "namespaces", singular: "namespace", kind: "Namespace",
            isNamespaced: false, shortNames: ["ns"], hasStatus: true,
            verbs: ["create", "delete", "get", "list", "patch", "update", "watch"]),
        ServedResource(
            group: "", versions: ["v1"], resource: "pods", singular: "pod", kind: "Pod", isNamespaced: true,
            shortNames: ["po"], categories: ["all"], hasStatus: true),
        ServedResource(
            group: "", versions: ["v1"], resource: "nodes", singular: "node", kind: "Node", isNamespaced: false,
            shortNames: ["no"], hasStatus: true),
        ServedResource(
            group: "", versions: ["v1"], resource: "events", singular: "event", kind: "Event", isNamespaced: true,
            shortNames: ["ev"]),
        ServedResource(
            group: "", versions: ["v1"], resource: "secrets", singular: "secret", kind: "Secret",
            isNamespaced: true),
        ServedResource(
            group: "", versions: ["v1"], resource: "configmaps", singular: "configmap", kind: "ConfigMap",
            isNamespaced: true, shortNames: ["cm"]),
        ServedResource(
            group: "batch", versions: ["v1"], resource: "jobs", singular: "job", kind: "Job", isNamespaced: true,
            categories: ["all"], hasStatus: true),
        ServedResource(
            group: "coordination.k8s.io", versions: ["v1"], resource: "leases", singular: "lease", kind: "Lease",
            isNamespaced: true),
        ServedResource(
            group: "events.k8s.io", versions: ["v1"], resource: "events", singular: "event", kind: "Event",
            isNamespaced: true, shortNames: ["ev"]),
        ServedResource(
            group: "scheduling.k8s.io", versions: ["v1"], resource: "priorityclasses", singular: "priorityclass",
            kind: "PriorityClass", isNamespaced: false, shortNames: ["pc"]),
        ServedResource(
            group: "apiextensions.k8s.io", versions: ["v1"], resource: "customresourcedefinitions",
            singular: "customresourcedefinition", kind: "CustomResourceDefinition", isNamespaced: false,
            shortNames: ["crd", "crds"], categories: ["api-extensions"], hasStatus: true),
    ]

    /// The namespaces a fresh simulated cluster contains, as on a real one.
    public static let initialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]
}
