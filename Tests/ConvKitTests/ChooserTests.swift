@testable import ConvKit
import Testing
import _ConvKitTestSupport

/// The chooser (`PathEntry`, `CostModel`): every path it can pick computes the
/// reference's result, the pick follows the costs, and a run prepares weights once.
@Suite("Path chooser and prepared weights")
struct ChooserTests {
    static func random(_ shape: Shape, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.count).map { _ in rng.nextUniform() })
    }

    static func weights(_ cout: Int, _ cin: Int, _ k: Int, seed: UInt64) throws -> ConvWeights {
        var rng = SplitMix64(seed: seed)
        return try ConvWeights(outChannels: cout, inChannelsPerGroup: cin, kernel: Size2(square: k),
                               values: (0..<(cout * cin * k * k)).map { _ in rng.nextNormal() })
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: Shape
        let conv: Convolution
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        func conv(_ w: ConvWeights?, groups: Int = 1, stride: Int = 1, dilation: Int = 1, padding: Padding = .same) -> Convolution {
            var c = Convolution(filters: w.map { .weights($0, groups: groups) } ?? .perChannel([]))
            c.stride = Size2(square: stride)
            c.dilation = Size2(square: dilation)
            c.padding = padding
            return c
        }
        let gauss = try? Kernel2D(rows: [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
        var separable = Convolution(kernels: gauss.map { [$0] } ?? [])
        separable.padding = .same
        separable.padMode = .reflect
        return [
            Case(name: "3x3 16->20 on 13x11 (winograd, blocked)", input: Shape(channels: 16, height: 13, width: 11),
                 conv: conv(try? weights(20, 16, 3, seed: 1))),
            Case(name: "1x1 24->10 on 9x7 (pointwise, blocked)", input: Shape(channels: 24, height: 9, width: 7),
                 conv: conv(try? weights(10, 24, 1, seed: 2), padding: .valid)),
            Case(name: "depthwise 3x3 stride 2 on 12 channels", input: Shape(channels: 12, height: 15, width: 10),
                 conv: conv(try? weights(12, 1, 3, seed: 3), groups: 12, stride: 2)),
            Case(name: "3x3 dilation 2, 6->9 (blocked)", input: Shape(channels: 6, height: 14, width: 12),
                 conv: conv(try? weights(9, 6, 3, seed: 4), dilation: 2)),
            Case(name: "RGB to one channel 5x5 (narrow)", input: Shape(channels: 3, height: 11, width: 13),
                 conv: conv(try? weights(1, 3, 5, seed: 5))),
            Case(name: "rank-1 3x3 bank on 2 channels (separable)", input: Shape(channels: 2, height: 10, width: 9),
                 conv: separable),
        ]
    }()

    @Test("Every path that applies, forced, equals the reference to 1e-4", arguments: cases)
    func forcedPathsMatchReference(_ c: Case) throws {
        let x = Self.random(c.input, seed: 9)
        let g = try c.conv.geometry(for: c.input)
        let (weights, groups) = KernelPathTests.pytorchWeights(c.conv, channels: c.input.channels)
        let raw = referenceConv2D(x, weights: weights, outChannels: g.outChannels, kernel: g.kernel, groups: groups,
                                  stride: g.stride, dilation: g.dilation, pads: g.pads, mode: c.conv.padMode)
        let expected = KernelPathTests.kernelMajor(raw, conv: c.conv, channels: c.input.channels)
        let paths = try c.conv.paths(for: c.input).map(\.path)
        #expect(paths.count >= 2 && paths.contains(.blocked) && paths.contains(.direct), "\(paths)")
        let scale = max(1, expected.data.map(abs).max() ?? 0)
        for p in paths {
            let got = try c.conv.run(x, threads: 2, path: p)
            #expect(got.shape == expected.shape)
            let worst = zip(got.data, expected.data).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst / scale <= 1e-4, "\(p): max error \(worst) of \(scale)")
        }
    }

    @Test("The chooser picks by cost", arguments: [
        ("512 channels 7x7, 3x3: gemm, not Winograd", Shape(channels: 512, height: 7, width: 7), 512, 512, 3, 1, KernelPath.gemm),
        ("256 channels 14x14, 3x3: gemm", Shape(channels: 256, height: 14, width: 14), 256, 256, 3, 1, .gemm),
        ("64 channels 56x56, 3x3: Winograd", Shape(channels: 64, height: 56, width: 56), 64, 64, 3, 1, .winograd),
        ("64 channels 256x256, 3x3 (W4): Winograd", Shape(channels: 64, height: 256, width: 256), 64, 64, 3, 1, .winograd),
        ("1x1 64->128: pointwise", Shape(channels: 64, height: 28, width: 28), 128, 64, 1, 1, .pointwise),
        ("depthwise 3x3 on 144 channels", Shape(channels: 144, height: 56, width: 56), 144, 1, 3, 144, .depthwisePlanes),
        ("3 channels to 32, 3x3 (W3): blocked", Shape(channels: 3, height: 64, width: 64), 32, 3, 3, 1, .blocked),
    ])
    func choosesByCost(_ name: String, _ input: Shape, _ cout: Int, _ cin: Int, _ k: Int, _ groups: Int, _ expected: KernelPath) throws {
        var conv = Convolution(weights: try Self.weights(cout, cin, k, seed: 7), groups: groups)
        conv.padding = k == 1 ? .valid : .same
        #expect(try conv.path(for: input) == expected, "\(name)")
        let listed = try conv.paths(for: input)
        #expect(listed.contains { $0.path == expected })
        // The pick is the applicable path of least estimate.
        let cheapest = listed.compactMap { e in e.estimate.map { (e.path, $0) } }.min { $0.1 < $1.1 }
        if KernelPath.forced == nil { #expect(cheapest?.0 == expected) }
    }

    @Test("A Gaussian bank is separable; a sharpen is depthwise")
    func weightDependentChoice() throws {
        let input = Shape(channels: 3, height: 64, width: 64)
        var blur = Convolution(kernels: [try Kernel2D(rows: [[1, 2, 1], [2, 4, 2], [1, 2, 1]])])
        blur.padding = .same
        #expect(try blur.path(for: input) == .separable)
        var sharpen = Convolution(kernels: [try Kernel2D(rows: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])])
        sharpen.padding = .same
        #expect(try sharpen.path(for: input) == .depthwise)
        #expect(try !sharpen.paths(for: input).contains { $0.path == .separable })
    }

    @Test("Forcing a path that cannot run the geometry is an error naming those that can")
    func forcingInapplicablePath() throws {
        let conv = Convolution(weights: try Self.weights(8, 4, 1, seed: 3))
        let x = Self.random(Shape(channels: 4, height: 5, width: 5), seed: 1)
        #expect(throws: GeometryError.self) { try conv.run(x, path: .winograd) }
        do {
            _ = try conv.run(x, path: .winograd)
        } catch {
            #expect(error.message.contains("winograd"))
            #expect(error.hint?.contains("pointwise") == true)
        }
    }

    @Test("A streamed run makes one plan per conv stage and prepares each once")
    func streamedRunPreparesOnce() throws {
        var first = Convolution(weights: try Self.weights(16, 16, 3, seed: 101))
        first.padding = .same
        var second = Convolution(weights: try Self.weights(8, 16, 3, seed: 102))
        second.padding = .same
        let pipeline = Pipeline(stages: [first, second])
        let input = Self.random(Shape(channels: 16, height: 64, width: 20), seed: 4)
        let counter = PlanCounter()
        var strips = 0
        try PlanCounter.$current.withValue(counter) {
            // 8-row pieces: the output comes in 8 strips.
            let plan = try StreamPlan(pipeline: pipeline, input: input.shape, pieceBytes: 1)
            #expect(plan.prepareMilliseconds.count == 2)
            try plan.run(read: { rows, buffer in
                for c in 0..<input.channels {
                    for y in rows {
                        for x in 0..<input.width { buffer[(c * rows.count + y - rows.lowerBound) * input.width + x] = input[c, y, x] }
                    }
                }
            }, write: { _, _ in strips += 1 }, threads: 2)
        }
        #expect(strips >= 8)
        #expect(counter.plans == 2)
        #expect(counter.preparations == 2)
    }

    @Test("Images of a batch and repeated runs reuse the prepared weights")
    func batchReusesPreparedWeights() throws {
        var conv = Convolution(weights: try Self.weights(24, 16, 3, seed: 103))
        conv.padding = .same
        let images = (0..<4).map { Self.random(Shape(channels: 16, height: 12, width: 12), seed: UInt64($0)) }
        let counter = PlanCounter()
        let (batch, again) = try PlanCounter.$current.withValue(counter) {
            (try conv.run(batch: images, threads: 2), try Pipeline(stages: [conv]).run(images[0]).output)
        }
        #expect(counter.plans == 2)
        #expect(counter.preparations == 1)
        #expect(batch[0] == again)
    }

    @Test("Convolutions that differ only in stride, padding and activation share prepared weights")
    func sweptSettingsSharePreparation() throws {
        var a = Convolution(weights: try Self.weights(12, 8, 3, seed: 104))
        a.forcedPath = .blocked
        var b = a
        b.stride = Size2(square: 2)
        b.padding = .same
        b.activation = .relu
        var flipped = a
        flipped.flip = true
        let x = Self.random(Shape(channels: 8, height: 16, width: 16), seed: 2)
        let counter = PlanCounter()
        try PlanCounter.$current.withValue(counter) {
            _ = try a.run(x)
            _ = try b.run(x)
            _ = try flipped.run(x)
        }
        #expect(counter.plans == 3)
        #expect(counter.preparations == 2)  // flipping changes the weights
    }

    @Test("LayerBench: --paths all marks one path chosen, the one ConvPlan picks, with sane figures")
    func layerBenchAllPaths() throws {
        var conv = Convolution(weights: try LayerBench.randomWeights(outChannels: 16, inChannelsPerGroup: 16, kernel: Size2(square: 3)))
        conv.padding = .same
        let bench = LayerBench(input: Shape(channels: 16, height: 12, width: 12), convolution: conv)
        let results = try bench.measureAll(threads: 1, repeats: 2)
        #expect(results.filter(\.chosen).count == 1)
        #expect(results.first { $0.chosen }?.path == (try conv.path(for: bench.input)).rawValue)
        #expect(Set(results.map(\.path)) == Set(try conv.paths(for: bench.input).map(\.path.rawValue)))
        for r in results {
            #expect(r.milliseconds > 0 && r.firstMilliseconds >= r.prepareMilliseconds && r.prepareMilliseconds >= 0)
            #expect(r.macs == 16 * 16 * 9 * 144 && r.runs == 2 && r.output == [16, 12, 12])
            #expect(abs(r.gflops - 2 * Double(r.macs) / (r.milliseconds * 1e6)) < 1e-9)
        }
        // Every path computes the same output, so the checksums agree to rounding.
        let sums = results.compactMap { $0.checksum["abs_sum"] }
        #expect((sums.max() ?? 0) - (sums.min() ?? 0) <= 1e-4 * (sums.max() ?? 1))
    }
}
