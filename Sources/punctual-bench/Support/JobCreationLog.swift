import Foundation
import KubeClient
import KubeSim
import PunctualController
import Synchronization

/// Records the instant every Job is stored, from inside KubeSim: the server-side creation time.
///
/// It is an admission plug-in placed last, so it sees a Job create after every check, while the
/// store holds its lock and just before the object is stored: the instant recorded is the
/// creation instant on the simulation clock, with sub-millisecond resolution (a Job's
/// `creationTimestamp` has only whole seconds). Dry runs and updates are ignored; an identical
/// name is recorded once.
final class JobCreationLog: AdmissionPlugin, Sendable {
    /// One stored Job.
    struct Entry: Sendable {
        var name: String
        /// The task label; empty for Jobs Punctual did not make.
        var task: String
        /// The `punctual.dev/scheduled-time` annotation.
        var slot: Date?
        /// The pod template's PriorityClass, e.g. `punctual-critical`.
        var priorityClass: String?
        var createdAt: Date
    }

    private let clock: any WallClock
    private let state = Mutex<(entries: [Entry], names: Set<String>)>(([], []))

    init(clock: any WallClock) {
        self.clock = clock
    }

    func admit(_ request: AdmissionRequest) throws(Status) -> JSONValue {
        let object = request.object
        guard request.operation == .create, !request.isDryRun, request.resourceType.group == "batch",
            request.resourceType.resource == "jobs"
        else { return object }
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let slot = object[path: ["metadata", "annotations", ScheduledTask.scheduledTimeAnnotation]]?.stringValue
        let entry = Entry(
            name: name, task: object[path: ["metadata", "labels", ScheduledTask.taskLabel]]?.stringValue ?? "",
            slot: slot.flatMap(KubeTime.parse),
            priorityClass: object[path: ["spec", "template", "spec", "priorityClassName"]]?.stringValue,
            createdAt: clock.currentDate)
        state.withLock { state in
            if state.names.insert("\(object[path: ["metadata", "namespace"]]?.stringValue ?? "")/\(name)").inserted {
                state.entries.append(entry)
            }
        }
        return object
    }

    /// Every Job recorded so far, in creation order.
    var entries: [Entry] { state.withLock { $0.entries } }

    /// How many Jobs were recorded.
    var count: Int { state.withLock { $0.entries.count } }

    /// Forgets what was recorded (after setup, before the measured slot).
    func reset() {
        state.withLock { $0 = ([], []) }
    }
}
