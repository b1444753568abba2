/// Percentiles of a sample of durations in seconds (skews, start-up times).
///
/// Percentiles use the nearest-rank method: p is the smallest sample such that at least p % of the
/// samples are less than or equal to it. No interpolation, so every figure is a value that was
/// actually measured, and p100 is the maximum.
struct LatencySummary: Codable, Equatable, Sendable {
    var count: Int
    var p50: Double
    var p99: Double
    var max: Double

    /// The summary of `samples`, or all zeros for an empty sample.
    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        p50 = Self.percentile(50, ofSorted: sorted)
        p99 = Self.percentile(99, ofSorted: sorted)
        max = sorted.last ?? 0
    }

    /// The nearest-rank `percentile` (in 0...100) of an ascending sample; 0 when it is empty.
    static func percentile(_ percentile: Double, ofSorted sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((percentile / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
