import ConvKit
import Testing

/// Streamed runs (``StreamPlan``) against whole-image runs (``Pipeline/run(_:threads:)``):
/// the same bits for every pad mode, stride, dilation, kernel path and chain of stages.
@Suite struct StreamingTests {
    /// Streams `input` through `pipeline` with pieces of `pieceBytes`, checking that
    /// rows are read top to bottom after the plan's rows ahead and written once, in order.
    static func streamed(_ pipeline: Pipeline, _ input: Tensor, pieceBytes: Int, threads: Int = 2) throws -> Tensor {
        let plan = try StreamPlan(pipeline: pipeline, input: input.shape, pieceBytes: pieceBytes)
        let out = plan.output
        var data = [Float](repeating: .nan, count: out.count)
        var nextOut = 0
        var lastRead = -1
        var aheadLeft = plan.rowsAhead.count
        let w = input.width
        try plan.run(read: { rows, buffer in
            if aheadLeft > 0 {
                aheadLeft -= rows.count
            } else {
                #expect(rows.lowerBound >= lastRead, "rows \(rows) read after row \(lastRead)")
                lastRead = rows.upperBound
            }
            #expect(buffer.count == rows.count * input.channels * w)
            for c in 0..<input.channels {
                for y in rows {
                    for x in 0..<w { buffer[(c * rows.count + y - rows.lowerBound) * w + x] = input[c, y, x] }
                }
            }
        }, write: { rows, buffer in
            #expect(rows.lowerBound == nextOut, "rows \(rows) written, expected \(nextOut)")
            nextOut = rows.upperBound
            for c in 0..<out.channels {
                for y in rows {
                    for x in 0..<out.width {
                        data[(c * out.height + y) * out.width + x] = buffer[(c * rows.count + y - rows.lowerBound) * out.width + x]
                    }
                }
            }
        }, threads: threads)
        #expect(nextOut == out.height)
        return Tensor(shape: out, data: data)
    }

    static func bitsEqual(_ a: Tensor, _ b: Tensor) -> Bool {
        a.shape == b.shape && zip(a.data, b.data).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    static func random(_ shape: Shape, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.count).map { _ in Float.random(in: -1...1, using: &rng) })
    }

    @Test("every pad mode, one 5x3 conv with large pads, streamed in 8-row pieces", arguments: PadMode.allCases)
    func padModes(mode: PadMode) throws {
        let input = Self.random(Shape(channels: 2, height: 37, width: 11), seed: 7)
        var rng = SplitMix64(seed: 11)
        let k = try Kernel2D(size: Size2(5, 3), values: (0..<15).map { _ in Float.random(in: -1...1, using: &rng) })
        var conv = Convolution(kernels: [k])
        conv.padding = .explicit(top: 4, bottom: 3, left: 2, right: 1)
        conv.padMode = mode
        let p = Pipeline(stages: [conv])
        let whole = try p.run(input).output
        let streamed = try Self.streamed(p, input, pieceBytes: 1)
        #expect(Self.bitsEqual(whole, streamed))
    }

    @Test("circular padding in a chain reads the last rows ahead")
    func circularChain() throws {
        let input = Self.random(Shape(channels: 1, height: 50, width: 9), seed: 3)
        var a = Convolution(kernels: [try Kernel2D(size: Size2(3, 3), values: [1, 2, 1, 0, 3, 0, -1, 2, 1])])
        a.padding = .same
        a.padMode = .circular
        var b = Convolution(kernels: [try Kernel2D(size: Size2(5, 1), values: [1, -2, 3, 0.5, 1])])
        b.padding = .explicit(top: 4, bottom: 4, left: 0, right: 0)
        b.padMode = .circular
        b.stride = Size2(2, 1)
        let p = Pipeline(stages: [a, b])
        let plan = try StreamPlan(pipeline: p, input: input.shape, pieceBytes: 1)
        #expect(plan.needsSecondPass)
        #expect(Self.bitsEqual(try p.run(input).output, try Self.streamed(p, input, pieceBytes: 1)))
    }

    @Test("the fast paths (separable, winograd, blocked, pointwise, depthwise, narrow) stream to the same bits")
    func kernelPaths() throws {
        var rng = SplitMix64(seed: 99)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
        // Separable: a rank-1 5x5 kernel on 3 channels; then Winograd (3x3, 16 -> 16) and pointwise (1x1, 16 -> 24).
        let row: [Float] = [1, 4, 6, 4, 1]
        var gauss = Convolution(kernels: [try Kernel2D(size: Size2(5, 5), values: row.flatMap { r in row.map { r * $0 / 256 } })])
        gauss.padding = .same
        gauss.padMode = .reflect
        var expand = Convolution(weights: try ConvWeights(outChannels: 16, inChannelsPerGroup: 3, kernel: Size2(square: 3), values: values(16 * 27)))
        expand.padding = .same
        var wino = Convolution(weights: try ConvWeights(outChannels: 16, inChannelsPerGroup: 16, kernel: Size2(square: 3), values: values(16 * 16 * 9)))
        wino.padding = .same
        wino.padMode = .replicate
        wino.bias = values(16)
        wino.activation = .relu
        wino.forcedPath = .winograd  // a small map, where the cost model prefers blocked
        let point = Convolution(weights: try ConvWeights(outChannels: 24, inChannelsPerGroup: 16, kernel: Size2(square: 1), values: values(24 * 16)))
        var strided = Convolution(weights: try ConvWeights(outChannels: 8, inChannelsPerGroup: 24, kernel: Size2(square: 3), values: values(8 * 24 * 9)))
        strided.stride = Size2(square: 2)
        strided.dilation = Size2(2, 1)
        strided.padding = .explicit(top: 1, bottom: 2, left: 1, right: 0)
        strided.padMode = .symmetric
        var sharpen = Convolution(kernels: [try Kernel2D(rows: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])])
        sharpen.padding = .same
        sharpen.padMode = .circular
        var narrow = Convolution(weights: try ConvWeights(outChannels: 2, inChannelsPerGroup: 8, kernel: Size2(3, 2), values: values(2 * 8 * 6)))
        narrow.padding = .same
        narrow.padMode = .reflect
        narrow.forcedPath = .narrow  // at 8-float vectors (4-channel tiles) the cost model prefers blocked
        let p = Pipeline(stages: [gauss, expand, wino, point, strided, sharpen, narrow])
        #expect(try sharpen.path(for: Shape(channels: 8, height: 22, width: 12)) == .depthwisePlanes)
        #expect(try narrow.path(for: Shape(channels: 8, height: 22, width: 12)) == .narrow)
        #expect(try gauss.path(for: Shape(channels: 3, height: 45, width: 23)) == .separable)
        #expect(try wino.path(for: Shape(channels: 16, height: 45, width: 23)) == .winograd)
        let input = Self.random(Shape(channels: 3, height: 45, width: 23), seed: 5)
        let whole = try p.run(input).output
        for bytes in [1, 8 * 24 * 23 * 4, 1 << 30] {
            #expect(Self.bitsEqual(whole, try Self.streamed(p, input, pieceBytes: bytes)), "piece bytes \(bytes)")
        }
    }

    @Test("random pipelines of conv, pool, activation, magnitude and colour stages", arguments: 0..<300)
    func randomPipelines(seed: Int) throws {
        var rng = SplitMix64(seed: 0x5EED_0000 &+ UInt64(seed))
        func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
        let shape = Shape(channels: int(1...4), height: int(1...60), width: int(1...17))
        var p = Pipeline(color: [ColorMode.keep, .keep, .gray, .rgb][int(0...3)], stages: [Stage]())
        var current = try p.color.outputChannels(for: shape.channels)
        for _ in 0..<int(1...4) {
            switch int(0...9) {
            case 0...5:
                let k = Size2(int(1...5), int(1...4))
                var conv: Convolution
                if int(0...1) == 0 {
                    let cout = [1, 2, 4, 8][int(0...3)]
                    conv = Convolution(weights: try ConvWeights(outChannels: cout, inChannelsPerGroup: current, kernel: k,
                                                                values: values(cout * current * k.h * k.w)))
                    current = cout
                } else {
                    let n = int(1...2)
                    conv = Convolution(kernels: try (0..<n).map { _ in try Kernel2D(size: k, values: values(k.h * k.w)) })
                    current *= n
                }
                conv.stride = Size2(int(1...3), int(1...2))
                conv.dilation = Size2(int(1...2), int(1...2))
                conv.padMode = PadMode.allCases[int(0...4)]
                switch int(0...3) {
                case 0: conv.padding = .valid
                case 1: conv.padding = .same
                case 2: conv.padding = .full
                default: conv.padding = .explicit(top: int(0...5), bottom: int(0...5), left: int(0...3), right: int(0...3))
                }
                if int(0...2) == 0 { conv.activation = .abs }
                p.stages.append(.conv(conv))
            case 6:
                let s = int(1...3)
                var pool = Pooling(int(0...1) == 0 ? .max : .avg, size: Size2(square: s))
                pool.padding = .explicit(top: s / 2, bottom: 0, left: 0, right: s / 2)
                p.stages.append(.pool(pool))
            case 7:
                p.stages.append(.activation(.relu))
            case 8 where current % 2 == 0:
                p.stages.append(.magnitude(Magnitude(groups: 2)))
                current /= 2
            default:
                if current <= 4 {
                    let mode: ColorMode = int(0...1) == 0 ? .gray : .rgb
                    p.stages.append(.color(mode))
                    current = mode == .gray ? 1 : 3
                }
            }
        }
        let input = Self.random(shape, seed: UInt64(seed))
        guard let whole = try? p.run(input).output else { return }  // a geometry that does not fit this size
        #expect(Self.bitsEqual(whole, try Self.streamed(p, input, pieceBytes: [1, 1, 2000, 1 << 20][seed % 4], threads: 1 + seed % 2)), "\(p)")
    }
}
