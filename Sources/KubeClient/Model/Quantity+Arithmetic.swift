import Foundation

// MARK: - Writing summed quantities

extension Quantity {
    /// A quantity for `value` base units (cores, bytes): a plain integer when whole, else rounded
    /// up to milli units (`0.3` → `300m`), the precision Kubernetes keeps for requests.
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
}

// MARK: - Resource lists

/// Sums and maxima of resource lists (`["cpu": "500m", "memory": "1Gi"]`), e.g. for the requests
/// of a whole pod.
public enum ResourceList {
    /// Exact values of a resource list (``ResourceQuantity``); entries that are not quantities are
    /// reported in `invalid`.
    public static func values(of list: [String: Quantity]) -> (values: [String: Decimal], invalid: [String]) {
        var values: [String: Decimal] = [:]
        var invalid: [String] = []
        for (name, quantity) in list {
            if let parsed = try? quantity.parsed() { values[name] = parsed.amount } else { invalid.append(name) }
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
