import ConvKit
import ConvKitIO

/// Numbers as reports print them.
public enum Format {
    /// Density with three decimals at most: 6.898, 0.25, 32.
    public static func density(_ d: Double) -> String {
        let r = (d * 1000).rounded() / 1000
        return r == r.rounded() && abs(r) < 1e15 ? String(Int(r)) : String(r)
    }

    /// A count with an SI suffix: 999, 48.7k, 1.23M, 4.5G.
    public static func count(_ n: Int) -> String {
        let x = Double(n)
        for (limit, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where abs(x) >= limit {
            let v = x / limit
            let s = v >= 100 ? String(Int(v.rounded())) : v >= 10 ? String((v * 10).rounded() / 10) : String((v * 100).rounded() / 100)
            return s + suffix
        }
        return String(n)
    }

    /// Bytes in binary units: `187.5 GiB`, `12.0 MiB`, `512 bytes`.
    public static func bytes(_ n: Int) -> String { MemoryBudget.format(n) }

    /// `HxWxC`, the order `convkit shape` prints.
    public static func hwc(_ s: Shape) -> String { "\(s.height)x\(s.width)x\(s.channels)" }

    /// Milliseconds with sensible precision: 0.042, 1.5, 230.
    public static func milliseconds(_ ms: Double) -> String {
        ms >= 100 ? String(Int(ms.rounded())) : ms >= 1 ? String((ms * 10).rounded() / 10) : String((ms * 1000).rounded() / 1000)
    }
}
