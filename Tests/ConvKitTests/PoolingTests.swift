import ConvKit
import Testing

/// The vectorised pooling against a scalar loop over each window (PyTorch's
/// max_pool2d / avg_pool2d, count_include_pad=True): rows wide enough for the
/// four-vector loop, odd tails, strides, dilations, pads, NaNs and -0.
@Suite("Pooling kernel")
struct PoolingTests {
    static func reference(_ x: Tensor, _ p: Pooling) throws -> Tensor {
        let g = try p.geometry(for: x.shape)
        var out = [Float](repeating: 0, count: g.output.count)
        let (oh, ow) = (g.output.height, g.output.width)
        for c in 0..<x.channels {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc: Float = p.kind == .max ? -.infinity : 0
                    for ty in 0..<p.size.h {
                        let iy = g.rows.inputIndex(output: oy, tap: ty)
                        guard iy >= 0 && iy < x.height else { continue }
                        for tx in 0..<p.size.w {
                            let ix = g.cols.inputIndex(output: ox, tap: tx)
                            guard ix >= 0 && ix < x.width else { continue }
                            let v = x.data[(c * x.height + iy) * x.width + ix]
                            if p.kind == .max {
                                if v > acc || v.isNaN { acc = v }
                            } else {
                                acc += v
                            }
                        }
                    }
                    out[(c * oh + oy) * ow + ox] = p.kind == .max ? acc : acc / Float(p.size.h * p.size.w)
                }
            }
        }
        return Tensor(shape: g.output, data: out)
    }

    @Test("Random windows, strides, dilations and pads, against the scalar loop", arguments: 0..<40)
    func random(seed: Int) throws {
        let (p, input) = Self.problem(seed)
        guard let expected = try? Self.reference(input, p) else { return }  // windows that do not fit (counted below)
        let shape = input.shape
        let (got, _) = try Pipeline(stages: [.pool(p)]).run(input)
        #expect(got.shape == expected.shape)
        var worst: Float = 0
        for (a, b) in zip(got.data, expected.data) {
            if a.isNaN || b.isNaN {
                #expect(a.isNaN == b.isNaN, "NaN mismatch: \(p) on \(shape)")
                continue
            }
            worst = max(worst, abs(a - b) / max(1, abs(b)))
        }
        #expect(worst <= 1e-6, "max relative error \(worst): \(p) on \(shape)")
    }

    @Test("Most random pooling problems fit, and some rows are wide enough for four vectors")
    func coverage() throws {
        let fitting = (0..<40).compactMap { seed -> Int? in
            let (p, input) = Self.problem(seed)
            return (try? p.geometry(for: input.shape))?.output.width
        }
        #expect(fitting.count >= 30)
        #expect(fitting.filter { $0 >= 64 }.count >= 5)
    }

    static func problem(_ seed: Int) -> (Pooling, Tensor) {
        var rng = SplitMix64(seed: UInt64(7000 + seed))
        let k = Size2(Int(rng.next() % 4) + 1, Int(rng.next() % 4) + 1)
        var p = Pooling(seed % 2 == 0 ? .max : .avg, size: k,
                        stride: Size2(Int(rng.next() % 3) + 1, Int(rng.next() % 3) + 1),
                        padding: .explicit(top: Int(rng.next() % UInt64(k.h / 2 + 1)), bottom: Int(rng.next() % UInt64(k.h / 2 + 1)),
                                           left: Int(rng.next() % UInt64(k.w / 2 + 1)), right: Int(rng.next() % UInt64(k.w / 2 + 1))))
        p.dilation = Size2(Int(rng.next() % 2) + 1, 1)
        let shape = Shape(channels: Int(rng.next() % 3) + 1, height: Int(rng.next() % 30) + 4, width: Int(rng.next() % 300) + 4)
        var data = (0..<shape.count).map { _ in rng.nextNormal() }
        // A few NaNs (max lets them win) and negative zeros.
        for _ in 0..<3 { data[Int(rng.next() % UInt64(data.count))] = .nan }
        data[Int(rng.next() % UInt64(data.count))] = -0.0
        return (p, Tensor(shape: shape, data: data))
    }
}
