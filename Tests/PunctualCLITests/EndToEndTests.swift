import Foundation
import Testing

/// Runs `hack/e2e-sim.sh`: `hack/e2e.sh`, the install check meant for real clusters, against
/// `punctual sim` with its simulated Job/Pod runtime and the controller running locally, both on one
/// accelerated clock so the example's minutely schedule fires within seconds. The script installs the
/// CRD and PriorityClasses with kubectl, applies examples/hello-minutely.yaml, and waits (bounded)
/// for a Job that succeeded and is recorded in the task's status. Skipped only when kubectl is
/// missing; CI installs it (`.ci/run`).
@Suite(.serialized) struct EndToEndTests {
    static let missingKubectl: Bool = ConformanceTests.run("/usr/bin/env", ["kubectl", "version", "--client"]) != 0

    @Test(
        "hack/e2e.sh passes against punctual sim on an accelerated clock",
        .enabled(if: !missingKubectl, "kubectl is not installed"),
        .timeLimit(.minutes(3)))
    func endToEndAgainstTheSimulator() async throws {
        // A virtual minute every 3 real seconds; the script waits at most 60 s for the run.
        let (status, log) = await ConformanceTests.runScript(
            "hack/e2e-sim.sh", seconds: 150, log: "e2e-sim.log",
            environment: ["E2E_CLOCK_SPEED": "20", "E2E_TIMEOUT": "60"])
        #expect(status == 0, "hack/e2e-sim.sh failed (exit \(status)):\n\(log.suffix(4_000))")
        #expect(log.contains("e2e: punctual-e2e/hello ran hello-"), "the script's success line:\n\(log.suffix(2_000))")
    }
}
