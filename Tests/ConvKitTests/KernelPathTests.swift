import ConvKit
import Testing
import _ConvKitTestSupport

/// The fast kernels against the naive reference, each on geometries chosen
/// to land on it: tails narrower than a register tile, strides, dilations,
/// groups, every pad mode, pads wider than the input.
@Suite("Kernel paths agree with the reference")
struct KernelPathTests {
    struct Problem: CustomStringConvertible {
        var input: Tensor
        var conv: Convolution
        var description: String {
            "input \(input.shape) kernel \(conv.kernelSize.map(String.init(describing:)) ?? "-") stride \(conv.stride) "
                + "dilation \(conv.dilation) padding \(conv.padding) \(conv.padMode)"
        }
    }

    static func tensor(_ shape: Shape, _ rng: inout SplitMix64) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.count).map { _ in rng.nextUniform() })
    }

    static func geometry(_ conv: inout Convolution, _ rng: inout SplitMix64, kernel: Size2) {
        conv.stride = Size2(Int(rng.next() % 3) + 1, Int(rng.next() % 3) + 1)
        conv.dilation = Size2(Int(rng.next() % 2) + 1, Int(rng.next() % 2) + 1)
        conv.padMode = PadMode.allCases[Int(rng.next() % 5)]
        conv.padValue = rng.next() % 2 == 0 ? 0 : -0.5
        switch rng.next() % 4 {
        case 0: conv.padding = .same
        case 1: conv.padding = .full
        case 2: conv.padding = .valid
        default:
            conv.padding = .explicit(top: Int(rng.next() % 7), bottom: Int(rng.next() % 4),
                                     left: Int(rng.next() % 9), right: Int(rng.next() % 3))
        }
        conv.activation = Activation.allCases[Int(rng.next() % 3)]
    }

    /// Runs `p` with 1 and 3 threads (which must agree bit for bit) and compares with the reference.
    func check(_ p: Problem, expecting path: KernelPath) throws {
        // The path under test is forced: the cost model may prefer another on a small case.
        var p = p
        p.conv.forcedPath = path
        guard let g = try? p.conv.geometry(for: p.input.shape) else { return }  // sizes that do not fit are tested elsewhere
        #expect(try p.conv.path(for: p.input.shape) == path, "\(p)")
        let got = try p.conv.run(p.input, threads: 1)
        #expect(try p.conv.run(p.input, threads: 3) == got, "thread count changed the result: \(p)")
        let (weights, groups) = Self.pytorchWeights(p.conv, channels: p.input.channels)
        let (t, b, l, r) = g.pads
        let raw = referenceConv2D(p.input, weights: weights, outChannels: g.outChannels, kernel: g.kernel,
                                  bias: Self.groupedBias(p.conv, channels: p.input.channels),
                                  groups: groups, stride: g.stride, dilation: g.dilation, pads: (t, b, l, r),
                                  mode: p.conv.padMode, value: p.conv.padValue, activation: p.conv.activation)
        // Per-channel banks come out kernel-major; the reference is channel-major (grouped order).
        let expected = Self.kernelMajor(raw, conv: p.conv, channels: p.input.channels)
        #expect(got.shape == expected.shape)
        var worst: Float = 0
        for i in got.data.indices {
            worst = max(worst, Swift.abs(got.data[i] - expected.data[i]) / max(1, Swift.abs(expected.data[i])))
        }
        #expect(worst <= 1e-4, "max relative error \(worst): \(p)")
    }

    static func pytorchWeights(_ conv: Convolution, channels: Int) -> ([Float], Int) {
        switch conv.filters {
        case let .weights(w, groups):
            return (conv.flip ? w.flipped().values : w.values, groups)
        case let .perChannel(ks):
            var values: [Float] = []
            for _ in 0..<channels { for k in ks { values += conv.flip ? k.values.reversed() : k.values } }
            return (values, channels)
        }
    }

    /// A bank's bias is given per result channel (kernel-major); the reference wants grouped order (channel-major).
    static func groupedBias(_ conv: Convolution, channels c: Int) -> [Float]? {
        guard case let .perChannel(ks) = conv.filters, ks.count > 1, let b = conv.bias else { return conv.bias }
        let n = ks.count
        return (0..<(n * c)).map { o in b[(o % n) * c + o / n] }
    }

    static func kernelMajor(_ t: Tensor, conv: Convolution, channels c: Int) -> Tensor {
        guard case let .perChannel(ks) = conv.filters, ks.count > 1 else { return t }
        let n = ks.count
        return Tensor.stacking((0..<(n * c)).map { i in t.channel((i % c) * n + i / c) })
    }

    @Test("Blocked: channels x pixels tiles, any stride, dilation, groups and pad", arguments: 0..<60)
    func blocked(seed: Int) throws {
        try check(Self.blockedProblem(seed), expecting: .blocked)
    }

    @Test("Most random problems fit, so the path tests are not vacuous")
    func coverage() throws {
        func fits(_ p: Problem) -> Bool { (try? p.conv.geometry(for: p.input.shape)) != nil }
        #expect(try (0..<60).filter { fits(try Self.blockedProblem($0)) }.count >= 40)
        #expect(try (0..<40).filter { fits(try Self.separableProblem($0)) }.count >= 25)
    }

    static func blockedProblem(_ seed: Int) throws -> Problem {
        var rng = SplitMix64(seed: UInt64(1000 + seed))
        let groups = Int(rng.next() % 2) + 1
        let cin = groups * (Int(rng.next() % 4) + 1)
        let cout = groups * (Int(rng.next() % 14) + 4)
        let k = Size2(Int(rng.next() % 4) + 1, Int(rng.next() % 4) + 2)
        let shape = Shape(channels: cin, height: Int(rng.next() % 9) + 1, width: Int(rng.next() % 110) + 1)
        let w = try ConvWeights(outChannels: cout, inChannelsPerGroup: cin / groups, kernel: k,
                                values: (0..<(cout * cin / groups * k.h * k.w)).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: w, groups: groups)
        Self.geometry(&conv, &rng, kernel: k)
        conv.bias = rng.next() % 2 == 0 ? nil : (0..<cout).map { _ in rng.nextNormal() }
        conv.flip = rng.next() % 2 == 0
        return Problem(input: Self.tensor(shape, &rng), conv: conv)
    }

    @Test("Pointwise: 1x1 over whole planes, groups, with a tail shorter than a vector", arguments: 0..<20)
    func pointwise(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(2000 + seed))
        let groups = seed % 3 == 0 ? 2 : 1
        let cin = groups * (Int(rng.next() % 9) + 1), cout = groups * (Int(rng.next() % 20) + 4)
        // Up to 6 chunks of 384 pixels, the last one short.
        let shape = Shape(channels: cin, height: Int(rng.next() % 30) + 1, width: Int(rng.next() % 70) + 1)
        let w = try ConvWeights(outChannels: cout, inChannelsPerGroup: cin / groups, kernel: Size2(square: 1),
                                values: (0..<(cout * cin / groups)).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: w, groups: groups)
        conv.bias = (0..<cout).map { _ in rng.nextNormal() }
        conv.activation = Activation.allCases[seed % 3]
        try check(Problem(input: Self.tensor(shape, &rng), conv: conv), expecting: .pointwise)
    }

    @Test("Separable: rank-1 kernels as two 1-D passes", arguments: 0..<40)
    func separable(seed: Int) throws {
        try check(Self.separableProblem(seed), expecting: .separable)
    }

    static func separableProblem(_ seed: Int) throws -> Problem {
        var rng = SplitMix64(seed: UInt64(3000 + seed))
        let k = Size2(Int(rng.next() % 6) + 2, Int(rng.next() % 6) + 2)
        let kernels = try (0..<(Int(rng.next() % 2) + 1)).map { _ in
            let col = (0..<k.h).map { _ in rng.nextNormal() }, row = (0..<k.w).map { _ in rng.nextNormal() }
            return try Kernel2D(size: k, values: col.flatMap { a in row.map { a * $0 } })
        }
        let shape = Shape(channels: Int(rng.next() % 3) + 1, height: Int(rng.next() % 20) + 1, width: Int(rng.next() % 300) + 1)
        var conv = Convolution(kernels: kernels)
        Self.geometry(&conv, &rng, kernel: k)
        conv.flip = rng.next() % 2 == 0
        return Problem(input: Self.tensor(shape, &rng), conv: conv)
    }

    @Test("Winograd F(4x4,3x3): odd sizes, every pad mode, bias and activation", arguments: 0..<16)
    func winograd(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(4000 + seed))
        let cin = Int(rng.next() % 6) + 16, cout = Int(rng.next() % 12) + 16
        let shape = Shape(channels: cin, height: Int(rng.next() % 13) + 3, width: Int(rng.next() % 70) + 3)
        let w = try ConvWeights(outChannels: cout, inChannelsPerGroup: cin, kernel: Size2(square: 3),
                                values: (0..<(cout * cin * 9)).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: w)
        conv.padMode = PadMode.allCases[seed % 5]
        conv.padValue = seed % 2 == 0 ? 0 : -0.5
        conv.padding = [Padding.same, .valid, .full, .explicit(top: 0, bottom: 3, left: 2, right: 1)][seed % 4]
        conv.bias = (0..<cout).map { _ in rng.nextNormal() }
        conv.activation = Activation.allCases[seed % 3]
        conv.flip = seed % 3 == 0
        // Forced: maps under 16 columns wide take the GEMM path.
        try ForcedPathTests.check(Problem(input: Self.tensor(shape, &rng), conv: conv), forcing: .winograd)
    }

    @Test("A kernel of rank 2 is not taken for separable: it runs depthwise")
    func rankTwo() throws {
        let sharpen = try Kernel2D(rows: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
        #expect(try Convolution(kernels: [sharpen]).path(for: Shape(channels: 3, height: 8, width: 8)) == .depthwisePlanes)
    }

    @Test("Depthwise: per-channel kernels of full rank, any stride, dilation and pad", arguments: 0..<40)
    func depthwise(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(5000 + seed))
        let k = Size2(Int(rng.next() % 6) + 1, Int(rng.next() % 6) + 2)
        // One kernel per channel, or a bank of up to 3 (each channel gives that many maps).
        let kernels = try (0..<(Int(rng.next() % 3) + 1)).map { _ in
            try Kernel2D(size: k, values: (0..<(k.h * k.w)).map { _ in rng.nextNormal() })
        }
        let shape = Shape(channels: Int(rng.next() % 4) + 1, height: Int(rng.next() % 40) + 1, width: Int(rng.next() % 300) + 1)
        var conv = Convolution(kernels: kernels)
        Self.geometry(&conv, &rng, kernel: k)
        conv.flip = rng.next() % 2 == 0
        conv.bias = rng.next() % 2 == 0 ? nil : (0..<(kernels.count * shape.channels)).map { _ in rng.nextNormal() }
        let problem = Problem(input: Self.tensor(shape, &rng), conv: conv)
        try check(problem, expecting: .depthwisePlanes)
        // The row-band depthwise path, which these geometries no longer choose.
        try ForcedPathTests.check(problem, forcing: .depthwise)
    }

    @Test("Narrow: fewer output channels per group than a register tile, summing input channels", arguments: 0..<30)
    func narrow(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(6000 + seed))
        let groups = Int(rng.next() % 2) + 1
        let cin = groups * (Int(rng.next() % 4) + 2)
        let cout = groups * (Int(rng.next() % 3) + 1)
        let k = Size2(Int(rng.next() % 5) + 1, Int(rng.next() % 5) + 1)
        let shape = Shape(channels: cin, height: Int(rng.next() % 30) + 1, width: Int(rng.next() % 120) + 1)
        let w = try ConvWeights(outChannels: cout, inChannelsPerGroup: cin / groups, kernel: k,
                                values: (0..<(cout * cin / groups * k.h * k.w)).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: w, groups: groups)
        Self.geometry(&conv, &rng, kernel: k)
        conv.bias = rng.next() % 2 == 0 ? nil : (0..<cout).map { _ in rng.nextNormal() }
        try check(Problem(input: Self.tensor(shape, &rng), conv: conv), expecting: .narrow)
    }

    @Test("Kernels wider than a register tile of pixels (48 or 24), on the blocked and depthwise paths")
    func wideKernels() throws {
        var rng = SplitMix64(seed: 77)
        let k = Size2(3, 53)
        let w = try ConvWeights(outChannels: 8, inChannelsPerGroup: 2, kernel: k,
                                values: (0..<(8 * 2 * k.h * k.w)).map { _ in rng.nextNormal() })
        var blocked = Convolution(weights: w)
        blocked.padding = .same
        blocked.padMode = .reflect
        try check(Problem(input: Self.tensor(Shape(channels: 2, height: 7, width: 131), &rng), conv: blocked), expecting: .blocked)
        var depthwise = Convolution(kernels: [try Kernel2D(size: Size2(2, 60), values: (0..<120).map { _ in rng.nextNormal() })])
        depthwise.padding = .full
        depthwise.padMode = .circular
        depthwise.stride = Size2(1, 3)
        try check(Problem(input: Self.tensor(Shape(channels: 3, height: 9, width: 75), &rng), conv: depthwise), expecting: .depthwisePlanes)
    }

    @Test("A batch gives what each image gives alone")
    func batch() throws {
        var rng = SplitMix64(seed: 7)
        let w = try ConvWeights(outChannels: 8, inChannelsPerGroup: 1, kernel: Size2(square: 3),
                                values: (0..<72).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: w)
        conv.stride = Size2(square: 2)
        let images = (0..<5).map { _ in Self.tensor(Shape(channels: 1, height: 28, width: 28), &rng) }
        let outs = try conv.run(batch: images, threads: 2)
        #expect(outs.count == 5)
        for (image, out) in zip(images, outs) { #expect(try conv.run(image, threads: 1) == out) }
    }
}
