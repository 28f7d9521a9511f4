import ConvKit
import Foundation
import Testing
@testable import ConvKitPresets

@Suite("Preset stages transposed and upsample")
struct DenserPresetTests {
    @Test("A transposed stage reads (Cin, Cout/groups, kh, kw) weights and every option")
    func transposedStage() throws {
        let p = try preset("""
            color: gray
            stages:
              - transposed:
                  weights: [[[[1, 0], [0, 1]], [[0, 1], [1, 0]]]]
                  stride: 2
                  padding: "1,0"
                  output_padding: 1
                  dilation: 1
                  bias: [0.5, -0.5]
                  activation: relu
              - upsample: {factor: 2, mode: bilinear}
              - upsample: {size: [10, 12]}
            """)
        let pipeline = try p.pipeline()
        #expect(pipeline.stages.map(\.kind) == ["transposed", "upsample", "upsample"])
        guard case let .transposed(t) = pipeline.stages[0].operation else { Issue.record("not transposed"); return }
        #expect(t.inChannels == 1 && t.outChannels == 2 && t.kernelSize == Size2(square: 2))
        #expect(t.stride == Size2(square: 2) && t.padding == Size2(1, 0) && t.outputPadding == Size2(square: 1))
        #expect(t.bias == [0.5, -0.5] && t.activation == .relu)
        #expect(pipeline.stages[1].operation == .upsample(Upsample(factor: Size2(square: 2), mode: .bilinear)))
        #expect(pipeline.stages[2].operation == .upsample(Upsample(size: Size2(10, 12), mode: .nearest)))
        let reports = try pipeline.plan(for: Shape(channels: 1, height: 4, width: 5))
        // rows (4-1)*2 - 2 + 1 + 1 + 1 = 7, columns (5-1)*2 - 0 + 1 + 1 + 1 = 11; then x2; then 10x12.
        #expect(reports.map(\.geometry.output) == [Shape(channels: 2, height: 7, width: 11), Shape(channels: 2, height: 14, width: 22),
                                                   Shape(channels: 2, height: 10, width: 12)])
    }

    @Test("Bad transposed and upsample stages name the key", arguments: [
        ("stages:\n  - transposed: {stride: 2}\n", "missing key 'weights'"),
        ("color: gray\nstages:\n  - transposed: {weights: [[[[1]]], [[[1]]]]}\n", "read 2 channels, this stage gets 1"),
        ("stages:\n  - upsample: {factor: 2, size: [4, 4]}\n", "upsample takes factor or size, not both"),
        ("stages:\n  - upsample: {mode: cubic, factor: 2}\n", "cubic"),
        ("stages:\n  - transposed: {weights: [[[[1]]]], output_padding: -1}\n", "a non-negative integer"),
    ])
    func errors(_ yaml: String, _ expected: String) throws {
        let error = try #require(throws: PresetError.self) { try preset(yaml) }
        #expect(error.description.contains(expected), "\(error.description)")
        #expect(error.description.hasPrefix("test.yaml:"))
    }
}
