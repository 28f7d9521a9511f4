import ConvKit

/// How a single map's [0, 1] values become colours.
///
///     Colormap.viridis.rgb(0)   // (0.267, 0.005, 0.329): dark purple
///     Colormap.coolwarm.rgb(0.5) // near white: 0 under `--map signed`
///
/// `viridis` and `magma` are matplotlib's perceptually uniform maps (CC0);
/// `coolwarm` is Kenneth Moreland's diverging map, blue below 0.5 and red
/// above, so with `--map signed` (0 -> 0.5) it diverges around zero.
/// Tables of 256 entries are sampled by rounding, as matplotlib does.
public enum Colormap: String, Sendable, CaseIterable, Hashable {
    case gray, viridis, magma, coolwarm

    /// The colour of `t` in [0, 1] (clamped; NaN -> 0) as RGB in [0, 1].
    public func rgb(_ t: Float) -> (r: Float, g: Float, b: Float) {
        let u = t.isNaN ? 0 : min(1, max(0, t))
        if self == .gray { return (u, u, u) }
        let i = Int((u * 255).rounded()) * 3
        let table = Self.decoded[self] ?? []
        return (Float(table[i]) / 255, Float(table[i + 1]) / 255, Float(table[i + 2]) / 255)
    }

    /// A 1-channel [0, 1] tensor as 3-channel RGB through this map; `gray`
    /// keeps one channel.
    public func apply(_ map: Tensor) -> Tensor {
        precondition(map.channels == 1, "a colormap colours one map at a time")
        if self == .gray { return map }
        let n = map.shape.planeCount
        var out = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            let (r, g, b) = rgb(map.data[i])
            out[i] = r
            out[n + i] = g
            out[2 * n + i] = b
        }
        return Tensor(shape: Shape(channels: 3, height: map.height, width: map.width), data: out)
    }

    private static let decoded: [Colormap: [UInt8]] = tables.mapValues { hex in
        let digits = Array(hex.utf8).filter { $0 != UInt8(ascii: "\n") }
        func nibble(_ c: UInt8) -> UInt8 { c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "a") + 10 }
        return stride(from: 0, to: digits.count - 1, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }
}
