import Foundation
import KubeClient
import PunctualController
import PunctualTestSupport
import Synchronization

/// When the benchmark first saw each Job, and the slot it runs (a watch on the namespace's Jobs).
///
/// The instant is the benchmark's wall clock when the watch event arrived, so it includes the
/// simulator's fan-out; a Job created and deleted while the watch was reconnecting is missed.
final class JobArrivals: Sendable {
    /// One Job as first seen.
    struct Arrival: Sendable {
        var seen: Date
        /// The `punctual.dev/scheduled-time` annotation, if the Job has one.
        var slot: Date?
    }

    private let arrivals = Mutex<[String: Arrival]>([:])

    /// Follows the Jobs until cancelled, reconnecting when a watch ends.
    func follow(_ api: RawJSONClient, namespace: String) async {
        var resourceVersion = ""
        while !Task.isCancelled {
            do {
                let query = resourceVersion.isEmpty ? "" : "&resourceVersion=\(resourceVersion)"
                let watch = try await api.watch("/apis/batch/v1/namespaces/\(namespace)/jobs?watch=1\(query)")
                for try await event in watch.events {
                    let now = Date()
                    if let version = event.object[path: ["metadata", "resourceVersion"]]?.stringValue {
                        resourceVersion = version
                    }
                    guard event.type == .added, let name = event.object[path: ["metadata", "name"]]?.stringValue
                    else { continue }
                    let slot = event.object[path: ["metadata", "annotations", ScheduledTask.scheduledTimeAnnotation]]?
                        .stringValue.flatMap(KubeTime.parse)
                    arrivals.withLock { if $0[name] == nil { $0[name] = Arrival(seen: now, slot: slot) } }
                }
            } catch {
                // The stream broke or the version expired: list again from scratch.
                resourceVersion = ""
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// When the Job named `name` was first seen, if it was.
    func arrival(of name: String) -> Date? {
        arrivals.withLock { $0[name]?.seen }
    }

    /// The Jobs first seen in `[from, to)`.
    func arrivals(from: Date, to: Date) -> [Arrival] {
        arrivals.withLock { $0.values.filter { $0.seen >= from && $0.seen < to } }
    }
}
