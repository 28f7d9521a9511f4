import Foundation

/// Two numbers, one per axis: rows (h) then columns (w).
public struct Size2: Hashable, Sendable, CustomStringConvertible {
    public var h: Int
    public var w: Int
    public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }
    public init(square n: Int) { self.h = n; self.w = n }
    public var description: String { h == w ? "\(h)" : "\(h),\(w)" }

    /// Parses `N` or `H,W`, both at least `minimum`.
    public init(parsing text: String, name: String, minimum: Int = 1) throws(GeometryError) {
        let values = integers(in: text)
        guard let values, values.count == 1 || values.count == 2,
              values.allSatisfy({ $0 >= minimum }) else {
            throw GeometryError("\(name) '\(text)' is not N or H,W with values >= \(minimum)",
                                hint: "e.g. --\(name) 2 or --\(name) 2,1")
        }
        self.init(values[0], values.count == 2 ? values[1] : values[0])
    }
}

/// How much padding a convolution adds, before the pad mode says what it holds.
///
/// - `valid`: none.
/// - `same`: TensorFlow/Keras rule for any stride: the output has
///   `ceil(in / s)` samples; the total pad `max((ceil(in/s)-1)*s + d*(k-1) + 1 - in, 0)`
///   is split with the smaller half before (top/left).
/// - `full`: `d*(k-1)` on every side.
/// - `explicit`: top, bottom, left, right.
public enum Padding: Hashable, Sendable, CustomStringConvertible {
    case valid
    case same
    case full
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// Parses `valid`, `same`, `full`, `N`, `PH,PW` or `TOP,BOTTOM,LEFT,RIGHT`.
    public init(parsing text: String) throws(GeometryError) {
        switch text.lowercased() {
        case "valid": self = .valid; return
        case "same": self = .same; return
        case "full": self = .full; return
        default: break
        }
        guard let v = integers(in: text), v.allSatisfy({ $0 >= 0 }) else {
            throw GeometryError("padding '\(text)' is not valid, same, full, N, PH,PW or T,B,L,R",
                                hint: "pads are whole numbers >= 0")
        }
        switch v.count {
        case 1: self = .explicit(top: v[0], bottom: v[0], left: v[0], right: v[0])
        case 2: self = .explicit(top: v[0], bottom: v[0], left: v[1], right: v[1])
        case 4: self = .explicit(top: v[0], bottom: v[1], left: v[2], right: v[3])
        default:
            throw GeometryError("padding '\(text)' has \(v.count) numbers",
                                hint: "give N, PH,PW or TOP,BOTTOM,LEFT,RIGHT")
        }
    }

    public var description: String {
        switch self {
        case .valid: "valid"
        case .same: "same"
        case .full: "full"
        case let .explicit(t, b, l, r): "\(t),\(b),\(l),\(r)"
        }
    }
}

/// What the padding holds. Shown on the five samples `a b c d e`, padded by 2:
///
/// - `zeros` (or `constant` with `--pad-value V`): `0 0 | a b c d e | 0 0`
/// - `reflect`: `c b | a b c d e | d c` — NumPy `reflect`, PyTorch `reflect`,
///   OpenCV `BORDER_REFLECT_101`, SciPy `mirror`
/// - `symmetric`: `b a | a b c d e | e d` — NumPy `symmetric`, OpenCV
///   `BORDER_REFLECT`, SciPy `reflect`
/// - `replicate`: `a a | a b c d e | e e` — NumPy `edge`, OpenCV `BORDER_REPLICATE`
/// - `circular`: `d e | a b c d e | a b` — NumPy `wrap`, OpenCV `BORDER_WRAP`
///
/// Pads wider than the input repeat the rule, as `numpy.pad` does.
public enum PadMode: String, Hashable, Sendable, CaseIterable {
    case zeros, reflect, symmetric, replicate, circular

    /// Parses a mode name, accepting the synonyms of NumPy, OpenCV and SciPy
    /// only where they mean the same thing in every one of those libraries.
    public init(parsing text: String) throws(GeometryError) {
        switch text.lowercased() {
        case "zeros", "zero", "constant": self = .zeros
        case "reflect": self = .reflect
        case "symmetric": self = .symmetric
        case "replicate", "edge": self = .replicate
        case "circular", "wrap": self = .circular
        default:
            throw GeometryError("padding mode '\(text)' is unknown",
                                hint: "use zeros, reflect, symmetric, replicate or circular")
        }
    }

    /// The input index that padded position `i` (which may lie outside
    /// `0..<n`) reads, or nil when it reads the constant pad value.
    @inline(__always)
    public func sourceIndex(_ i: Int, count n: Int) -> Int? {
        if i >= 0 && i < n { return i }
        switch self {
        case .zeros:
            return nil
        case .replicate:
            return i < 0 ? 0 : n - 1
        case .circular:
            let m = i % n
            return m < 0 ? m + n : m
        case .reflect:
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        case .symmetric:
            let period = 2 * n
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - 1 - m
        }
    }
}

/// The comma-separated integers of `text`, or nil when any part is not one.
func integers(in text: String) -> [Int]? {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    return values.count == parts.count ? values : nil
}
