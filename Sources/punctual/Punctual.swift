import ArgumentParser
import KubeClient

/// The `punctual` command: the controller and its companion tools.
@main
struct Punctual: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "punctual",
        abstract: "Punctual: scheduled tasks for Kubernetes that run exactly as often as declared.",
        version: PunctualVersion.current,
        subcommands: [Controller.self, Demo.self, Next.self, Sim.self, Validate.self]
    )
}
