import KubeSim

extension SimStore {
    /// Waits (real time) until the store has seen no write for `quiet`, for at most `limit`: the
    /// controllers and the runtime have reacted to the last change of virtual time. Used between
    /// steps of a manual clock, so a loaded machine slows a test down instead of letting virtual
    /// time run ahead of the components.
    ///
    /// - Returns: `false` when the store was still being written at `limit`.
    /// - Throws: `CancellationError` when the calling task is cancelled.
    public func waitUntilQuiet(for quiet: Duration, atMost limit: Duration) async throws -> Bool {
        let realClock = ContinuousClock()
        let deadline = realClock.now.advanced(by: limit)
        var revision = currentResourceVersion
        var quietSince = realClock.now
        while realClock.now < deadline {
            try await realClock.sleep(for: .milliseconds(3))
            let current = currentResourceVersion
            if current != revision {
                revision = current
                quietSince = realClock.now
            } else if quietSince.duration(to: realClock.now) >= quiet {
                return true
            }
        }
        return false
    }
}
