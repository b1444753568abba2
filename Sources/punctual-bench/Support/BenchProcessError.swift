/// Why a benchmark that runs child processes could not run, with what went wrong.
struct BenchProcessError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
