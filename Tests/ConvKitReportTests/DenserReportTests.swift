import ConvKit
import Foundation
import Testing
@testable import ConvKitReport

@Suite("Overlap overlay and the density ladder")
struct DenserReportTests {
    static func transposed(k: Int, stride: Int, padding: Int) throws -> [StageReport] {
        let w = try ConvWeights(outChannels: 1, inChannelsPerGroup: 1, kernel: Size2(square: k), values: [Float](repeating: 1, count: k * k))
        var t = TransposedConvolution(weights: w)
        t.stride = Size2(square: stride)
        t.padding = Size2(square: padding)
        return try Pipeline(stages: [.transposed(t)]).plan(for: Shape(channels: 1, height: 6, width: 6))
    }

    @Test("3x3 stride 2 overlaps 1, 2 and 4 taps inside; 4x4 stride 2 only 4")
    func overlapLevels() throws {
        let odd = try #require(OverlapMap(stages: try Self.transposed(k: 3, stride: 2, padding: 0)))
        #expect(odd.interiorLevels == [1, 2, 4])
        #expect(odd.summary.contains("a checkerboard"))
        let even = try #require(OverlapMap(stages: try Self.transposed(k: 4, stride: 2, padding: 1)))
        #expect(even.interiorLevels == [4])
        #expect(even.summary.contains("even overlap"))
        #expect(OverlapMap(stages: try Pipeline(stages: [.activation(.relu)]).plan(for: Shape(channels: 1, height: 4, width: 4))) == nil)
    }

    @Test("The overlap picture gives neighbouring outputs of 3x3 stride 2 different colours, and has a legend")
    func overlapPicture() throws {
        let m = try #require(OverlapMap(stages: try Self.transposed(k: 3, stride: 2, padding: 0)))
        let picture = Overlay.overlapPicture(m)
        let plane = m.height * m.width
        func rgb(_ y: Int, _ x: Int) -> [Float] { [0, 1, 2].map { picture.data[$0 * plane + y * m.width + x] } }
        #expect(m.count(y: 4, x: 4) == 4 && m.count(y: 4, x: 5) == 2 && m.count(y: 5, x: 5) == 1)
        #expect(rgb(4, 4) != rgb(4, 5) && rgb(4, 5) != rgb(5, 5))
        #expect(rgb(4, 5) == rgb(5, 4))
        let canvas = try Overlay.overlap(m)
        #expect(canvas.height > picture.height * Overlay.magnification(height: m.height, width: m.width))
    }

    @Test("The density ladder runs every lever, each denser than the start, and a rung that cannot run says why")
    func ladder() throws {
        let input = Tensor(shape: Shape(channels: 1, height: 12, width: 10), data: (0..<120).map { Float($0 % 7) / 7 })
        let cells = try DensityLadder.run(input: input)
        #expect(cells.count == 8 && cells.count % DensityLadder.rows == 0)
        #expect(cells.allSatisfy { $0.failure == nil })
        let start = cells[0].accounting.density
        for c in cells.dropFirst() { #expect(c.accounting.density > start, "\(c.setting)") }
        #expect(cells.map(\.setting.description).contains("atrous: --output-stride 1"))
        let tiny = Tensor(shape: Shape(channels: 1, height: 2, width: 2), data: [0, 1, 2, 3])
        let small = try DensityLadder.run(input: tiny)
        let failed = small.filter { $0.failure != nil }
        #expect(!failed.isEmpty)
        #expect(failed.allSatisfy { ComparisonGrid.lines(of: $0)[1].hasPrefix("cannot run:") })
        _ = try ComparisonGrid(cells: small, rows: DensityLadder.rows, title: "tiny").render()
    }
}
