@testable import ConvKit
import Testing
import _ConvKitTestSupport

/// Paths forced on geometries they would not be chosen for (as `CONVKIT_KERNEL=<path>` does),
/// against the naive reference, and streamed against whole-image runs.
@Suite("Forced kernel paths agree with the reference")
struct ForcedPathTests {
    /// Runs `p` on `path` forced, with 1 and 3 threads (which must agree bit for bit), against the reference.
    static func check(_ p: KernelPathTests.Problem, forcing path: KernelPath) throws {
        guard let g = try? p.conv.geometry(for: p.input.shape) else { return }
        let plan = try ConvPlan(p.conv, input: p.input.shape, path: path)
        #expect(plan.path == path, "\(p)")
        let got = plan.run(p.input, threads: 1)
        #expect(plan.run(p.input, threads: 3) == got, "thread count changed the result: \(p)")
        let (weights, groups) = KernelPathTests.pytorchWeights(p.conv, channels: p.input.channels)
        let raw = referenceConv2D(p.input, weights: weights, outChannels: g.outChannels, kernel: g.kernel,
                                  bias: KernelPathTests.groupedBias(p.conv, channels: p.input.channels),
                                  groups: groups, stride: g.stride, dilation: g.dilation, pads: g.pads,
                                  mode: p.conv.padMode, value: p.conv.padValue, activation: p.conv.activation)
        let expected = KernelPathTests.kernelMajor(raw, conv: p.conv, channels: p.input.channels)
        #expect(got.shape == expected.shape)
        // 1e-4 relative to the output's largest magnitude.
        let scale = max(1, expected.data.map { Swift.abs($0) }.max() ?? 0)
        var worst: Float = 0
        for i in got.data.indices { worst = max(worst, Swift.abs(got.data[i] - expected.data[i]) / scale) }
        #expect(worst <= 1e-4, "max relative error \(worst): \(p)")
    }

    static func layer(cin: Int, cout: Int, k: Size2, groups: Int = 1, shape: (Int, Int), seed: UInt64,
                      _ configure: (inout Convolution) -> Void) throws -> KernelPathTests.Problem {
        var rng = SplitMix64(seed: seed)
        let w = try ConvWeights(outChannels: cout, inChannelsPerGroup: cin / groups, kernel: k,
                                values: (0..<(cout * cin / groups * k.h * k.w)).map { _ in rng.nextNormal() })
        var conv = Convolution(weights: w, groups: groups)
        conv.bias = (0..<cout).map { _ in rng.nextNormal() }
        configure(&conv)
        return KernelPathTests.Problem(input: KernelPathTests.tensor(Shape(channels: cin, height: shape.0, width: shape.1), &rng),
                                       conv: conv)
    }

    @Test("GEMM: the blocked path's random problems (strides, dilation, groups, pad modes, flips)", arguments: 0..<60)
    func gemmRandom(seed: Int) throws {
        try Self.check(KernelPathTests.blockedProblem(seed), forcing: .gemm)
    }

    @Test("GEMM: more taps than a slice (partial sums, activation on the last) and more pixels than a chunk",
          arguments: [Activation.none, .relu, .abs])
    func gemmSlicesAndChunks(activation: Activation) throws {
        // 40 x 3 x 3 = 360 taps: two slices of 256; 30 x 29 = 870 pixels: two chunks of 16 tiles of 48.
        try Self.check(Self.layer(cin: 40, cout: 11, k: Size2(square: 3), shape: (60, 58), seed: 1) {
            $0.stride = Size2(square: 2)
            $0.padding = .same
            $0.padMode = .reflect
            $0.activation = activation
        }, forcing: .gemm)
        // A 7x7 map, many channels, grouped, 1x1 at stride 2 with asymmetric 'same'.
        try Self.check(Self.layer(cin: 64, cout: 24, k: Size2(square: 3), groups: 2, shape: (7, 7), seed: 2) {
            $0.padding = .explicit(top: 1, bottom: 1, left: 1, right: 1)
            $0.activation = activation
        }, forcing: .gemm)
        try Self.check(Self.layer(cin: 32, cout: 20, k: Size2(square: 1), shape: (15, 13), seed: 3) {
            $0.stride = Size2(square: 2)
            $0.padding = .same
            $0.activation = activation
        }, forcing: .gemm)
        // Dilation 2 on a 33x33-like map, zeros with a pad value.
        try Self.check(Self.layer(cin: 24, cout: 9, k: Size2(square: 3), shape: (13, 11), seed: 4) {
            $0.dilation = Size2(square: 2)
            $0.padding = .same
            $0.padValue = -0.5
            $0.activation = activation
        }, forcing: .gemm)
    }

    @Test("GEMM is chosen for small maps with many channels, strides and dilation; not for stems or pointwise")
    func gemmChosen() throws {
        func path(_ cin: Int, _ cout: Int, _ k: Int, _ hw: Int, stride: Int = 1, dilation: Int = 1) throws -> KernelPath {
            var conv = Convolution(weights: try ConvWeights.zeros(outChannels: cout, inChannels: cin, groups: 1, kernel: Size2(square: k)))
            conv.stride = Size2(square: stride)
            conv.dilation = Size2(square: dilation)
            conv.padding = .same
            return try ConvPlan(conv, input: Shape(channels: cin, height: hw, width: hw)).path
        }
        #expect(try path(512, 512, 3, 7) == .gemm)
        #expect(try path(128, 256, 3, 28, stride: 2) == .gemm)
        #expect(try path(256, 512, 1, 28, stride: 2) == .gemm)
        #expect(try path(128, 128, 3, 64) == .winograd)
        #expect(try path(3, 64, 7, 64, stride: 2) == .blocked)
    }

    @Test("GEMM streams to the same bits as the whole image")
    func gemmStreams() throws {
        var rng = SplitMix64(seed: 17)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
        var a = Convolution(weights: try ConvWeights(outChannels: 16, inChannelsPerGroup: 2, kernel: Size2(square: 3), values: values(16 * 18)))
        a.padding = .same
        var down = Convolution(weights: try ConvWeights(outChannels: 24, inChannelsPerGroup: 16, kernel: Size2(square: 3), values: values(24 * 16 * 9)))
        down.stride = Size2(square: 2)
        down.padding = .same
        down.padMode = .replicate
        down.bias = values(24)
        down.activation = .relu
        var dilated = Convolution(weights: try ConvWeights(outChannels: 8, inChannelsPerGroup: 24, kernel: Size2(square: 3), values: values(8 * 24 * 9)))
        dilated.dilation = Size2(square: 2)
        dilated.padding = .same
        dilated.padMode = .reflect
        // These small layers would go to blocked by cost: gemm is forced, to stream it.
        (down.forcedPath, dilated.forcedPath) = (.gemm, .gemm)
        let p = Pipeline(stages: [a, down, dilated])
        #expect(try down.path(for: Shape(channels: 16, height: 61, width: 37)) == .gemm)
        #expect(try dilated.path(for: Shape(channels: 24, height: 31, width: 19)) == .gemm)
        let input = StreamingTests.random(Shape(channels: 2, height: 61, width: 37), seed: 8)
        let whole = try p.run(input).output
        for bytes in [1, 16 * 61 * 37, 1 << 30] {
            #expect(StreamingTests.bitsEqual(whole, try StreamingTests.streamed(p, input, pieceBytes: bytes)), "piece bytes \(bytes)")
        }
    }
}
