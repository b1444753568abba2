import KubeClient
import Synchronization

/// Parsed CRD schemas, so that admitting a custom resource does not parse its CRD's schema again
/// (and compile its patterns and CEL rules) on every write.
///
/// Keyed by the schema's JSON itself, so an edited CRD is parsed afresh and never served from a
/// stale entry. Bounded: when `limit` distinct schemas are held, the cache starts over.
final class OpenAPISchemaCache: Sendable {
    private let entries = Mutex<[JSONValue: OpenAPISchema]>([:])
    private let limit: Int

    init(limit: Int = 64) {
        self.limit = max(1, limit)
    }

    /// The parsed form of `json`, from the cache when it was parsed before.
    ///
    /// - Throws: the parse errors of ``OpenAPISchema/init(parsing:path:)``; failures are not cached.
    func schema(parsing json: JSONValue) throws(SchemaErrors) -> OpenAPISchema {
        if let cached = entries.withLock({ $0[json] }) { return cached }
        let schema = try OpenAPISchema(parsing: json)
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll() }
            entries[json] = schema
        }
        return schema
    }
}
