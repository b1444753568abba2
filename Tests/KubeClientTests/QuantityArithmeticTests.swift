import Foundation
import KubeClient
import Testing

@Suite("Quantity: exact values and sums")
struct QuantityArithmeticTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        /// The exact value as decimal text, or nil when the text is not a quantity.
        let value: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain integer", text: "2", value: "2"),
        Case(name: "milli", text: "500m", value: "0.5"),
        Case(name: "decimal point", text: "1.5", value: "1.5"),
        Case(name: "leading point", text: ".5", value: "0.5"),
        Case(name: "binary Ki", text: "1Ki", value: "1024"),
        Case(name: "binary Mi", text: "128Mi", value: "134217728"),
        Case(name: "binary Gi", text: "2Gi", value: "2147483648"),
        Case(name: "binary Ei", text: "1Ei", value: "1152921504606846976"),
        Case(name: "decimal k", text: "3k", value: "3000"),
        Case(name: "decimal M", text: "1M", value: "1000000"),
        Case(name: "decimal G", text: "1.5G", value: "1500000000"),
        Case(name: "exa, not an exponent", text: "1E", value: "1000000000000000000"),
        Case(name: "exponent", text: "1e3", value: "1000"),
        Case(name: "upper-case exponent", text: "5E2", value: "500"),
        Case(name: "negative exponent", text: "25e-2", value: "0.25"),
        Case(name: "nano", text: "100n", value: "0.0000001"),
        Case(name: "micro", text: "7u", value: "0.000007"),
        Case(name: "explicit sign", text: "+4", value: "4"),
        Case(name: "negative", text: "-1", value: "-1"),
        Case(name: "unknown suffix", text: "1Xi", value: nil),
        Case(name: "lower-case binary", text: "1ki", value: nil),
        Case(name: "no digits", text: "Mi", value: nil),
        Case(name: "two points", text: "1.2.3", value: nil),
        Case(name: "empty", text: "", value: nil),
        Case(name: "exponent without digits", text: "1e", value: nil),
    ]

    @Test(arguments: cases)
    func parse(_ row: Case) {
        let expected = row.value.flatMap { Decimal(string: $0, locale: nil) }
        #expect(Quantity(row.text).decimalValue == expected)
    }

    struct Formatting: Sendable, CustomTestStringConvertible {
        let value: String
        let text: String
        var testDescription: String { "\(value) → \(text)" }
    }

    @Test(
        "values back to quantities: whole numbers plain, fractions rounded up to milli units",
        arguments: [
            Formatting(value: "3", text: "3"), Formatting(value: "0.3", text: "300m"),
            Formatting(value: "1.0005", text: "1001m"), Formatting(value: "134217728", text: "134217728"),
            Formatting(value: "0", text: "0"),
        ])
    func format(_ row: Formatting) throws {
        let value = try #require(Decimal(string: row.value, locale: nil))
        #expect(Quantity(decimal: value).value == row.text)
    }

    @Test("sums are exact: 100m + 200m is 300m, not 300.00000000000006m")
    func sums() {
        let (a, _) = ResourceList.values(of: ["cpu": "100m", "memory": "64Mi"])
        let (b, invalid) = ResourceList.values(of: ["cpu": "200m", "gpu": "1", "bad": "x"])
        #expect(invalid == ["bad"])
        let total = ResourceList.quantities(ResourceList.sum(a, b))
        #expect(total == ["cpu": "300m", "memory": "67108864", "gpu": "1"])
        let peak = ResourceList.quantities(ResourceList.maximum(a, b))
        #expect(peak == ["cpu": "200m", "memory": "67108864", "gpu": "1"])
    }
}
