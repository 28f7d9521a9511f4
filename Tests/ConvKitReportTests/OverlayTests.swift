import ConvKit
import ConvKitIO
import Foundation
import Testing
@testable import ConvKitReport

@Suite("Overlays")
struct OverlayTests {
    func plan(_ k: Int, stride: Int, padding: Padding, h: Int = 8, w: Int = 8) throws -> (Pipeline, [StageReport]) {
        var c = Convolution(kernels: [try Kernel2D(size: Size2(square: k), values: [Float](repeating: 1, count: k * k))])
        c.stride = Size2(square: stride)
        c.padding = padding
        let p = Pipeline(stages: [c])
        return (p, try p.plan(for: Shape(channels: 1, height: h, width: w)))
    }

    @Test("The unread overlay tints exactly the unread rows and columns, magnified")
    func unread() throws {
        let (_, stages) = try plan(3, stride: 2, padding: .valid)
        let input = Tensor(shape: Shape(channels: 1, height: 8, width: 8), data: [Float](repeating: 0.5, count: 64))
        let canvas = try Overlay.unread(input: input, map: UnreadMap(stages: stages))
        let f = Overlay.magnification(height: 8, width: 8)
        #expect(f == 16)
        let m = Overlay.margin
        let read = canvas.pixel(m + 3 * f, m + 3 * f)
        #expect(read == Color(gray: 0.5))
        let tinted = canvas.pixel(m + 7 * f + 2, m + 2)   // column 7, row 0
        #expect(tinted.r > 0.7 && tinted.g < 0.3)
        #expect(canvas.pixel(m + 2, m + 7 * f + 2).r > 0.7, "row 7 is tinted too")
        #expect(canvas.height > 8 * f + 2 * m, "a legend below")
    }

    @Test("The pad-influence picture is coloured on an absolute scale")
    func padInfluencePicture() throws {
        let (_, stages) = try plan(3, stride: 2, padding: .same)
        let m = PadInfluence(stages: stages)
        let pic = Overlay.padInfluencePicture(m, colormap: .magma)
        let zero = Colormap.magma.rgb(0)
        #expect(pic[0, 0, 0] == zero.r && pic[1, 0, 0] == zero.g)
        let corner = Colormap.magma.rgb(5.0 / 9)
        #expect(abs(pic[0, 3, 3] - corner.r) < 1e-6)
        let canvas = try Overlay.padInfluence(m)
        #expect(canvas.width >= 200 && canvas.height > 4 * 16)
    }

    @Test("compare's pad-influence cells keep their accounting and show the map at the output size")
    func comparisonCells() throws {
        let (p, _) = try plan(3, stride: 1, padding: .valid)
        let input = ramp(height: 12, width: 12)
        let cells = try Comparison.run(input: input, sweeps: [try Sweep(parsing: "padding=valid,same"), try Sweep(parsing: "stride=1,2")],
                                       source: { _ in p })
        let maps = try Comparison.padInfluence(cells, input: input.shape)
        #expect(maps.count == 4)
        for (a, b) in zip(cells, maps) {
            #expect(a.accounting == b.accounting)
            #expect(b.picture.channels == 3)
            // 12x12 input: every map magnified by the same factor (16, the cap).
            let f = Overlay.magnification(height: 12, width: 12)
            #expect(f == 16 && b.picture.height == f * a.accounting.outputShape[1] && b.picture.width == f * a.accounting.outputShape[2])
        }
        let valid = maps[0].picture.channel(0), same = maps[3].picture.channel(0)
        #expect(valid.data.allSatisfy { $0 == valid.data[0] }, "valid never reads padding: one colour")
        #expect(same.data != [Float](repeating: same.data[0], count: same.data.count))
    }

    @Test("The impulse picture draws one square per sample")
    func impulse() throws {
        let sobel = Convolution(kernels: [try Kernel2D(rows: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])])
        let r = try ImpulseResponse(pipeline: Pipeline(stages: [sobel]))
        let canvas = try Overlay.impulse(r, title: "sobel-x")
        #expect(canvas.width > 3 * 44 && canvas.height > 3 * 44)
    }
}
