import Foundation

/// The amount of a Kubernetes resource quantity (`500m`, `1`, `2Gi`, `512Mi`, `1e3`, `1.5`), parsed exactly as
/// `k8s.io/apimachinery/pkg/api/resource` reads it: an optional sign, a decimal number, then one
/// suffix, binary SI (`Ki` … `Ei`), decimal SI (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or a
/// decimal exponent (`e3`, `E-2`).
///
/// The value is kept as a `Decimal`, so `0.1` and `100m` are the same amount; the scheduler reads
/// it rounded up, as the API does: ``milliValue`` for cpu, ``value`` for memory and counts.
public struct ResourceQuantity: Sendable, Hashable, CustomStringConvertible {
    /// The exact amount.
    public let amount: Decimal
    /// The text it was parsed from.
    public let text: String

    /// Why a text is not a quantity.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "quantity \"\(text)\" is invalid: \(reason)" }

        public init(text: String, reason: String) {
            self.text = text
            self.reason = reason
        }
    }

    /// Parses `text`.
    /// - Throws: ``ParseError`` naming the text and what is wrong with it.
    public init(parsing text: String) throws(ParseError) {
        self.text = text
        var rest = Substring(text)
        func fail(_ reason: String) -> ParseError { ParseError(text: text, reason: reason) }
        guard !rest.isEmpty else { throw fail("empty") }
        var isNegative = false
        if let first = rest.first, first == "+" || first == "-" {
            isNegative = first == "-"
            rest = rest.dropFirst()
        }
        let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = rest.dropFirst(number.count)
        let dots = number.filter { $0 == "." }.count
        guard dots <= 1, number.contains(where: \.isNumber) else {
            throw fail("expected a decimal number such as 1, 0.5 or 250 before the suffix")
        }
        guard var amount = Decimal(string: String(number), locale: Locale(identifier: "en_US_POSIX")) else {
            throw fail("\"\(number)\" is not a decimal number")
        }
        amount *= try Self.multiplier(of: suffix, text: text)
        if isNegative { amount.negate() }
        self.amount = amount
    }

    /// The amount rounded up to a whole number (bytes, pods).
    public var value: Int64 { Self.roundedUp(amount) }

    /// The amount in thousandths, rounded up (millicores).
    public var milliValue: Int64 { Self.roundedUp(amount * 1000) }

    public var description: String { text }

    // MARK: - Suffixes

    private static let binarySuffixes: [String: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]
    private static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]

    private static func multiplier(of suffix: Substring, text: String) throws(ParseError) -> Decimal {
        if let bits = binarySuffixes[String(suffix)] {
            return pow(Decimal(2), bits)
        }
        if let exponent = decimalSuffixes[String(suffix)] {
            return power(ofTen: exponent)
        }
        if let marker = suffix.first, marker == "e" || marker == "E" {
            let digits = suffix.dropFirst()
            let unsigned = digits.first == "+" || digits.first == "-" ? digits.dropFirst() : digits
            if !unsigned.isEmpty, unsigned.allSatisfy({ $0.isASCII && $0.isNumber }), let exponent = Int(digits),
                abs(exponent) <= 30
            {
                return power(ofTen: exponent)
            }
        }
        throw ParseError(
            text: text,
            reason: "unknown suffix \"\(suffix)\" (expected Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E "
                + "or an exponent such as e3)")
    }

    private static func power(ofTen exponent: Int) -> Decimal {
        exponent >= 0 ? pow(Decimal(10), exponent) : 1 / pow(Decimal(10), -exponent)
    }

    private static func roundedUp(_ decimal: Decimal) -> Int64 {
        var input = decimal
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .up)
        if result >= Decimal(Int64.max) { return .max }
        if result <= Decimal(Int64.min) { return .min }
        return NSDecimalNumber(decimal: result).int64Value
    }
}

// MARK: - Reading a wire quantity

extension Quantity {
    /// The quantity's exact amount, for arithmetic (sums of requests, comparisons with capacity).
    /// - Throws: ``ResourceQuantity/ParseError`` when the text is not a Kubernetes quantity.
    public func parsed() throws(ResourceQuantity.ParseError) -> ResourceQuantity {
        try ResourceQuantity(parsing: value)
    }
}
