import ConvKit
import Testing

/// The atrous rewrite (`--output-stride N`): the dense output, sampled at the
/// original stride, equals the original output.
@Suite("Atrous rewrite")
struct AtrousTests {
    static func conv(_ k: Size2, stride: Int, padding: Padding, mode: PadMode, cin: Int, cout: Int, seed: UInt64) throws -> Stage {
        var rng = SplitMix64(seed: seed)
        let n = cout * cin * k.h * k.w
        let w = try ConvWeights(outChannels: cout, inChannelsPerGroup: cin, kernel: k, values: (0..<n).map { _ in Float.random(in: -1...1, using: &rng) })
        var c = Convolution(weights: w)
        c.stride = Size2(square: stride)
        c.padding = padding
        c.padMode = mode
        c.bias = (0..<cout).map { Float($0) * 0.1 }
        return .conv(c)
    }

    /// Conv and pool pipelines with strides 2 and 4, every pad of `mode`.
    static func pipelines(_ mode: PadMode) throws -> [(String, Pipeline)] {
        [
            ("conv s2 same, conv p1, maxpool 2, conv 5x3",
             Pipeline(stages: [try conv(Size2(3, 3), stride: 2, padding: .same, mode: mode, cin: 1, cout: 3, seed: 1),
                               try conv(Size2(3, 3), stride: 1, padding: .explicit(top: 1, bottom: 1, left: 1, right: 1), mode: mode, cin: 3, cout: 2, seed: 2),
                               .activation(.relu),
                               .pool(Pooling(.max, size: Size2(square: 2))),
                               try conv(Size2(5, 3), stride: 1, padding: .explicit(top: 2, bottom: 2, left: 1, right: 1), mode: mode, cin: 2, cout: 2, seed: 3)])),
            ("conv 5x5 s4, conv 3x3 p1",
             Pipeline(stages: [try conv(Size2(5, 5), stride: 4, padding: .explicit(top: 2, bottom: 2, left: 2, right: 2), mode: mode, cin: 1, cout: 2, seed: 4),
                               try conv(Size2(3, 3), stride: 1, padding: .explicit(top: 1, bottom: 1, left: 1, right: 1), mode: mode, cin: 2, cout: 2, seed: 5)])),
            ("avgpool 3 s2 p1, conv s2 same, conv p1",
             Pipeline(stages: [.pool(Pooling(.avg, size: Size2(square: 3), stride: Size2(square: 2), padding: .explicit(top: 1, bottom: 1, left: 1, right: 1))),
                               try conv(Size2(3, 3), stride: 2, padding: .same, mode: mode, cin: 1, cout: 2, seed: 6),
                               try conv(Size2(3, 3), stride: 1, padding: .explicit(top: 1, bottom: 1, left: 1, right: 1), mode: mode, cin: 2, cout: 1, seed: 7)])),
        ]
    }

    /// `dense` at rows and columns `0, step, 2*step, ...`, cut to `shape`.
    static func sampled(_ dense: Tensor, step: Size2, shape: Shape) -> Tensor {
        var out = Tensor(zeros: shape)
        for c in 0..<shape.channels {
            for y in 0..<shape.height {
                for x in 0..<shape.width { out[c, y, x] = dense[c, y * step.h, x * step.w] }
            }
        }
        return out
    }

    @Test("The dense output sampled at the original stride is the original output, wherever the rewrite says it is exact",
          arguments: [PadMode.zeros, .reflect, .replicate, .circular])
    func sampledDenseEqualsOriginal(_ mode: PadMode) throws {
        let sizes = [(29, 31), (32, 32), (33, 33), (34, 27), (33, 17)]
        for (name, p) in try Self.pipelines(mode) {
            var verified = 0
            for n in [1, 2] {
                for (h, w) in sizes {
                    let shape = Shape(channels: 1, height: h, width: w)
                    let rewrite = try p.atrous(outputStride: n, input: shape)
                    // Zeros and circular pads are exact at every size; replicate and reflect need the dense map to end on a
                    // sample, which a stride whose floor drops input rows cannot give (that is reported, not silently wrong).
                    if mode == .zeros || mode == .circular { #expect(rewrite.isExact, "\(name), \(h)x\(w), N \(n): \(rewrite.inexact)") }
                    guard rewrite.isExact else { continue }
                    let input = StreamingTests.random(shape, seed: 5)
                    let original = try p.run(input, threads: 2).output
                    let dense = try rewrite.pipeline.run(input, threads: 2).output
                    try #require(dense.height >= (original.height - 1) * rewrite.step.h + 1, "\(name), N \(n)")
                    try #require(dense.width >= (original.width - 1) * rewrite.step.w + 1, "\(name), N \(n)")
                    let got = Self.sampled(dense, step: rewrite.step, shape: original.shape)
                    let err = relativeError(got.data, original.data)
                    #expect(err <= 1e-5, "\(name), \(mode.rawValue), \(h)x\(w), N \(n): relative error \(err)")
                    verified += 1
                }
            }
            #expect(verified >= 2, "\(name), \(mode.rawValue): \(verified) exact cases verified")
        }
    }

    @Test("A dropped remainder before a replicate pad is reported as not exact, and the sampled output differs")
    func inexactIsReported() throws {
        let p = try Self.pipelines(.replicate)[0].1
        let shape = Shape(channels: 1, height: 29, width: 31)   // 29 -> 15 -> the pool drops row 14
        let rewrite = try p.atrous(outputStride: 1, input: shape)
        #expect(rewrite.inexact.contains { $0.contains("replicate") })
        let input = StreamingTests.random(shape, seed: 5)
        let original = try p.run(input).output
        let got = Self.sampled(try rewrite.pipeline.run(input).output, step: rewrite.step, shape: original.shape)
        #expect(relativeError(got.data, original.data) > 1e-3)
    }

    @Test("The rewrite keeps strides up to N and dilates by what it removes")
    func strideBudget() throws {
        let p = try Self.pipelines(.zeros)[0].1
        let shape = Shape(channels: 1, height: 32, width: 32)
        let r2 = try p.atrous(outputStride: 2, input: shape)
        #expect(r2.step == Size2(square: 2))
        #expect(r2.rewritten == [4, 5])
        let reports = try r2.pipeline.plan(for: shape)
        #expect(reports[0].geometry.stride == Size2(square: 2))
        #expect(reports[3].geometry.stride == Size2(square: 1))
        #expect(reports[4].geometry.dilation == Size2(square: 2))
        #expect(reports.last?.receptiveField.jump == Size2(square: 2))
        let r8 = try p.atrous(outputStride: 8, input: shape)
        #expect(r8.rewritten.isEmpty && r8.step == Size2(square: 1))
    }

    @Test("Symmetric pads are reported as not exact, and plan warns")
    func symmetricIsNotExact() throws {
        var p = try Self.pipelines(.symmetric)[1].1
        let shape = Shape(channels: 1, height: 29, width: 31)
        let rewrite = try p.atrous(outputStride: 1, input: shape)
        #expect(!rewrite.isExact)
        #expect(rewrite.inexact.contains { $0.contains("symmetric") })
        p.outputStride = 1
        #expect(try p.plan(for: shape).flatMap(\.warnings).contains { $0.contains("not exact") })
    }

    @Test("A pipeline with outputStride streams to the same bits as its whole-image run")
    func streamsRewritten() throws {
        var p = try Self.pipelines(.reflect)[0].1
        p.outputStride = 2
        let input = StreamingTests.random(Shape(channels: 1, height: 45, width: 17), seed: 9)
        let whole = try p.run(input).output
        #expect(whole.height > 20)
        #expect(StreamingTests.bitsEqual(whole, try StreamingTests.streamed(p, input, pieceBytes: 1)))
    }

    @Test("The rewrite refuses transposed and upsample stages")
    func refusesDenserStages() {
        let p = Pipeline(stages: [.upsample(Upsample(factor: Size2(square: 2)))])
        #expect(throws: GeometryError.self) { try p.atrous(outputStride: 1, input: Shape(channels: 1, height: 8, width: 8)) }
    }
}
