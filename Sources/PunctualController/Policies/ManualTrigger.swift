import Foundation
import KubeClient

// MARK: - punctual.dev/trigger

extension DecisionState {
    /// Starts one extra run now when the task's `punctual.dev/trigger` annotation holds a value
    /// not acted on yet, subject to the concurrency policy; records the value so it fires once.
    ///
    /// Under Queue without capacity the value is left unrecorded and the run starts when one
    /// finishes (that Job's completion brings the next reconcile). A suspended task records the
    /// value without running it: suspension means no new runs.
    mutating func handleManualTrigger() {
        guard let value = observation.task.metadata.annotations?[ScheduledTask.triggerAnnotation], !value.isEmpty,
            value != status.lastTrigger
        else { return }
        if isSuspended {
            status.lastTrigger = value
            event(.warning, "TriggerIgnored", "trigger \"\(value)\" ignored: the task is suspended")
            return
        }
        let name = JobNaming.manualName(task: taskName, trigger: value)
        if hasCapacity {
            status.lastTrigger = value
            createJob(.init(name: name, slot: stamp, trigger: value), due: stamp, reason: "Triggered")
            return
        }
        switch spec.effectiveConcurrencyPolicy {
        case .forbid, .allow:
            status.lastTrigger = value
            skip(slot: stamp, trigger: value)
        case .replace:
            status.lastTrigger = value
            replaceActiveRuns(by: stamp)
            createJob(.init(name: name, slot: stamp, trigger: value), due: stamp, reason: "Triggered")
        case .queue:
            break
        }
    }
}
