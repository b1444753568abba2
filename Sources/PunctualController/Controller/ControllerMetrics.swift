import Foundation
import Metrics

/// The controller's own metrics, named as users know them from CronJob.
///
/// - `punctual_job_creation_skew_duration_seconds`: slot → Job created (histogram);
/// - `punctual_run_start_skew_duration_seconds`: slot → the run's pod Running (histogram);
/// - `punctual_runs_total{result}`: runs that reached a final phase, by phase;
/// - `punctual_missed_runs_total`: slots recorded Missed.
///
/// Histogram buckets are set where the Prometheus factory is made (``histogramBuckets``).
public struct ControllerMetrics: Sendable {
    public static let jobCreationSkewName = "punctual_job_creation_skew_duration_seconds"
    public static let runStartSkewName = "punctual_run_start_skew_duration_seconds"
    public static let runsName = "punctual_runs_total"
    public static let missedRunsName = "punctual_missed_runs_total"

    /// 0.05, 0.1, 0.25, 0.5, then 1, 2, 4 … 512 seconds: sub-second buckets for a healthy
    /// controller, powers of two up to CronJob's largest bucket for a struggling one.
    public static let histogramBuckets: [Duration] =
        [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500)]
        + (0...9).map { Duration.seconds(1 << $0) }

    private let factory: any MetricsFactory
    private let jobCreationSkew: Metrics.Timer
    private let runStartSkew: Metrics.Timer
    private let missedRuns: Counter

    /// - Parameter factory: where the metrics go; the process-wide `MetricsSystem` by default.
    public init(factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? MetricsSystem.factory
        self.factory = factory
        jobCreationSkew = Metrics.Timer(label: Self.jobCreationSkewName, factory: factory)
        runStartSkew = Metrics.Timer(label: Self.runStartSkewName, factory: factory)
        missedRuns = Counter(label: Self.missedRunsName, factory: factory)
    }

    /// Records how late a Job was created for its slot (negative skews count as zero).
    public func jobCreated(slot: Date, at now: Date) {
        jobCreationSkew.recordInterval(Self.skew(from: slot, to: now))
    }

    /// Records how late a run's pod started Running.
    public func runStarted(slot: Date, at running: Date) {
        runStartSkew.recordInterval(Self.skew(from: slot, to: running))
    }

    /// Counts a run that reached a final phase (`Succeeded`, `Failed`, `DeadlineExceeded`...).
    public func runFinished(result: String) {
        Counter(label: Self.runsName, dimensions: [("result", result)], factory: factory).increment()
    }

    /// Counts slots recorded Missed.
    public func missed(_ count: Int) {
        guard count > 0 else { return }
        missedRuns.increment(by: Int64(count))
    }

    private static func skew(from slot: Date, to instant: Date) -> Duration {
        .seconds(max(0, instant.timeIntervalSince(slot)))
    }
}

extension Metrics.Timer {
    fileprivate func recordInterval(_ duration: Duration) {
        let parts = duration.components
        recordNanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }
}
