import Foundation
import KubeClient
import Testing

@Suite("Quantity: sums of resource lists, written back as quantities")
struct QuantityArithmeticTests {
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
