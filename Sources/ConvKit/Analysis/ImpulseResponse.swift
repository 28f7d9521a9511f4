import Foundation

/// A pipeline applied to a delta image: one sample 1, every other 0.
///
/// For a cross-correlation (the default, as in PyTorch) the response is the
/// kernel rotated by 180 degrees, because output `o` reads input `o + t`, so
/// the delta at `p` lands on tap `p - o`; with `flip: true` (true
/// convolution) the response is the kernel as written. Either way a transposed
/// or mirrored kernel shows at once.
///
///     let r = try ImpulseResponse(pipeline: sobelX)
///     r.maps[0]   // 3x3: [1, 0, -1], [2, 0, -2], [1, 0, -1] (sobel-x rotated)
public struct ImpulseResponse: Sendable {
    /// The delta image's shape, and the delta's row and column.
    public let input: Shape
    public let delta: (y: Int, x: Int)
    /// The whole output.
    public let output: Tensor
    /// The rectangle of the output holding every non-zero sample of any map
    /// (the output's centre sample when all are zero): rows and columns.
    public let support: (rows: Range<Int>, columns: Range<Int>)

    /// Runs `pipeline` on a `channels`-channel delta image large enough that
    /// no window of the delta's response reaches the border: each side is
    /// twice the receptive field plus one, the delta in the middle.
    public init(pipeline: Pipeline, channels: Int = 1, threads: Int? = 1) throws(GeometryError) {
        // The receptive field on a probe shape decides the size.
        let probe = try pipeline.plan(for: Shape(channels: channels, height: 256, width: 256))
        let field = probe.last?.receptiveField.size ?? Size2(square: 1)
        let h = 2 * field.h + 1, w = 2 * field.w + 1
        let shape = Shape(channels: channels, height: h, width: w)
        var t = Tensor(zeros: shape)
        for c in 0..<channels { t[c, h / 2, w / 2] = 1 }
        let out = try pipeline.run(t, threads: threads).output
        var box: (y0: Int, y1: Int, x0: Int, x1: Int)?
        for c in 0..<out.channels {
            for y in 0..<out.height {
                for x in 0..<out.width where out[c, y, x] != 0 {
                    box = box.map { (min($0.y0, y), max($0.y1, y + 1), min($0.x0, x), max($0.x1, x + 1)) } ?? (y, y + 1, x, x + 1)
                }
            }
        }
        let b = box ?? (out.height / 2, out.height / 2 + 1, out.width / 2, out.width / 2 + 1)
        let rows = b.y0..<b.y1, cols = b.x0..<b.x1
        input = shape
        delta = (h / 2, w / 2)
        output = out
        support = (rows, cols)
    }

    /// Every output map cropped to ``support``, as rows of values.
    public var maps: [[[Float]]] {
        (0..<output.channels).map { c in
            support.rows.map { y in support.columns.map { x in output[c, y, x] } }
        }
    }

    /// The cropped maps as one tensor.
    public var cropped: Tensor {
        let h = support.rows.count, w = support.columns.count
        var t = Tensor(zeros: Shape(channels: output.channels, height: h, width: w))
        for c in 0..<output.channels {
            for y in 0..<h { for x in 0..<w { t[c, y, x] = output[c, support.rows.lowerBound + y, support.columns.lowerBound + x] } }
        }
        return t
    }

    /// The maps printed as matrices, one block per map, `%.4g`-like numbers aligned.
    public var text: String {
        var blocks: [String] = []
        for (c, m) in maps.enumerated() {
            let cells = m.map { $0.map(Self.format) }
            let width = cells.flatMap { $0 }.map(\.count).max() ?? 1
            var lines = ["map \(c) (rows \(support.rows.lowerBound)..<\(support.rows.upperBound), "
                         + "columns \(support.columns.lowerBound)..<\(support.columns.upperBound) of \(output.height)x\(output.width); "
                         + "delta at \(delta.y),\(delta.x) of the input):"]
            for row in cells {
                lines.append("  " + row.map { String(repeating: " ", count: width - $0.count) + $0 }.joined(separator: " "))
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n")
    }

    /// A sample as printed: integers without a decimal point, others to 4 decimals.
    public static func format(_ v: Float) -> String {
        if v == 0 { return "0" }
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        var s = String(format: "%.4f", Double(v))
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }
}
