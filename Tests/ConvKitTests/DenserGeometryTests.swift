import ConvKit
import Testing

@Suite("Denser geometry: transposed and resize axes")
struct DenserGeometryTests {
    @Test("Transposed output size is (in-1)*s - 2p + d*(k-1) + output_padding + 1")
    func transposedSizeRule() throws {
        let a = try AxisGeometry(transposedInput: 7, kernel: 3, stride: 2, dilation: 1, padding: 1, outputPadding: 1)
        #expect(a.output == 14)
        let b = try AxisGeometry(transposedInput: 5, kernel: 4, stride: 3, dilation: 2, padding: 2, outputPadding: 2)
        #expect(b.output == (5 - 1) * 3 - 4 + 2 * 3 + 2 + 1)
    }

    @Test("Output padding must be smaller than the stride or the dilation")
    func outputPaddingBound() {
        #expect(throws: GeometryError.self) {
            try AxisGeometry(transposedInput: 7, kernel: 3, stride: 2, dilation: 1, padding: 0, outputPadding: 2)
        }
        #expect(throws: GeometryError.self) {
            try AxisGeometry(transposedInput: 1, kernel: 1, stride: 1, dilation: 1, padding: 1, outputPadding: 0)
        }
    }

    @Test("3x3 stride 2 overlaps unevenly, 4x4 stride 2 evenly away from the border")
    func checkerboardOverlap() throws {
        let shape = Shape(channels: 1, height: 8, width: 8)
        let odd = try ConvGeometry(transposing: shape, outChannels: 1, kernel: Size2(square: 3), stride: Size2(square: 2))
        let even = try ConvGeometry(transposing: shape, outChannels: 1, kernel: Size2(square: 4), stride: Size2(square: 2),
                                    padding: Size2(square: 1))
        let oddInterior = Set((3..<12).flatMap { y in (3..<12).map { x in odd.overlap(y: y, x: x) } })
        let evenInterior = Set((2..<14).flatMap { y in (2..<14).map { x in even.overlap(y: y, x: x) } })
        #expect(oddInterior == [1, 2, 4])
        #expect(evenInterior == [4])
    }

    @Test("Overlap counts equal a brute-force scatter of every input's taps")
    func overlapMatchesScatter() throws {
        for (k, s, d, p, op) in [(3, 2, 1, 1, 1), (5, 3, 2, 2, 0), (2, 1, 1, 0, 0), (4, 3, 1, 0, 2)] {
            let a = try AxisGeometry(transposedInput: 6, kernel: k, stride: s, dilation: d, padding: p, outputPadding: op)
            var hits = [Int](repeating: 0, count: a.output)
            for i in 0..<6 {
                for t in 0..<k where (0..<a.output).contains(i * s - p + t * d) { hits[i * s - p + t * d] += 1 }
            }
            #expect((0..<a.output).map { a.transposedSources(output: $0).count } == hits, "k \(k) s \(s) d \(d) p \(p) op \(op)")
        }
    }

    @Test("A band of transposed output rows reads exactly the input rows its taps come from")
    func transposedInputRange() throws {
        let a = try AxisGeometry(transposedInput: 9, kernel: 5, stride: 3, dilation: 2, padding: 3, outputPadding: 1)
        for lo in 0..<a.output {
            for hi in (lo + 1)...min(a.output, lo + 7) {
                let range = a.inputRange(forOutputs: lo..<hi)
                let used = Set((lo..<hi).flatMap { a.transposedSources(output: $0).map(\.input) })
                #expect(used.allSatisfy(range.contains), "outputs \(lo)..<\(hi)")
            }
        }
    }

    @Test("Resize by 2 doubles the size; bilinear sources follow (o + 0.5)/2 - 0.5")
    func resizeSources() throws {
        let a = try AxisGeometry(resizing: 5, factor: 2, mode: .bilinear)
        #expect(a.output == 10)
        let s0 = a.resizeSource(output: 0)   // max(0.25 - 0.5, 0) = 0
        #expect(s0.first == 0 && s0.weight == 0)
        let s3 = a.resizeSource(output: 3)   // 1.25
        #expect(s3.first == 1 && s3.second == 2 && abs(s3.weight - 0.25) < 1e-6)
        let n = try AxisGeometry(resizing: 5, to: 12, mode: .nearest)
        #expect((0..<12).map { n.resizeSource(output: $0).first } == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4])
    }

    @Test("shape warns about a transposed kernel size that is not a multiple of the stride")
    func checkerboardWarning() throws {
        let w = try ConvWeights(outChannels: 1, inChannelsPerGroup: 1, kernel: Size2(square: 3), values: [Float](repeating: 1, count: 9))
        var t = TransposedConvolution(weights: w)
        t.stride = Size2(square: 2)
        let reports = try Pipeline(stages: [.transposed(t)]).plan(for: Shape(channels: 1, height: 8, width: 8))
        #expect(reports[0].warnings.contains { $0.contains("checkerboard") })
        t.weights = try ConvWeights(outChannels: 1, inChannelsPerGroup: 1, kernel: Size2(square: 4), values: [Float](repeating: 1, count: 16))
        let even = try Pipeline(stages: [.transposed(t)]).plan(for: Shape(channels: 1, height: 8, width: 8))
        #expect(!even[0].warnings.contains { $0.contains("checkerboard") })
        #expect(even[0].summary == "transposed 4x4 stride 2")
        #expect(even[0].geometry.output == Shape(channels: 1, height: 18, width: 18))
        #expect(even[0].macs == 64 * 16)
    }
}
