/// A 64-bit FNV-1a hash of UTF-8 text: the same on every process, platform and run.
///
/// Job names and jitter offsets must be identical on every controller replica and across
/// restarts, which Swift's seeded `Hasher` (and so `hashValue`) deliberately is not.
public enum StableHash {
    /// The FNV-1a hash of `text`'s UTF-8 bytes.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The first `length` lowercase hex digits of the hash: short, DNS-label safe.
    public static func hex(_ text: String, length: Int = 8) -> String {
        let digits = String(fnv1a(text), radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        return String(padded.prefix(length))
    }
}
