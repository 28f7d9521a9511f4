import ConvKit
import ConvKitIO
import Foundation
import Testing
@testable import ConvKitPresets

@Suite("Pipeline stages")
struct PipelineTests {
    static let poolCases: [(String, Pooling)] = [
        ("max-k2-s2", Pooling(.max, size: Size2(square: 2))),
        ("max-k3-s2-p1", Pooling(.max, size: Size2(square: 3), stride: Size2(square: 2), padding: .explicit(top: 1, bottom: 1, left: 1, right: 1))),
        ("max-k3x2-s1-p1x0", Pooling(.max, size: Size2(3, 2), stride: Size2(square: 1), padding: .explicit(top: 1, bottom: 1, left: 0, right: 0))),
        ("max-k3-s1-d2-p1", { var p = Pooling(.max, size: Size2(square: 3), stride: Size2(square: 1), padding: .explicit(top: 1, bottom: 1, left: 1, right: 1)); p.dilation = Size2(square: 2); return p }()),
        ("max-negative-p1", Pooling(.max, size: Size2(square: 2), padding: .explicit(top: 1, bottom: 1, left: 1, right: 1))),
        ("avg-k2-s2", Pooling(.avg, size: Size2(square: 2))),
        ("avg-k3-s2-p1", Pooling(.avg, size: Size2(square: 3), stride: Size2(square: 2), padding: .explicit(top: 1, bottom: 1, left: 1, right: 1))),
        ("avg-k5x3-s2x1-p2x1", Pooling(.avg, size: Size2(5, 3), stride: Size2(2, 1), padding: .explicit(top: 2, bottom: 2, left: 1, right: 1))),
    ]

    @Test("Pooling equals PyTorch max_pool2d / avg_pool2d (NumPy goldens)", arguments: poolCases.map(\.0))
    func poolGoldens(_ name: String) throws {
        let pooling = try #require(Self.poolCases.first { $0.0 == name }?.1)
        let input = try Package.npy("Tests/ConvKitPresetsTests/PoolGoldens/\(name)-input.npy")
        let expected = try Package.npy("Tests/ConvKitPresetsTests/PoolGoldens/\(name)-expected.npy")
        let (out, _) = try Pipeline(stages: [.pool(pooling)]).run(input)
        #expect(out.shape == expected.shape)
        #expect(maxDifference(out, expected) < 1e-6)
    }

    @Test("Pool geometry comes from ConvGeometry: shapes, receptive field, jump and MACs")
    func poolReport() throws {
        let p = Pipeline(stages: [.conv(Convolution(kernels: [try Kernel2D(rows: [[1, 1, 1], [1, 1, 1], [1, 1, 1]])])),
                                  .pool(Pooling(.max, size: Size2(square: 2)))])
        let r = try p.plan(for: Shape(channels: 3, height: 27, width: 27))
        #expect(r[1].geometry.output == Shape(channels: 3, height: 12, width: 12))
        #expect(r[1].receptiveField.size == Size2(square: 4) && r[1].receptiveField.jump == Size2(square: 2))
        #expect(r[1].macs == 3 * 12 * 12 * 4)
        #expect(r[1].parameters == 0)
        #expect(r[1].summary == "maxpool 2x2 stride 2 valid")
        #expect(r[1].warnings.first?.contains("stride 2 leaves the last row unread") == true)
        #expect(StageSummary(r[1]).kind == "pool")
    }

    @Test("Magnitude combines map k*C+c over k for every channel c")
    func magnitude() throws {
        let sobel = try Preset(text: try String(contentsOfFile: Package.path("Filters/sobel.yaml"), encoding: .utf8), file: "sobel.yaml")
        var p = try sobel.pipeline()
        p.color = .keep
        let input = randomTensor(Shape(channels: 3, height: 9, width: 7), seed: 3)
        let maps = try Pipeline(stages: [p.stages[0]]).run(input).output   // 6 maps: k0c0 k0c1 k0c2 k1c0 k1c1 k1c2
        let (out, _) = try p.run(input)
        #expect(out.shape == Shape(channels: 3, height: 9, width: 7))
        for c in 0..<3 {
            for y in 0..<9 {
                for x in 0..<7 {
                    let gx = maps[c, y, x], gy = maps[3 + c, y, x]
                    #expect(abs(out[c, y, x] - (gx * gx + gy * gy).squareRoot()) < 1e-5)
                }
            }
        }
        let report = try p.plan(for: input.shape)[1]
        #expect(report.geometry.inChannelsPerGroup == 2 && report.macs == 3 * 9 * 7 * 2)
    }

    @Test("Chained presets equal running each preset on the previous one's output")
    func chaining() throws {
        let library = PresetLibrary(filtersDir: nil, environment: [:])
        let (chain, _) = try library.chain(["gaussian5", "sobel", "max-pool", "conv-relu-pool"])
        let input = try ImageDecoder.decode(path: Package.path("Fixtures/corpus/png/basn2c08.png")).tensor
        var step = input
        for name in ["gaussian5", "sobel", "max-pool", "conv-relu-pool"] {
            step = try library.load(name).pipeline().run(step).output
        }
        let (out, times) = try chain.run(input)
        #expect(out == step)
        #expect(times.count == chain.stages.count)
        #expect(chain.stages.map(\.kind) == ["conv", "color", "conv", "magnitude", "pool", "color", "conv", "activation", "pool"])
        #expect(try chain.plan(for: input.shape).last?.geometry.output == Shape(channels: 8, height: 8, width: 8))
    }

    @Test("Command-line overrides replace the geometry of every conv stage and leave pools alone")
    func overrides() throws {
        let (chain, _) = try PresetLibrary(environment: [:]).chain(["edges", "max-pool"])
        let o = chain.overriding(ConvOverrides(stride: Size2(square: 2), padding: .valid, padMode: .reflect))
        for c in o.convolutions { #expect(c.stride == Size2(square: 2) && c.padding == .valid && c.padMode == .reflect) }
        #expect(o.stages.last?.operation == .pool(Pooling(.max, size: Size2(square: 2))))
        #expect(chain.overriding(ConvOverrides()) == chain)
    }

    @Test("Activation and color stages keep the geometry and count no MACs")
    func elementwise() throws {
        let p = Pipeline(stages: [.color(.gray), .activation(.relu), .color(.rgb)])
        let input = randomTensor(Shape(channels: 4, height: 5, width: 6), seed: 9)
        let r = try p.plan(for: input.shape)
        #expect(r.map(\.geometry.output.channels) == [1, 1, 3])
        #expect(r.map(\.macs) == [0, 0, 0])
        #expect(r.allSatisfy { $0.receptiveField == .identity })
        let out = try p.run(input).output
        let gray = try input.converted(to: .gray)
        #expect(out.channel(2).data == gray.data.map { max($0, 0) })
    }
}
