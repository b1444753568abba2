import ArgumentParser

/// The controller's settings shared by every scenario that runs one: `--workers`, `--qps`,
/// `--burst` and `--limit-seconds`.
///
/// The budget is unthrottled by default, so that scenarios measure the controller and not a rate
/// limit; `budget` sets a stock kube-controller-manager's instead.
struct ControllerOptions: ParsableArguments {
    @Option(help: "Concurrent reconciles of the controller (and concurrent loops of a ceiling).")
    var workers: Int = 4

    @Option(help: "Client requests per second.")
    var qps: Double = 100_000

    @Option(help: "Client burst.")
    var burst: Int = 100_000

    @Option(help: "Real seconds any phase may take before the run fails.")
    var limitSeconds: Int = 600

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard qps > 0, qps.isFinite, burst >= 1 else { throw ValidationError("--qps must be > 0 and --burst ≥ 1") }
        guard limitSeconds >= 1 else { throw ValidationError("--limit-seconds must be at least 1") }
    }

    var limit: Duration { .seconds(limitSeconds) }

    var budget: SlotBurst.Budget { SlotBurst.Budget(qps: qps, burst: burst, workers: workers) }
}
