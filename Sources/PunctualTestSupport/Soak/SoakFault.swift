/// The kinds of fault a soak injects, each with a seeded random size.
public enum SoakFault: String, CaseIterable, Sendable, Codable, Comparable {
    /// Every watch stream ends; informers resume from their last resourceVersion.
    case droppedWatches
    /// The watch history is forgotten: resuming watches get 410 Gone and relist.
    case compaction
    /// A burst of 429 Too Many Requests (with Retry-After) on some verb.
    case throttleBurst
    /// A burst of 500 Internal Server Error on some verb.
    case serverErrorBurst
    /// The API server answers 503 for less than the renew deadline: the leader keeps its lease.
    case shortOutage
    /// The API server answers 503 for longer than the renew deadline: the leader loses its lease
    /// and its process exits; a fresh one is started.
    case longOutage
    /// The leader dies without releasing its lease (kill -9); a fresh process is started.
    case leaderKill
    /// The leader stops gracefully and releases its lease (SIGTERM); a fresh process is started.
    case leaderStop
    /// Another client writes the task (an annotation) and its status (a foreign condition), so the
    /// controller's writes meet newer resourceVersions.
    case conflictingWriter
    /// A task's pods start slowly (`sim.punctual.dev/pending-seconds` on its pod template), or
    /// become fast again.
    case slowPods

    public static func < (lhs: SoakFault, rhs: SoakFault) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
