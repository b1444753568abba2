import KubeClient
import Metrics
import Synchronization

/// Turns every HTTP attempt of a ``KubeClient`` into metrics, named like client-go's:
///
/// - `rest_client_requests_total{verb, resource, code}`: a counter per answer (`code` is
///   `<error>` when no answer arrived);
/// - `rest_client_request_duration_seconds{verb, resource}`: a timer (a histogram in seconds
///   with the Prometheus factory).
///
/// Pass it as the `observer` of the client. Metric handles are created once per label set.
public final class KubeClientMetrics: RequestObserver {
    private struct Handles {
        var counters: [String: Counter] = [:]
        var timers: [String: Timer] = [:]
    }

    private let factory: any MetricsFactory
    private let handles = Mutex(Handles())

    /// - Parameter metricsFactory: where metrics go; defaults to the process-wide `MetricsSystem`.
    public init(metricsFactory: (any MetricsFactory)? = nil) {
        self.factory = metricsFactory ?? MetricsSystem.factory
    }

    public func record(_ record: RequestRecord) {
        let verb = record.verb.rawValue
        let resource = record.resource.plural
        let code = record.statusCode.map(String.init) ?? "<error>"
        let (counter, timer) = handles.withLock { handles in
            let counterKey = "\(verb) \(resource) \(code)"
            let counter =
                handles.counters[counterKey]
                ?? Counter(
                    label: "rest_client_requests_total",
                    dimensions: [("verb", verb), ("resource", resource), ("code", code)],
                    factory: factory
                )
            handles.counters[counterKey] = counter
            let timerKey = "\(verb) \(resource)"
            let timer =
                handles.timers[timerKey]
                ?? Timer(
                    label: "rest_client_request_duration_seconds",
                    dimensions: [("verb", verb), ("resource", resource)],
                    factory: factory
                )
            handles.timers[timerKey] = timer
            return (counter, timer)
        }
        counter.increment()
        timer.recordNanoseconds(record.duration.nanoseconds)
    }
}
