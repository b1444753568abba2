import Testing

@testable import punctual_bench

/// The pure parts of the benchmarks: percentiles and the printed tables.
@Suite struct BenchFiguresTests {
    struct PercentileCase: Sendable, CustomStringConvertible {
        var name: String
        var samples: [Double]
        var percentile: Double
        var expected: Double
        var description: String { name }
    }

    @Test(arguments: [
        PercentileCase(name: "empty sample is zero", samples: [], percentile: 50, expected: 0),
        PercentileCase(name: "single sample", samples: [3], percentile: 99, expected: 3),
        PercentileCase(name: "median of four is the second", samples: [1, 2, 3, 4], percentile: 50, expected: 2),
        PercentileCase(
            name: "p99 of 100 is the 99th", samples: (1...100).map(Double.init), percentile: 99, expected: 99),
        PercentileCase(
            name: "p99 of 1000 is the 990th", samples: (1...1000).map(Double.init), percentile: 99, expected: 990),
        PercentileCase(name: "p100 is the maximum", samples: [5, 1, 9], percentile: 100, expected: 9),
        PercentileCase(name: "p0 is the minimum", samples: [5, 1, 9], percentile: 0, expected: 1),
    ])
    func nearestRankPercentile(_ test: PercentileCase) {
        #expect(LatencySummary.percentile(test.percentile, ofSorted: test.samples.sorted()) == test.expected)
    }

    @Test func summaryOfAnUnsortedSample() {
        let summary = LatencySummary([0.4, 0.1, 0.3, 0.2, 2.5])
        #expect(summary.count == 5)
        #expect(summary.p50 == 0.3)
        #expect(summary.p99 == 2.5)
        #expect(summary.max == 2.5)
    }

    @Test func tableAlignsTheFirstColumnLeftAndFiguresRight() {
        let table = BenchOutput.table(
            header: ["tasks", "p99 s"], rows: [["1000", "0.25"], ["10000 ceiling", "1.5"]])
        #expect(
            table == """
                tasks          p99 s
                -------------  -----
                1000            0.25
                10000 ceiling    1.5
                """)
    }

    @Test func jsonLineHasSortedKeysOnOneLine() throws {
        struct Report: Encodable {
            var scenario = "skew"
            var activeProcessorCount = 2
            var path = "a/b"
        }
        #expect(try BenchOutput.jsonLine(Report()) == #"{"activeProcessorCount":2,"path":"a/b","scenario":"skew"}"#)
    }

    @Test(arguments: [
        ("VmHWM:\t  123456 kB\nVmRSS:\t   2048 kB\n", "VmHWM", 123_456.0),
        ("VmHWM:\t  123456 kB\nVmRSS:\t   2048 kB\n", "VmRSS", 2048.0),
    ])
    func procStatusField(_ status: String, _ field: String, _ expected: Double) {
        #expect(ProcessUsage.kibibytes(field, in: status) == expected)
    }

    @Test func missingProcStatusFieldIsNil() {
        #expect(ProcessUsage.kibibytes("VmHWM", in: "Name:\tbench\n") == nil)
    }
}
