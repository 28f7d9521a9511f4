@testable import ConvKit
import Testing
import _ConvKitTestSupport

/// Winograd F(4x4, 3x3) against the naive reference, on shapes that put
/// partial 4x4 tiles on every edge, and its bit-exactness under the splits the
/// streaming runner and the thread pool make.
@Suite("Winograd F(4x4, 3x3)")
struct WinogradTests {
    struct Case: CustomStringConvertible {
        var input: Tensor
        var conv: Convolution
        var description: String {
            "input \(input.shape) padding \(conv.padding) "
                + "\(conv.padMode) value \(conv.padValue) \(conv.activation) bias \(conv.bias != nil)"
        }
    }

    /// Cin and Cout in 16...80; heights and widths that leave 1, 2 or 3 rows or
    /// columns of a last tile, 1xN and Nx1 images; explicit pads that move the
    /// tile grid against the image on each side.
    static func randomCase(_ seed: Int) throws -> Case {
        var rng = SplitMix64(seed: UInt64(7000 + seed))
        let cin = 16 + Int(rng.next() % 65), cout = 16 + Int(rng.next() % 65)
        let sizes = [1, 2, 3, 5, 6, 7, 9, 13, 18, 23, 30]
        var h = sizes[Int(rng.next() % UInt64(sizes.count))], w = 1 + Int(rng.next() % 45)
        switch seed % 6 {
        case 0: h = 1  // 1xN
        case 1: (h, w) = (1 + Int(rng.next() % 40), 1)  // Nx1
        default: break
        }
        let weights = try ConvWeights(outChannels: cout, inChannelsPerGroup: cin, kernel: Size2(square: 3),
                                      values: (0..<(cout * cin * 9)).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: weights)
        conv.padMode = PadMode.allCases[seed % PadMode.allCases.count]
        conv.padValue = seed % 4 == 1 ? -0.5 : 0
        conv.padding = [Padding.same, .full, .same, .explicit(top: Int(rng.next() % 3), bottom: Int(rng.next() % 3),
                                                              left: Int(rng.next() % 3), right: Int(rng.next() % 3))][seed % 4]
        if h < 3 || w < 3, case .valid = conv.padding { conv.padding = .same }
        conv.bias = seed % 3 == 2 ? nil : (0..<cout).map { _ in rng.nextNormal() }
        conv.activation = seed % 2 == 0 ? .relu : Activation.allCases[seed % Activation.allCases.count]
        conv.flip = seed % 5 == 0
        let input = Tensor(shape: Shape(channels: cin, height: h, width: w), data: (0..<(cin * h * w)).map { _ in rng.nextUniform() })
        return Case(input: input, conv: conv)
    }

    @Test("Random 3x3 convolutions, 16 to 80 channels, odd sizes, every pad mode: within 1e-4 of the reference",
          arguments: 0..<30)
    func matchesReference(seed: Int) throws {
        var c = try Self.randomCase(seed)
        c.conv.forcedPath = .winograd  // small cases, where the cost model prefers blocked
        guard (try? c.conv.geometry(for: c.input.shape)) != nil else { return }
        // Forced: maps under 16 columns wide take the GEMM path.
        let plan = try ConvPlan(c.conv, input: c.input.shape, path: .winograd)
        #expect(plan.path == .winograd, "\(c)")
        let got = plan.run(c.input, threads: 2)
        let expected = try Self.reference(c)
        #expect(got.shape == expected.shape, "\(c)")
        let worst = zip(got.data, expected.data).map { Swift.abs($0 - $1) / max(1, Swift.abs($1)) }.max() ?? 0
        #expect(worst <= 1e-4, "max relative error \(worst): \(c)")
    }

    @Test("The random cases mostly fit, so the reference test is not vacuous")
    func casesFit() throws {
        let fit = try (0..<30).filter { (try? Self.randomCase($0)).flatMap { try? $0.conv.geometry(for: $0.input.shape) } != nil }
        #expect(fit.count >= 28)
    }

    @Test("A W4-like layer (64 -> 64, 67x61) matches the reference", arguments: [PadMode.zeros, .reflect])
    func deepLayer(mode: PadMode) throws {
        var rng = SplitMix64(seed: 41)
        let weights = try ConvWeights(outChannels: 64, inChannelsPerGroup: 64, kernel: Size2(square: 3),
                                      values: (0..<(64 * 64 * 9)).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: weights)
        conv.padding = .same
        conv.padMode = mode
        conv.bias = (0..<64).map { _ in rng.nextNormal() }
        let input = Tensor(shape: Shape(channels: 64, height: 67, width: 61), data: (0..<(64 * 67 * 61)).map { _ in rng.nextUniform() })
        let c = Case(input: input, conv: conv)
        let got = try conv.run(input, threads: 2)
        let expected = try Self.reference(c)
        let worst = zip(got.data, expected.data).map { Swift.abs($0 - $1) / max(1, Swift.abs($1)) }.max() ?? 0
        #expect(worst <= 1e-4, "max relative error \(worst): \(c)")
    }

    @Test("One, two and three threads give the same bits", arguments: 0..<12)
    func threadCount(seed: Int) throws {
        let c = try Self.randomCase(seed)
        guard (try? c.conv.geometry(for: c.input.shape)) != nil else { return }
        let one = try c.conv.run(c.input, threads: 1)
        #expect(try c.conv.run(c.input, threads: 2) == one, "\(c)")
        #expect(try c.conv.run(c.input, threads: 3) == one, "\(c)")
    }

    /// Output rows split as the streaming runner splits them: every piece but the
    /// last starts and ends at a multiple of 8, each computed from a strip that
    /// holds only the input rows it reads.
    @Test("Rows [0,8), [8,24), [24,H) computed apart equal one call, bit for bit",
          arguments: PadMode.allCases, [37, 26, 24])
    func rowSplits(mode: PadMode, height: Int) throws {
        var rng = SplitMix64(seed: UInt64(height))
        let (cin, cout, width) = (19, 21, 29)
        let weights = try ConvWeights(outChannels: cout, inChannelsPerGroup: cin, kernel: Size2(square: 3),
                                      values: (0..<(cout * cin * 9)).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: weights)
        conv.padding = .same
        conv.padMode = mode
        conv.padValue = 0.25
        conv.bias = (0..<cout).map { _ in rng.nextNormal() }
        let shape = Shape(channels: cin, height: height, width: width)
        let input = Tensor(shape: shape, data: (0..<shape.count).map { _ in rng.nextUniform() })
        let plan = try ConvPlan(conv, input: shape, path: .winograd)
        #expect(plan.path == .winograd)
        let g = plan.geometry
        let rowFloats = g.output.channels * g.output.width
        let whole = plan.run(input, threads: 2)

        var pieces: [Float] = []
        let splits = [0..<8, 8..<24, 24..<g.rows.output].filter { !$0.isEmpty }
        for rows in splits {
            // The strip: the span of source rows the pieces' input rows map to.
            let sources = g.rows.inputRange(forOutputs: rows).compactMap { mode.sourceIndex($0, count: height) }
            let lo = sources.min()!, hi = sources.max()! + 1
            var stripData: [Float] = []
            for c in 0..<cin { stripData += input.data[(c * height + lo) * width..<(c * height + hi) * width] }
            var out = [Float](repeating: .nan, count: rows.count * rowFloats)
            stripData.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    plan.run(RowStrip(base: src, shape: shape, firstRow: lo, rowCount: hi - lo), outputRows: rows,
                             into: dst, threads: rows.lowerBound == 8 ? 1 : 2)
                }
            }
            pieces.append(contentsOf: out)
        }
        // Pieces are channel-major per piece; gather each channel's rows back together.
        var joined: [Float] = []
        for c in 0..<cout {
            var offset = 0
            for rows in splits {
                let start = offset + c * rows.count * g.output.width
                joined += pieces[start..<(start + rows.count * g.output.width)]
                offset += rows.count * rowFloats
            }
        }
        #expect(joined == whole.data, "\(mode) height \(height)")
    }

    static func reference(_ c: Case) throws -> Tensor {
        let g = try c.conv.geometry(for: c.input.shape)
        let (weights, groups) = KernelPathTests.pytorchWeights(c.conv, channels: c.input.channels)
        return referenceConv2D(c.input, weights: weights, outChannels: g.outChannels, kernel: g.kernel, bias: c.conv.bias,
                               groups: groups, stride: g.stride, dilation: g.dilation, pads: g.pads,
                               mode: c.conv.padMode, value: c.conv.padValue, activation: c.conv.activation)
    }
}
