import ConvKit
import Testing

/// Streamed runs of pipelines with stages that make rows denser (transposed
/// convolution, upsample) against whole-image runs: the same bits.
@Suite("Streaming the denser stages")
struct DenserStreamingTests {
    static func transposed(cin: Int, cout: Int, groups: Int = 1, k: Size2, stride: Size2, padding: Size2 = Size2(square: 0),
                           outputPadding: Size2 = Size2(square: 0), dilation: Size2 = Size2(square: 1), seed: UInt64) throws -> TransposedConvolution {
        var rng = SplitMix64(seed: seed)
        let n = cin * (cout / groups) * k.h * k.w
        let w = try ConvWeights(outChannels: cin, inChannelsPerGroup: cout / groups, kernel: k,
                                values: (0..<n).map { _ in Float.random(in: -1...1, using: &rng) })
        var t = TransposedConvolution(weights: w, groups: groups)
        t.stride = stride
        t.padding = padding
        t.outputPadding = outputPadding
        t.dilation = dilation
        t.bias = (0..<cout).map { Float($0) * 0.25 }
        return t
    }

    static func conv(_ k: Size2, mode: PadMode, stride: Int = 1, seed: UInt64) throws -> Convolution {
        var rng = SplitMix64(seed: seed)
        var c = Convolution(kernels: [try Kernel2D(size: k, values: (0..<(k.h * k.w)).map { _ in Float.random(in: -1...1, using: &rng) })])
        c.padding = .same
        c.padMode = mode
        c.stride = Size2(square: stride)
        return c
    }

    static func pipelines() throws -> [(String, Pipeline, Shape)] {
        let one = Shape(channels: 1, height: 37, width: 13), two = Shape(channels: 2, height: 29, width: 10)
        return [
            ("reflect conv, transposed 3x3 s2 op1, replicate conv",
             Pipeline(stages: [.conv(try conv(Size2(3, 3), mode: .reflect, seed: 1)),
                               .transposed(try transposed(cin: 1, cout: 3, k: Size2(3, 3), stride: Size2(square: 2),
                                                          padding: Size2(square: 1), outputPadding: Size2(square: 1), seed: 2)),
                               .conv(try conv(Size2(5, 3), mode: .replicate, seed: 3))]), one),
            ("bilinear x2 then a circular conv (rows ahead through the upsample)",
             Pipeline(stages: [.upsample(Upsample(factor: Size2(2, 3), mode: .bilinear)),
                               .conv(try conv(Size2(5, 5), mode: .circular, seed: 4))]), one),
            ("grouped dilated transposed k4 s3, nearest to a size, max pool",
             Pipeline(stages: [.transposed(try transposed(cin: 2, cout: 4, groups: 2, k: Size2(4, 3), stride: Size2(3, 2),
                                                          padding: Size2(2, 1), outputPadding: Size2(1, 0), dilation: Size2(2, 1), seed: 5)),
                               .upsample(Upsample(size: Size2(131, 25), mode: .nearest)),
                               .pool(Pooling(.max, size: Size2(square: 2)))]), two),
            ("stride-2 conv, then a transposed stride-2 back up",
             Pipeline(stages: [.conv(try conv(Size2(3, 3), mode: .symmetric, stride: 2, seed: 6)),
                               .transposed(try transposed(cin: 1, cout: 1, k: Size2(4, 4), stride: Size2(square: 2),
                                                          padding: Size2(square: 1), seed: 7))]), one),
            ("bilinear shrink to a size, then a transposed stride 1",
             Pipeline(stages: [.upsample(Upsample(size: Size2(11, 7), mode: .bilinear)),
                               .transposed(try transposed(cin: 2, cout: 2, k: Size2(3, 3), stride: Size2(square: 1), seed: 8))]), two),
        ]
    }

    @Test("Streamed in 8-row pieces equals the whole-image run, bit for bit", arguments: 0..<5)
    func streamedEqualsWhole(_ i: Int) throws {
        let (name, p, shape) = try Self.pipelines()[i]
        let input = StreamingTests.random(shape, seed: UInt64(20 + i))
        let whole = try p.run(input).output
        for pieceBytes in [1, 1 << 12] {
            let streamed = try StreamingTests.streamed(p, input, pieceBytes: pieceBytes)
            #expect(StreamingTests.bitsEqual(whole, streamed), "\(name), piece bytes \(pieceBytes)")
        }
    }

    @Test("A band of output rows of a denser stage needs only the input rows its taps read")
    func rowMapping() throws {
        let t = try Self.transposed(cin: 1, cout: 1, k: Size2(3, 3), stride: Size2(square: 2), padding: Size2(square: 1), seed: 9)
        let g = try t.geometry(for: Shape(channels: 1, height: 20, width: 5))
        // Outputs 8..<16 = i*2 - 1 + t for t in 0..<3: inputs 4 (o 8 = 4*2 - 1 + 1) ... 8 (o 15 = 8*2 - 1).
        #expect(g.rows.inputRange(forOutputs: 8..<16) == 4..<9)
        let up = try Upsample(factor: Size2(square: 4), mode: .bilinear).geometry(for: Shape(channels: 1, height: 10, width: 10))
        // Output 8: (8.5)/4 - 0.5 = 1.625 reads 1, 2; output 15: 3.375 reads 3, 4.
        #expect(up.rows.inputRange(forOutputs: 8..<16) == 1..<5)
    }
}
