import Foundation

/// Samples of a Prometheus text exposition (what a `/metrics` endpoint answers), for reading a
/// controller's counters from outside its process.
///
/// Only what the benchmarks need: sample lines `name{label="value",...} value [timestamp]`;
/// comments (`# HELP`, `# TYPE`) and lines that do not parse are skipped.
struct PrometheusText: Sendable, Equatable {
    /// One sample line.
    struct Sample: Sendable, Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample]

    init(samples: [Sample]) {
        self.samples = samples
    }

    init(parsing text: String) {
        samples = text.split(whereSeparator: \.isNewline).compactMap { Self.sample(String($0)) }
    }

    /// The sum of the samples called `name` whose labels include every pair of `labels`.
    func sum(_ name: String, labels: [String: String] = [:]) -> Double {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
        .reduce(0) { $0 + $1.value }
    }

    /// Sums of the samples called `name`, grouped by the values of `keys` joined with a space
    /// (e.g. `rest_client_requests_total` by verb and resource: `POST jobs`).
    func sums(_ name: String, by keys: [String]) -> [String: Double] {
        samples.filter { $0.name == name }.reduce(into: [:]) { sums, sample in
            sums[keys.map { sample.labels[$0] ?? "" }.joined(separator: " "), default: 0] += sample.value
        }
    }

    // MARK: - Parsing

    /// One sample line, or `nil` for a comment, a blank line or a malformed line.
    static func sample(_ line: String) -> Sample? {
        let line = line.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
        var rest = Substring(line)
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard !name.isEmpty else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            guard let parsed = parseLabels(&rest) else { return nil }
            labels = parsed
        }
        let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first, let value = parseValue(first) else { return nil }
        return Sample(name: String(name), labels: labels, value: value)
    }

    /// Reads `{a="1",b="x\"y"}` from the front of `text`, leaving what follows.
    private static func parseLabels(_ text: inout Substring) -> [String: String]? {
        var labels: [String: String] = [:]
        text = text.dropFirst()
        while true {
            text = text.drop { $0 == " " || $0 == "," }
            if text.first == "}" {
                text = text.dropFirst()
                return labels
            }
            let key = text.prefix { $0 != "=" && $0 != "}" }
            text = text.dropFirst(key.count)
            guard !key.isEmpty, text.first == "=" else { return nil }
            text = text.dropFirst()
            guard text.first == "\"" else { return nil }
            text = text.dropFirst()
            var value = ""
            var escaped = false
            var closed = false
            while let character = text.first {
                text = text.dropFirst()
                if escaped {
                    value.append(character == "n" ? "\n" : character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    closed = true
                    break
                } else {
                    value.append(character)
                }
            }
            guard closed else { return nil }
            labels[key.trimmingCharacters(in: .whitespaces)] = value
        }
    }

    private static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }
}
