import ConvKit

/// What writing a float tensor as 8- or 16-bit pixels loses: the values
/// `--map clamp` (or `abs`) clipped to [0, 1], and the rounding error of the
/// written samples against the mapped floats.
///
///     let q = QuantizationReport(t, map: .clamp, depth: 8)
///     q.clippedFraction   // 0.031: 3.1 % of the values lay outside [0, 1]
///     q.warning           // a sentence with a hint when more than 1 % was clipped
///
/// Errors are in output units (1 = full scale): the 8-bit maximum is at most
/// 1/510, the 16-bit one 1/131070. `written` is the error of the depth that
/// was actually written.
public struct QuantizationReport: Codable, Sendable, Equatable {
    /// Maximum and mean absolute error of rounded samples against the mapped floats.
    public struct Error: Codable, Sendable, Equatable {
        public var max: Double
        public var mean: Double
    }

    /// The `--map` that turned floats into [0, 1]: clamp, minmax, abs or signed.
    public var map: String
    /// Bits per sample written: 8 or 16 (JPEG is always 8).
    public var depth: Int
    /// Samples measured (all channels).
    public var values: Int
    /// Values below 0 and above 1 before clamping (`clamp`; for `abs`, |x| > 1).
    public var clippedLow: Int
    public var clippedHigh: Int
    /// NaN and infinities (written as 0, or clamped).
    public var nonFinite: Int
    /// `(clippedLow + clippedHigh) / values`.
    public var clippedFraction: Double
    /// Rounding error at 8 and 16 bits, whichever was written.
    public var error8: Error
    public var error16: Error
    /// The error of the depth written (8 or 16).
    public var written: Error
    /// Set when more than 1 % of the values were clipped.
    public var warning: String?

    /// The threshold above which ``warning`` is set.
    public static let warningFraction = 0.01

    /// Measures writing `tensor` through `map` at `depth` bits.
    public init(_ tensor: Tensor, map: PixelMap, depth: Int) {
        var tally = QuantizationTally()
        let plane = tensor.height * tensor.width
        tensor.data.withUnsafeBufferPointer { src in
            for c in 0..<tensor.channels where plane > 0 {
                let p = src.baseAddress! + c * plane
                Samples.map(p, count: plane, map: map.unitMap(range: map.needsRange ? PixelMap.range(p, count: plane) : SampleRange()),
                            into: nil, tally: &tally)
            }
        }
        self.init(tally: tally, map: map, depth: depth)
    }

    /// The report of samples counted strip by strip as they were written
    /// (``Samples/quantize8(_:pixels:channels:planeStride:maps:into:tally:)``).
    public init(tally: QuantizationTally, map: PixelMap, depth: Int) {
        let (low, high) = (tally.clippedLow, tally.clippedHigh)
        let n = Double(Swift.max(tally.values, 1))
        self.map = map.rawValue
        self.depth = depth
        values = tally.values
        clippedLow = low
        clippedHigh = high
        nonFinite = tally.nonFinite
        clippedFraction = values == 0 ? 0 : Double(low + high) / Double(values)
        error8 = Error(max: tally.error8Max, mean: tally.error8Sum / n)
        error16 = Error(max: tally.error16Max, mean: tally.error16Sum / n)
        written = depth == 16 ? error16 : error8
        if clippedFraction > Self.warningFraction {
            warning = "\(Self.percent(clippedFraction)) of the values were clipped to [0, 1] by --map \(map.rawValue) "
                + "(\(low) below 0, \(high) above 1): use --map minmax or --map signed to keep the range, or write .npy; "
                + "--depth 16 only shrinks the rounding error"
        }
    }

    static func percent(_ f: Double) -> String { "\((f * 10000).rounded() / 100) %" }

    /// One line: `clipped 3.1 % (12 below 0, 40 above 1); 8-bit error max 0.00196, mean 0.00098`.
    public var summary: String {
        func e(_ x: Double) -> String { x == 0 ? "0" : String(Float(x)) }
        return "clipped \(Self.percent(clippedFraction)) (\(clippedLow) below 0, \(clippedHigh) above 1, \(nonFinite) not finite) by --map \(map); "
            + "\(depth)-bit error max \(e(written.max)), mean \(e(written.mean)) "
            + "(8-bit max \(e(error8.max)), 16-bit max \(e(error16.max)))"
    }

    /// PNG tEXt chunks: `convkit:clipped`, `convkit:quantization` and, when
    /// set, `convkit:warning`.
    public func pngText() -> [String: String] {
        var t = ["convkit:clipped": "\(clippedFraction) (\(clippedLow) below 0, \(clippedHigh) above 1, \(nonFinite) not finite, "
                    + "of \(values), --map \(map))",
                 "convkit:quantization": "\(depth)-bit max \(written.max) mean \(written.mean); 8-bit max \(error8.max) mean \(error8.mean); "
                    + "16-bit max \(error16.max) mean \(error16.mean)"]
        if let warning { t["convkit:warning"] = warning }
        return t
    }
}
