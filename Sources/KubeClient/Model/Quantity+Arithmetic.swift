import Foundation

// MARK: - Reading and summing quantities

extension Quantity {
    /// The exact value of the quantity in base units (cores, bytes), or `nil` when the text is not
    /// a Kubernetes quantity.
    ///
    /// Accepts what the API server accepts: an optional sign, a decimal number, and one suffix —
    /// binary (`Ki` … `Ei`), decimal SI (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`) or a decimal
    /// exponent (`e3`, `E-2`). `Decimal` keeps `100m + 200m` exactly `0.3`, which a `Double` would not.
    public var decimalValue: Decimal? {
        let text = value.trimmingCharacters(in: .whitespaces)
        var index = text.startIndex
        var isNegative = false
        if index < text.endIndex, text[index] == "+" || text[index] == "-" {
            isNegative = text[index] == "-"
            index = text.index(after: index)
        }
        let numberStart = index
        var digits = 0
        var dots = 0
        while index < text.endIndex, text[index].isASCII, text[index].isNumber || text[index] == "." {
            if text[index] == "." { dots += 1 } else { digits += 1 }
            index = text.index(after: index)
        }
        guard digits > 0, dots <= 1, let number = Decimal(string: String(text[numberStart..<index]), locale: nil)
        else { return nil }
        guard let multiplier = Self.multiplier(suffix: String(text[index...])) else { return nil }
        let magnitude = number * multiplier
        return isNegative ? -magnitude : magnitude
    }

    /// A quantity for `value` base units: a plain integer when whole, else rounded up to milli units
    /// (`0.3` → `300m`), the precision Kubernetes keeps for requests.
    public init(decimal value: Decimal) {
        var rounded = value
        var exact = value
        NSDecimalRound(&rounded, &exact, 0, .plain)
        if rounded == value {
            self.init(NSDecimalNumber(decimal: rounded).stringValue)
            return
        }
        var milli = value * 1000
        var copy = milli
        NSDecimalRound(&milli, &copy, 0, .up)
        self.init(NSDecimalNumber(decimal: milli).stringValue + "m")
    }

    /// The factor a suffix stands for, or `nil` for an unknown suffix.
    private static func multiplier(suffix: String) -> Decimal? {
        let binary: [String: Int] = ["Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6]
        let decimal: [String: Int] = [
            "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
        ]
        if let power = binary[suffix] { return pow(Decimal(1024), power) }
        if let exponent = decimal[suffix] { return Decimal(sign: .plus, exponent: exponent, significand: 1) }
        guard let first = suffix.first, first == "e" || first == "E", let exponent = Int(suffix.dropFirst()),
            abs(exponent) <= 30
        else { return nil }
        return Decimal(sign: .plus, exponent: exponent, significand: 1)
    }
}

// MARK: - Resource lists

/// Sums and maxima of resource lists (`["cpu": "500m", "memory": "1Gi"]`), e.g. for the requests
/// of a whole pod.
public enum ResourceList {
    /// Exact values of a resource list; entries that are not quantities are reported in `invalid`.
    public static func values(of list: [String: Quantity]) -> (values: [String: Decimal], invalid: [String]) {
        var values: [String: Decimal] = [:]
        var invalid: [String] = []
        for (name, quantity) in list {
            if let value = quantity.decimalValue { values[name] = value } else { invalid.append(name) }
        }
        return (values, invalid.sorted())
    }

    /// `lhs + rhs`, resource by resource.
    public static func sum(_ lhs: [String: Decimal], _ rhs: [String: Decimal]) -> [String: Decimal] {
        lhs.merging(rhs, uniquingKeysWith: +)
    }

    /// The larger of `lhs` and `rhs`, resource by resource.
    public static func maximum(_ lhs: [String: Decimal], _ rhs: [String: Decimal]) -> [String: Decimal] {
        lhs.merging(rhs, uniquingKeysWith: { Swift.max($0, $1) })
    }

    /// The values as quantities (rounded up to milli units).
    public static func quantities(_ values: [String: Decimal]) -> [String: Quantity] {
        values.mapValues { Quantity(decimal: $0) }
    }
}
