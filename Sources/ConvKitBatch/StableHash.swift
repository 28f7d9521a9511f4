/// 64-bit FNV-1a of some bytes: the same value in every process, on every
/// machine and in every Swift version, unlike `Hasher`, which is seeded per
/// process. Shards and fingerprints depend on that.
///
///     StableHash.fnv1a64("a.png")   // 0x...  (fixed forever)
public enum StableHash {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    public static func fnv1a64<S: Sequence>(_ bytes: S, seed: UInt64 = offsetBasis) -> UInt64 where S.Element == UInt8 {
        var h = seed
        for b in bytes {
            h ^= UInt64(b)
            h = h &* prime
        }
        return h
    }

    /// The hash of a string's UTF-8 bytes.
    public static func fnv1a64(_ string: String) -> UInt64 { fnv1a64(string.utf8) }

    /// `h` as 16 lowercase hex digits.
    public static func hex(_ h: UInt64) -> String {
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
