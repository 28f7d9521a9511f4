@testable import ConvKit
import Testing

@Suite("Transposed kernel paths")
struct TransposedKernelTests {
    @Test("The vector phase gather equals the scalar one over random geometries", arguments: 0..<12)
    func vectorEqualsScalar(_ seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(100 + seed))
        func pick(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
        let groups = pick(1...2), cin = groups * pick(1...3), cout = groups * pick(1...6)
        let k = Size2(pick(1...5), pick(1...5)), s = Size2(pick(1...3), pick(1...3)), d = Size2(pick(1...2), pick(1...2))
        let w = try ConvWeights(outChannels: cin, inChannelsPerGroup: cout / groups, kernel: k,
                                values: (0..<(cin * cout / groups * k.h * k.w)).map { _ in Float.random(in: -1...1, using: &rng) })
        var t = TransposedConvolution(weights: w, groups: groups)
        (t.stride, t.dilation) = (s, d)
        t.padding = Size2(pick(0...1), pick(0...1))
        t.outputPadding = Size2(pick(0...(max(s.h, d.h) - 1)), pick(0...(max(s.w, d.w) - 1)))
        let input = StreamingTests.random(Shape(channels: cin, height: pick(1...9), width: pick(1...40)), seed: UInt64(seed))
        if (try? t.geometry(for: input.shape)) == nil { t.padding = Size2(square: 0) }   // an output with no rows: unpad
        let g = try t.geometry(for: input.shape)
        var plan = TransposedPlan(t, geometry: g)
        plan.scalar = false
        let vector = plan.run(input, threads: 2)
        plan.scalar = true
        let scalar = plan.run(input, threads: 1)
        #expect(relativeError(vector.data, scalar.data) <= 1e-5, "k \(k) s \(s) d \(d) groups \(groups)")
    }
}
