import ArgumentParser

/// `punctual-bench`: performance scenarios, run in a release build and never in CI.
///
/// Each scenario is a subcommand that prints a human-readable table followed by one JSON line
/// with every figure, so results can be compared across machines and commits.
@main
struct PunctualBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "punctual-bench",
        abstract: "Punctual benchmarks (build with -c release).",
        subcommands: [
            CronBenchmark.self, SkewBenchmark.self, BudgetBenchmark.self, SteadyBenchmark.self, StartupBenchmark.self,
            PriorityBenchmark.self, FailoverBenchmark.self, SoakBenchmark.self,
        ]
    )
}
