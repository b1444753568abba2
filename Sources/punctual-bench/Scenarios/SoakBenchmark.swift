import ArgumentParser
import Foundation
import PunctualTestSupport

/// `punctual-bench soak`: a fault soak in virtual time; exits non-zero when an invariant broke.
///
/// KubeSim, the simulated Job runtime and two controller replicas run in this process on one
/// virtual clock; faults are injected at random from `--seed`; the invariants are checked from the
/// cluster's own record at the end (see docs/soak.md).
struct SoakBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Inject random faults for M virtual minutes, then check that nothing was doubled or lost."
    )

    @Option(help: "Virtual minutes of faults.")
    var minutes: Int = 30

    @Option(help: "The seed of the task mix and the fault schedule.")
    var seed: UInt64 = 1

    @Option(help: "How many ScheduledTasks (every guarantee under every policy).")
    var tasks: Int = 300

    @Option(help: "Average faults per virtual minute.")
    var faultsPerMinute: Double = 4

    @Option(help: "Quiet virtual minutes after the faults, before the invariants are checked.")
    var drainMinutes: Int = 4

    @Option(help: "Virtual seconds per step (1 or 2 keep up with the 2 s election retry period).")
    var stepSeconds: Int = 1

    @Option(
        help:
            "Real milliseconds without a store write that end each step (more keeps replicas in step on a busy machine)."
    )
    var settleMilliseconds: Int = 15

    @Flag(help: "Print progress lines on stderr.")
    var verbose = false

    func validate() throws {
        do {
            try soakConfiguration.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    private var soakConfiguration: SoakConfiguration {
        SoakConfiguration(
            minutes: minutes, seed: seed, taskCount: tasks, faultsPerMinute: faultsPerMinute,
            drainMinutes: drainMinutes, step: .seconds(stepSeconds), settle: .milliseconds(settleMilliseconds))
    }

    func run() async throws {
        let verbose = verbose
        let report = try await SoakEngine(configuration: soakConfiguration).run { line in
            if verbose { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
        }
        print(report.table)
        print(String(format: "real time: %.1f s", report.realSeconds))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
        if !report.passed { throw ExitCode.failure }
    }
}
