import ConvKit
import ConvKitIO
import Testing

/// A pipeline of one conv with an all-ones k x k kernel.
private func conv(_ k: Int, stride: Int = 1, padding: Padding = .valid, mode: PadMode = .zeros, dilation: Int = 1) throws -> Stage {
    var c = Convolution(kernels: [try Kernel2D(size: Size2(square: k), values: [Float](repeating: 1, count: k * k))])
    c.stride = Size2(square: stride)
    c.padding = padding
    c.padMode = mode
    c.dilation = Size2(square: dilation)
    return .conv(c)
}

private func plan(_ stages: [Stage], _ h: Int, _ w: Int) throws -> [StageReport] {
    try Pipeline(stages: stages).plan(for: Shape(channels: 1, height: h, width: w))
}

@Suite("Unread-pixel map")
struct UnreadMapTests {
    @Test("Stride 2 leaves the last row and column of 28 unread")
    func strideTwo() throws {
        let u = UnreadMap(stages: try plan([try conv(3, stride: 2)], 28, 28))
        #expect(u.rows == [27] && u.columns == [27])
        #expect(u.pixels == 55)
        #expect(u.summary == "unread input: 1 row (27), 1 column (27): 55 of 784 pixels (7.02 %)")
    }

    @Test("A later stage's unread rows trace back to input rows")
    func chained() throws {
        // 3x3 stride 1 valid on 10: 8 rows; then 2x2 stride 3 valid on 8: reads 0,1,3,4,6,7 of those 8 rows.
        // Row 2 of stage 1's output is read by nobody, but input rows 2..4 still feed rows 1, 3: all input rows are read.
        let a = UnreadMap(stages: try plan([try conv(3), .pool(Pooling(.max, size: Size2(square: 2), stride: Size2(square: 3)))], 10, 10))
        #expect(a.isEmpty)
        // 1x1 stride 2 twice on 9: the first keeps 0,2,4,6,8; the second keeps 0,4,8 of those: input rows 0, 4, 8.
        let b = UnreadMap(stages: try plan([try conv(1, stride: 2), try conv(1, stride: 2)], 9, 9))
        #expect(b.rows == [1, 2, 3, 5, 6, 7])
    }

    @Test("A sample read only through a reflected pad counts as read")
    func reflectReads() throws {
        // 1 tap, stride 3, 2 pad rows before, 4 rows: the windows read rows -2 (pad) and 1.
        // Zeros: row 1 only; reflect copies row 2 into row -2, so row 2 is read too.
        let pads = Padding.explicit(top: 2, bottom: 0, left: 0, right: 0)
        let zeros = UnreadMap(stages: try plan([try conv(1, stride: 3, padding: pads)], 4, 4))
        let reflect = UnreadMap(stages: try plan([try conv(1, stride: 3, padding: pads, mode: .reflect)], 4, 4))
        #expect(zeros.rows == [0, 2, 3])
        #expect(reflect.rows == [0, 3])
    }
}

@Suite("Pad influence")
struct PadInfluenceTests {
    @Test("valid padding reads no pad anywhere")
    func valid() throws {
        let m = PadInfluence(stages: try plan([try conv(3)], 8, 8))
        #expect(m.values.allSatisfy { $0 == 0 } && m.height == 6)
    }

    @Test("same at stride 2 on an even size pads only bottom and right")
    func sameStrideTwoAsymmetry() throws {
        let m = PadInfluence(stages: try plan([try conv(3, stride: 2, padding: .same)], 8, 8))
        let s = m.sides
        #expect((0..<3).allSatisfy { m[0, $0] == 0 && m[$0, 0] == 0 }, "no pad on top or left")
        #expect(abs(s.top - 3.0 / 9 / 4) < 1e-6 && abs(s.bottom - (3.0 / 9 * 3 + 5.0 / 9) / 4) < 1e-6)
        #expect(s.left == s.top && s.right == s.bottom)
        #expect(abs(m[3, 3] - 5.0 / 9) < 1e-6, "the corner window has 1 pad row and 1 pad column: 5 of 9 taps")
    }

    @Test("full padding: the corner window reads its single input sample and 8 pads")
    func full() throws {
        let m = PadInfluence(stages: try plan([try conv(3, padding: .full)], 5, 5))
        #expect(abs(m[0, 0] - 8.0 / 9) < 1e-6)
        #expect(m[3, 3] == 0)
    }

    @Test("The fraction propagates through stages")
    func twoStages() throws {
        // 3x3 same stride 1 twice on 6: the second stage's corner averages the first stage's fractions and its own pads.
        let m = PadInfluence(stages: try plan([try conv(3, padding: .same), try conv(3, padding: .same)], 6, 6))
        let first = PadInfluence(stages: try plan([try conv(3, padding: .same)], 6, 6))
        let corner = (5 + first[0, 0] + 2 * first[0, 1] + first[1, 1]) / 9
        #expect(abs(m[0, 0] - corner) < 1e-6)
    }

    @Test("Max pooling's -inf pads are never chosen, so they do not count")
    func maxPoolIgnoresPads() throws {
        let pool = Pooling(.max, size: Size2(square: 3), stride: Size2(square: 1), padding: .explicit(top: 1, bottom: 1, left: 1, right: 1))
        #expect(PadInfluence(stages: try plan([.pool(pool)], 5, 5)).values.allSatisfy { $0 == 0 })
        var avg = pool
        avg.kind = .avg
        #expect(abs(PadInfluence(stages: try plan([.pool(avg)], 5, 5))[0, 0] - 5.0 / 9) < 1e-6)
    }
}

@Suite("Impulse response and same-size placement")
struct ImpulseTests {
    @Test("A cross-correlation's response is the kernel rotated 180 degrees; flip gives it as written")
    func rotated() throws {
        var c = Convolution(kernels: [try Kernel2D(rows: [[1, 2, 3], [4, 5, 6]])])
        c.padding = .same
        let r = try ImpulseResponse(pipeline: Pipeline(stages: [c]))
        #expect(r.maps == [[[6, 5, 4], [3, 2, 1]]])
        c.flip = true
        #expect(try ImpulseResponse(pipeline: Pipeline(stages: [c])).maps == [[[1, 2, 3], [4, 5, 6]]])
    }

    @Test("samePlacement anchors TF-style same at stride 2 and refuses full padding")
    func placement() throws {
        let same = try AxisGeometry(input: 8, kernel: 3, stride: 2, dilation: 1, padding: .same)
        let p = try #require(same.samePlacement(preferredAnchor: 1))
        #expect(p.anchor == 1 && p.first == 1)
        let full = try AxisGeometry(input: 8, kernel: 3, stride: 1, dilation: 1, padding: .full)
        #expect(full.samePlacement(preferredAnchor: 1) == nil)
        let even = try AxisGeometry(input: 8, kernel: 4, stride: 1, dilation: 1, padding: .same)
        #expect(even.samePlacement(preferredAnchor: 2)?.anchor == 1, "PyTorch/TF anchor an even kernel at (k-1)/2 = 1")
    }
}

@Suite("Clipping and quantisation report")
struct QuantizationReportTests {
    @Test("clamp counts values outside [0, 1] and warns above 1 %")
    func clamp() {
        let t = Tensor(shape: Shape(channels: 1, height: 1, width: 4), data: [-0.5, 0.25, 0.5, 2])
        let q = QuantizationReport(t, map: .clamp, depth: 8)
        #expect(q.clippedLow == 1 && q.clippedHigh == 1 && q.clippedFraction == 0.5)
        #expect(q.warning?.contains("50.0 % of the values were clipped") == true)
        #expect(q.pngText()["convkit:warning"] != nil)
    }

    @Test("minmax clips nothing; rounding errors stay within half a step")
    func minmax() {
        let t = Tensor(shape: Shape(channels: 1, height: 1, width: 100), data: (0..<100).map { Float($0) * 0.37 - 5 })
        let q = QuantizationReport(t, map: .minmax, depth: 16)
        #expect(q.clippedFraction == 0 && q.warning == nil)
        #expect(q.error8.max <= 0.5 / 255 + 1e-9 && q.error8.max > 0)
        #expect(q.error16.max <= 0.5 / 65535 + 1e-9)
        #expect(q.written == q.error16)
    }
}

@Suite("Recipe export")
struct RecipeTests {
    func recipe(_ target: RecipeTarget, padding: Padding = .same, mode: PadMode = .zeros, stride: Int = 2, kernel: Int = 3) throws -> String {
        let stages = [try conv(kernel, stride: stride, padding: padding, mode: mode)]
        return Recipe.emit(Pipeline(stages: stages), stages: try plan(stages, 8, 8), for: target)
    }

    @Test("PyTorch: F.pad's (left, right, top, bottom) tuple for TF-style same")
    func torchPadTuple() throws {
        #expect(try recipe(.torch).contains("F.pad(x, (0, 1, 0, 1), mode=\"constant\", value=0.0)"))
        #expect(try recipe(.torch, mode: .symmetric).contains("PyTorch has no symmetric pad mode"))
        #expect(try recipe(.torch, stride: 1).contains("padding=(1, 1)"))
    }

    @Test("Border-mode names follow the SPEC table", arguments: [
        (RecipeTarget.opencv, PadMode.reflect, "cv2.BORDER_REFLECT_101"), (.opencv, .symmetric, "cv2.BORDER_REFLECT"),
        (.scipy, .reflect, "mode=\"mirror\""), (.scipy, .symmetric, "mode=\"reflect\""), (.scipy, .replicate, "mode=\"nearest\""),
        (.numpy, .replicate, "mode=\"edge\""), (.numpy, .circular, "mode=\"wrap\""), (.torch, .replicate, "mode=\"replicate\""),
        (.im, .replicate, "-virtual-pixel Edge"), (.im, .circular, "-virtual-pixel Tile"), (.tf, .symmetric, "mode=\"SYMMETRIC\""),
    ])
    func borderNames(target: RecipeTarget, mode: PadMode, expected: String) throws {
        #expect(try recipe(target, mode: mode).contains(expected))
    }

    @Test("What a system cannot express is said in a comment")
    func cannot() throws {
        #expect(try recipe(.opencv).contains("filter2D has no stride"))
        #expect(try recipe(.im).contains("ImageMagick has no stride"))
        #expect(try recipe(.im, mode: .reflect).contains("ImageMagick has no reflect virtual pixel"))
        #expect(try recipe(.tf, mode: .replicate).contains("tf.pad has no edge mode"))
        #expect(try recipe(.opencv, mode: .circular).contains("filter2D does not support BORDER_WRAP"))
    }

    @Test("An even kernel gets an explicit anchor in OpenCV")
    func evenAnchor() throws {
        let r = try recipe(.opencv, stride: 1, kernel: 4)
        #expect(r.contains("anchor=(1, 1)"), "\(r)")
        #expect(r.contains("even kernel"))
    }
}
