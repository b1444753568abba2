import Foundation
import KubeClient
import Testing

@Suite struct ResourceQuantityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let milli: Int64
        let value: Int64
        var testDescription: String { text }
    }

    static let valid: [Case] = [
        Case(text: "500m", milli: 500, value: 1),
        Case(text: "1", milli: 1000, value: 1),
        Case(text: "0.5", milli: 500, value: 1),
        Case(text: ".25", milli: 250, value: 1),
        Case(text: "2.", milli: 2000, value: 2),
        Case(text: "+3", milli: 3000, value: 3),
        Case(text: "1.5k", milli: 1_500_000, value: 1500),
        Case(text: "2Gi", milli: 2_147_483_648_000, value: 2_147_483_648),
        Case(text: "512Mi", milli: 536_870_912_000, value: 536_870_912),
        Case(text: "1Ki", milli: 1_024_000, value: 1024),
        Case(text: "1e3", milli: 1_000_000, value: 1000),
        Case(text: "1E3", milli: 1_000_000, value: 1000),
        Case(text: "25e-3", milli: 25, value: 1),
        Case(text: "1M", milli: 1_000_000_000, value: 1_000_000),
        Case(text: "1G", milli: 1_000_000_000_000, value: 1_000_000_000),
        Case(text: "100u", milli: 1, value: 1),
        Case(text: "1n", milli: 1, value: 1),
        Case(text: "0", milli: 0, value: 0),
        Case(text: "0.1m", milli: 1, value: 1),
    ]

    @Test(arguments: valid)
    func parsesAndRoundsUp(_ check: Case) throws {
        let quantity = try ResourceQuantity(parsing: check.text)
        #expect(quantity.milliValue == check.milli)
        #expect(quantity.value == check.value)
    }

    static let invalid = ["", "abc", "1x", "1.2.3", "Gi", "1 Gi", "1e", "1ee3", "1KiB", "--1", "1e3.5", "m"]

    @Test(arguments: invalid)
    func rejectsMalformedText(_ text: String) {
        #expect(throws: ResourceQuantity.ParseError.self) { try ResourceQuantity(parsing: text) }
    }

    @Test func errorsNameTheTextAndTheSuffix() {
        #expect {
            try ResourceQuantity(parsing: "3Gb")
        } throws: { error in
            "\(error)".contains("\"3Gb\"") && "\(error)".contains("unknown suffix \"Gb\"")
        }
    }

    @Test func equalAmountsInDifferentNotations() throws {
        #expect(try ResourceQuantity(parsing: "0.1").amount == ResourceQuantity(parsing: "100m").amount)
        #expect(try ResourceQuantity(parsing: "1Gi").value == ResourceQuantity(parsing: "1024Mi").value)
        #expect(try ResourceQuantity(parsing: "-1").value == -1)
    }
}

extension ResourceQuantityTests {
    @Test func wireQuantitiesParseToo() throws {
        #expect(try Quantity("250m").parsed().milliValue == 250)
    }
}
