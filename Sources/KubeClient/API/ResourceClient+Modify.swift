// MARK: - Read-modify-write with conflict retries

extension ResourceClient {
    /// Reads an object, applies `change` and writes it back, re-reading and re-applying on a
    /// 409 Conflict (someone else wrote in between), up to `attempts` times.
    ///
    /// Use a `ResourceClient<KubeObject<T>>` (``KubeClient/objects(_:namespace:)``) so fields
    /// the model does not know survive the write. `change` may run several times and must only
    /// depend on the object it is given.
    ///
    /// - Parameter status: write through the status subresource instead of the main resource.
    /// - Returns: the object as written.
    /// - Throws: the last ``KubeError`` (``KubeError/Kind/conflict`` once attempts run out).
    public func modify(
        _ name: String, namespace: String? = nil, status: Bool = false, attempts: Int = 5,
        _ change: (inout Object) throws -> Void
    ) async throws -> Object {
        var attempt = 1
        while true {
            var object = try await get(name, namespace: namespace)
            try change(&object)
            do {
                return status ? try await updateStatus(object) : try await update(object)
            } catch let error as KubeError where error.isConflict && attempt < attempts {
                attempt += 1
            }
        }
    }
}
