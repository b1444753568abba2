import KubeClient
import KubeRuntime
import Logging

// MARK: - Recording off the reconcile path

extension EventRecorder {
    /// One Event waiting for ``deliverSubmitted(logger:)``.
    struct Submission: Sendable {
        var event: PlannedEvent
        var task: ScheduledTask
    }

    /// Queues `event` about `task` and returns at once; ``deliverSubmitted(logger:)`` records it.
    ///
    /// The controller's workers use this so that a reconcile never waits for an Event's write: under
    /// a tight client budget the Event asks for a token with low priority and may wait behind every
    /// status write, which held the worker (and the Job creates of every other task) back. When more
    /// than ``backgroundLimit`` Events wait, the oldest are dropped: Events are best-effort.
    public nonisolated func submit(_ event: PlannedEvent, about task: ScheduledTask) {
        submissions.continuation.yield(Submission(event: event, task: task))
    }

    /// Records submitted Events, one at a time and in order, until the calling task is cancelled.
    /// Failures are logged and not retried, as for ``record(_:about:)``. With a `gate`, each write
    /// first waits for its background turn, so Events give way to Job creates.
    public func deliverSubmitted(logger: Logger, gate: ForegroundGate? = nil) async {
        for await submission in submissions.stream {
            if let gate { await gate.waitForBackgroundTurn() }
            do {
                try await record(submission.event, about: submission.task)
            } catch {
                logger.warning(
                    "cannot record an event",
                    metadata: [
                        "task": "\(submission.task.metadata.namespace ?? "")/\(submission.task.metadata.name ?? "")",
                        "error": "\(error)",
                    ])
            }
            if Task.isCancelled { return }
        }
    }
}
