import KubeClient

/// A group and a plural name: how the store and the URL space identify a kind of resource,
/// independent of the API version it is read through (`jobs.batch`, `pods` in the core group).
public struct GroupResource: Hashable, Sendable, CustomStringConvertible {
    /// The API group; empty for the core (legacy `/api/v1`) group.
    public var group: String
    /// The lower-case plural resource name, as it appears in URLs.
    public var resource: String

    public init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }

    /// `jobs.batch`, or `pods` for the core group: the form real API servers use in messages.
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

/// One printer column of a Table (a CRD's `additionalPrinterColumns` or a built-in column).
public struct PrinterColumn: Hashable, Sendable {
    public var name: String
    /// `string`, `integer`, `number`, `boolean` or `date` (dates are shown as an age).
    public var type: String
    public var format: String
    public var description: String
    public var priority: Int
    /// A simple JSONPath such as `.spec.schedule` or `.status.conditions[0].type`.
    public var jsonPath: String

    public init(
        name: String, type: String, jsonPath: String, format: String = "", description: String = "",
        priority: Int = 0
    ) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
        self.jsonPath = jsonPath
    }
}

/// Everything the simulator knows about one served resource: names for discovery, scope,
/// whether it has a status subresource, and, for custom resources, the CRD's schema and columns.
///
/// Built-in resources come from ``ServedResource/builtIns``; custom resources are derived from
/// CustomResourceDefinition objects when they are stored (see `SimStore`).
public struct ServedResource: Hashable, Sendable {
    public var group: String
    /// The versions served, preferred (storage) version first.
    public var versions: [String]
    public var resource: String
    public var singular: String
    public var kind: String
    public var listKind: String
    public var isNamespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var hasStatus: Bool
    public var verbs: [String]
    /// Printer columns besides NAME and AGE (for CRDs: `additionalPrinterColumns` of the preferred version).
    public var printerColumns: [PrinterColumn]
    /// The `openAPIV3Schema` per version, for custom resources; admission plug-ins validate against it.
    public var schemas: [String: JSONValue]
    /// The uid of the CustomResourceDefinition that defines this resource, `nil` for built-ins.
    public var definitionUID: String?

    public init(
        group: String, versions: [String], resource: String, singular: String, kind: String,
        isNamespaced: Bool, shortNames: [String] = [], categories: [String] = [], hasStatus: Bool = false,
        verbs: [String] = ServedResource.allVerbs, printerColumns: [PrinterColumn] = [],
        schemas: [String: JSONValue] = [:], definitionUID: String? = nil
    ) {
        self.group = group
        self.versions = versions
        self.resource = resource
        self.singular = singular
        self.kind = kind
        self.listKind = kind + "List"
        self.isNamespaced = isNamespaced
        self.shortNames = shortNames
        self.categories = categories
        self.hasStatus = hasStatus
        self.verbs = verbs
        self.printerColumns = printerColumns
        self.schemas = schemas
        self.definitionUID = definitionUID
    }

    /// The verbs of a fully writable resource, as discovery lists them.
    public static let allVerbs = [
        "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
    ]

    public var groupResource: GroupResource { GroupResource(group: group, resource: resource) }

    /// The preferred (storage) version.
    public var preferredVersion: String { versions.first ?? "v1" }

    /// The client's wire description of this resource read through `version`: the same
    /// group, plural, kind and scope KubeClient builds its URLs from.
    public func resourceType(version: String) -> ResourceType {
        ResourceType(group: group, version: version, plural: resource, kind: kind, isNamespaced: isNamespaced)
    }

    /// `batch/v1`, or `v1` for the core group.
    public func apiVersion(_ version: String) -> String { resourceType(version: version).apiVersion }

    /// Whether this is the CustomResourceDefinition resource itself.
    public var isCustomResourceDefinition: Bool {
        group == "apiextensions.k8s.io" && resource == "customresourcedefinitions"
    }

    /// Whether this is the Namespace resource.
    public var isNamespace: Bool { group.isEmpty && resource == "namespaces" }
}
