/// Why the demo could not set up its simulated cluster, naming the manifest and object involved.
struct DemoError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
