import KubeClient
import Metrics

/// The work queue's metrics, named as client-go's so existing dashboards apply, each labelled
/// `name=<queue name>`.
///
/// Durations are swift-metrics `Timer`s, which the Prometheus factory exports as histograms in
/// seconds. The longest-running and unfinished-work gauges are refreshed on every queue
/// operation (client-go refreshes them on a 500 ms ticker).
struct WorkQueueMetrics: Sendable {
    let depth: Gauge
    let adds: Counter
    let queueDuration: Timer
    let workDuration: Timer
    let retries: Counter
    let longestRunningProcessor: Gauge
    let unfinishedWork: Gauge

    init(queueName: String, factory: any MetricsFactory) {
        let dimensions = [("name", queueName)]
        depth = Gauge(label: "workqueue_depth", dimensions: dimensions, factory: factory)
        adds = Counter(label: "workqueue_adds_total", dimensions: dimensions, factory: factory)
        queueDuration = Timer(label: "workqueue_queue_duration_seconds", dimensions: dimensions, factory: factory)
        workDuration = Timer(label: "workqueue_work_duration_seconds", dimensions: dimensions, factory: factory)
        retries = Counter(label: "workqueue_retries_total", dimensions: dimensions, factory: factory)
        longestRunningProcessor = Gauge(
            label: "workqueue_longest_running_processor_seconds",
            dimensions: dimensions,
            factory: factory
        )
        unfinishedWork = Gauge(label: "workqueue_unfinished_work_seconds", dimensions: dimensions, factory: factory)
    }

    /// Refreshes the gauges derived from the start times of the keys being processed.
    func updateProcessing(_ startTimes: some Collection<WallInstant>, now: WallInstant) {
        var longest = 0.0
        var total = 0.0
        for start in startTimes {
            let seconds = max(0, start.duration(to: now).timeInterval)
            longest = max(longest, seconds)
            total += seconds
        }
        longestRunningProcessor.record(longest)
        unfinishedWork.record(total)
    }
}
