/// For every output pixel, the fraction of its receptive field, through all
/// stages, that lies in padding.
///
/// Each stage averages over its window: an in-bounds tap carries the fraction
/// of the sample it reads, a pad tap counts 1 (whatever the pad holds: zeros
/// and reflected copies are both made up at that position), and a pad tap of
/// max pooling (-inf, never chosen) is left out of the average. A pixel whose
/// windows never touch a pad has 0; a `full` convolution's corner has nearly 1.
///
/// The fraction depends on the pad *sizes* only, so reflect and symmetric
/// give the same map; ``sides`` shows the asymmetry of TensorFlow-style
/// `same` at stride 2 (all the pad on the bottom and right).
///
///     let m = PadInfluence(stages: try p.plan(for: image.shape))
///     m[0, 0]        // the top-left output's fraction
///     m.touched      // outputs that read any pad
public struct PadInfluence: Sendable, Equatable {
    /// The final output's height and width.
    public let height: Int
    public let width: Int
    /// Row-major fractions in [0, 1].
    public let values: [Float]

    public init(stages: [StageReport]) {
        guard let first = stages.first else {
            height = 0; width = 0; values = []
            return
        }
        var h = first.geometry.rows.input, w = first.geometry.cols.input
        var map = [Float](repeating: 0, count: h * w)
        for r in stages {
            let g = r.geometry
            let skip = r.padContent == .ignored
            // Rows first: tmp is (rows.output x w); then columns.
            var tmp = [Float](repeating: 0, count: g.rows.output * w)
            for o in 0..<g.rows.output {
                var taps = 0
                for t in 0..<g.rows.kernel {
                    guard let i = g.rows.sourceIndex(output: o, tap: t) else { continue }
                    if i >= 0 && i < h {
                        for x in 0..<w { tmp[o * w + x] += map[i * w + x] }
                        taps += 1
                    } else if !skip {
                        for x in 0..<w { tmp[o * w + x] += 1 }
                        taps += 1
                    }
                }
                let scale = 1 / Float(max(taps, 1))
                for x in 0..<w { tmp[o * w + x] *= scale }
            }
            let ho = g.rows.output, wo = g.cols.output
            var out = [Float](repeating: 0, count: ho * wo)
            for p in 0..<wo {
                var cols: [Int] = [], pads = 0
                for t in 0..<g.cols.kernel {
                    guard let j = g.cols.sourceIndex(output: p, tap: t) else { continue }
                    if j >= 0 && j < w { cols.append(j) } else if !skip { pads += 1 }
                }
                let scale = 1 / Float(max(cols.count + pads, 1))
                for o in 0..<ho {
                    var s = Float(pads)
                    for j in cols { s += tmp[o * w + j] }
                    out[o * wo + p] = s * scale
                }
            }
            (h, w, map) = (ho, wo, out)
        }
        height = h
        width = w
        values = map
    }

    public subscript(y: Int, x: Int) -> Float { values[y * width + x] }

    /// The map as a (1, H, W) tensor.
    public var tensor: Tensor { Tensor(shape: Shape(channels: 1, height: height, width: width), data: values) }

    /// The largest fraction.
    public var maximum: Float { values.max() ?? 0 }

    /// The mean fraction over all outputs.
    public var mean: Double { values.isEmpty ? 0 : values.reduce(0) { $0 + Double($1) } / Double(values.count) }

    /// Outputs that read any pad.
    public var touched: Int { values.filter { $0 > 0 }.count }

    /// Mean fraction along the top row, bottom row, left and right column.
    public var sides: (top: Double, bottom: Double, left: Double, right: Double) {
        guard height > 0, width > 0 else { return (0, 0, 0, 0) }
        func mean(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) } / Double(v.count) }
        return (mean((0..<width).map { self[0, $0] }), mean((0..<width).map { self[height - 1, $0] }),
                mean((0..<height).map { self[$0, 0] }), mean((0..<height).map { self[$0, width - 1] }))
    }

    /// One line: how many outputs read padding, the maximum, and the side means.
    public var summary: String {
        func pct(_ d: Double) -> String { "\((d * 1000).rounded() / 10) %" }
        let s = sides
        return "pad influence: \(touched) of \(values.count) outputs read padding, max \(pct(Double(maximum))), "
            + "mean \(pct(mean)); edge means top \(pct(s.top)), bottom \(pct(s.bottom)), left \(pct(s.left)), right \(pct(s.right))"
    }
}

/// ``PadInfluence``'s numbers without its H x W map, for images too large to
/// hold one: the share of a window that is not padding factors into a row
/// part and a column part (every stage averages rows, then columns), so two
/// 1-D profiles give the count, maximum, mean and side means. Values agree
/// with the map's up to Float rounding.
public struct PadInfluenceProfile: Sendable {
    /// Per output row and column: the share of the receptive field that is not padding.
    public let rows: [Double]
    public let cols: [Double]

    public init(stages: [StageReport]) {
        guard let first = stages.first else {
            rows = []; cols = []
            return
        }
        func pass(_ q: [Double], _ a: AxisGeometry, skip: Bool) -> [Double] {
            (0..<a.output).map { o in
                var sum = 0.0, taps = 0
                for t in 0..<a.kernel {
                    guard let i = a.sourceIndex(output: o, tap: t) else { continue }
                    if i >= 0 && i < q.count {
                        sum += q[i]
                        taps += 1
                    } else if !skip {
                        taps += 1
                    }
                }
                return sum / Double(max(taps, 1))
            }
        }
        var r = [Double](repeating: 1, count: first.geometry.rows.input)
        var c = [Double](repeating: 1, count: first.geometry.cols.input)
        for s in stages {
            let skip = s.padContent == .ignored
            r = pass(r, s.geometry.rows, skip: skip)
            c = pass(c, s.geometry.cols, skip: skip)
        }
        rows = r
        cols = c
    }

    /// Outputs that read any pad.
    public var touched: Int {
        let clean = rows.filter { $0 >= 1 }.count * cols.filter { $0 >= 1 }.count
        return rows.count * cols.count - clean
    }

    public var maximum: Double { 1 - (rows.min() ?? 1) * (cols.min() ?? 1) }

    private static func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }

    public var mean: Double { rows.isEmpty || cols.isEmpty ? 0 : 1 - Self.mean(rows) * Self.mean(cols) }

    /// Mean fraction along the top row, bottom row, left and right column.
    public var sides: (top: Double, bottom: Double, left: Double, right: Double) {
        guard let r0 = rows.first, let r1 = rows.last, let c0 = cols.first, let c1 = cols.last else { return (0, 0, 0, 0) }
        let (mr, mc) = (Self.mean(rows), Self.mean(cols))
        return (1 - r0 * mc, 1 - r1 * mc, 1 - mr * c0, 1 - mr * c1)
    }

    /// The line ``PadInfluence/summary`` prints.
    public var summary: String {
        func pct(_ d: Double) -> String { "\((d * 1000).rounded() / 10) %" }
        let s = sides
        return "pad influence: \(touched) of \(rows.count * cols.count) outputs read padding, max \(pct(maximum)), "
            + "mean \(pct(mean)); edge means top \(pct(s.top)), bottom \(pct(s.bottom)), left \(pct(s.left)), right \(pct(s.right))"
    }
}
