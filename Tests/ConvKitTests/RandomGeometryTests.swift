import ConvKit
import Testing
import _ConvKitTestSupport

/// One random convolution problem and the numbers the test expects of it,
/// computed here from SPEC §3 rather than read from ConvGeometry.
struct RandomProblem: CustomStringConvertible {
    var input: Tensor
    var conv: Convolution
    /// Reference weights (Cout, Cin/groups, kh, kw) in grouped order, before any flip.
    var weights: [Float]
    var groups: Int
    var outChannels: Int
    var kernel: Size2
    /// Where grouped output `o` lands in convkit's result (identity except for kernel banks).
    var destination: [Int]
    var pads: (top: Int, bottom: Int, left: Int, right: Int)

    init(index: Int) {
        var rng = SplitMix64(seed: 0xC0DE_0000 &+ UInt64(index))
        let c = Int.random(in: 1...4, using: &rng)
        let h = Int.random(in: 1...9, using: &rng), w = Int.random(in: 1...9, using: &rng)
        let kernel = Size2(Int.random(in: 1...5, using: &rng), Int.random(in: 1...5, using: &rng))
        self.kernel = kernel
        let stride = Size2(Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
        let dilation = [Size2(1, 1), Size2(1, 1), Size2(2, 2), Size2(1, 3), Size2(3, 2)].randomElement(using: &rng)!
        let padding: Padding
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: padding = .valid
        case 1: padding = .same
        case 2: padding = .full
        default:
            padding = .explicit(top: Int.random(in: 0...6, using: &rng), bottom: Int.random(in: 0...6, using: &rng),
                                left: Int.random(in: 0...6, using: &rng), right: Int.random(in: 0...6, using: &rng))
        }
        let mode = PadMode.allCases.randomElement(using: &rng)!
        let n = kernel.h * kernel.w
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &rng) } }
        input = Tensor(shape: Shape(channels: c, height: h, width: w), data: values(c * h * w))
        var conv: Convolution

        if Int.random(in: 0..<3, using: &rng) == 0 {
            let banks = Int.random(in: 1...3, using: &rng)
            let kernels = (0..<banks).map { _ in try! Kernel2D(size: kernel, values: values(n)) }
            conv = Convolution(kernels: kernels)
            (weights, destination) = referenceBankWeights(kernels, channels: c)
            groups = c
            outChannels = banks * c
        } else {
            groups = [1, 1, 2, c].filter { c % $0 == 0 }.randomElement(using: &rng)!
            outChannels = groups * Int.random(in: 1...3, using: &rng)
            weights = values(outChannels * (c / groups) * n)
            conv = Convolution(weights: try! ConvWeights(outChannels: outChannels, inChannelsPerGroup: c / groups,
                                                         kernel: kernel, values: weights), groups: groups)
            destination = Array(0..<outChannels)
        }
        conv.stride = stride
        conv.dilation = dilation
        conv.padding = padding
        conv.padMode = mode
        conv.padValue = Bool.random(using: &rng) ? 0 : Float.random(in: -1...1, using: &rng)
        conv.flip = Bool.random(using: &rng)
        if Bool.random(using: &rng) { conv.bias = values(outChannels) }
        conv.activation = Activation.allCases.randomElement(using: &rng)!
        self.conv = conv

        func axis(_ rule: Padding, _ n: Int, _ k: Int, _ s: Int, _ d: Int, before: Int, after: Int) -> (Int, Int) {
            let extent = d * (k - 1) + 1
            switch rule {
            case .valid: return (0, 0)
            case .full: return (extent - 1, extent - 1)
            case .same:
                let out = (n + s - 1) / s
                let total = max((out - 1) * s + extent - n, 0)
                return (total / 2, total - total / 2)
            case .explicit: return (before, after)
            }
        }
        var explicit = (0, 0, 0, 0)
        if case let .explicit(t, b, l, r) = padding { explicit = (t, b, l, r) }
        let (t, b) = axis(padding, h, kernel.h, stride.h, dilation.h, before: explicit.0, after: explicit.1)
        let (l, r) = axis(padding, w, kernel.w, stride.w, dilation.w, before: explicit.2, after: explicit.3)
        pads = (t, b, l, r)
    }

    /// `floor((in + before + after - d*(k-1) - 1) / s) + 1` for rows and columns.
    var outputSize: (h: Int, w: Int) {
        func out(_ n: Int, _ before: Int, _ after: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
            let span = n + before + after - d * (k - 1) - 1
            return (span >= 0 ? span / s : -((-span + s - 1) / s)) + 1
        }
        return (out(input.height, pads.top, pads.bottom, kernel.h, conv.stride.h, conv.dilation.h),
                out(input.width, pads.left, pads.right, kernel.w, conv.stride.w, conv.dilation.w))
    }

    var description: String {
        "input \(input.shape), kernel \(kernel.h)x\(kernel.w), Cout \(outChannels), groups \(groups), "
            + "stride \(conv.stride), dilation \(conv.dilation), padding \(conv.padding) -> pads \(pads), "
            + "\(conv.padMode) value \(conv.padValue), flip \(conv.flip), bias \(conv.bias != nil), \(conv.activation)"
    }
}

@Suite("Random geometries against the naive reference")
struct RandomGeometryTests {
    static let count = 200

    @Test("Convolution.run equals referenceConv2D, or throws when the output would be empty",
          arguments: 0..<RandomGeometryTests.count)
    func matchesReference(_ index: Int) throws {
        let p = RandomProblem(index: index)
        let (ho, wo) = p.outputSize
        if ho < 1 || wo < 1 {
            try expectEmptyOutputError(p, rowsFail: ho < 1)
            return
        }
        let g = try p.conv.geometry(for: p.input.shape)
        #expect(g.pads == p.pads, "\(p)")
        #expect(g.output == Shape(channels: p.outChannels, height: ho, width: wo), "\(p)")
        #expect(g.macs == p.outChannels * ho * wo * (p.input.channels / p.groups) * p.kernel.h * p.kernel.w)

        let weights = p.conv.flip ? referenceFlip(p.weights, kernel: p.kernel) : p.weights
        let groupedBias = p.conv.bias.map { b in p.destination.map { b[$0] } }
        let grouped = referenceConv2D(p.input, weights: weights, outChannels: p.outChannels, kernel: p.kernel,
                                      bias: groupedBias, groups: p.groups, stride: p.conv.stride,
                                      dilation: p.conv.dilation, pads: g.pads, mode: p.conv.padMode,
                                      value: p.conv.padValue, activation: p.conv.activation)
        let expected = referencePermuteChannels(grouped, to: p.destination)
        // Reductions here are at most 4*5*5 = 100 products, so 1e-4 relative is
        // far above the Float32 rounding (about 100 ulps).
        for threads in [1, 3] {
            let got = try p.conv.run(p.input, threads: threads)
            try #require(got.shape == expected.shape, "case \(index): \(p)")
            let bad = zip(got.data, expected.data).enumerated().filter { _, pair in
                abs(pair.0 - pair.1) > 1e-4 * max(1, abs(pair.1))
            }
            if let (i, (gv, ev)) = bad.first {
                Issue.record("case \(index), threads \(threads): \(bad.count) values differ, first at \(i): got \(gv), expected \(ev); \(p)")
            }
        }
    }

    /// The error must name the axis and every number of the size formula.
    func expectEmptyOutputError(_ p: RandomProblem, rowsFail: Bool) throws {
        let error = #expect(throws: GeometryError.self, "\(p)") { try p.conv.run(p.input, threads: 1) }
        let message = try #require(error).message
        let (n, before, after, k, s, d, axis) = rowsFail
            ? (p.input.height, p.pads.top, p.pads.bottom, p.kernel.h, p.conv.stride.h, p.conv.dilation.h, "rows")
            : (p.input.width, p.pads.left, p.pads.right, p.kernel.w, p.conv.stride.w, p.conv.dilation.w, "columns")
        for fragment in [axis, "\(n) + \(before) + \(after)", "\(d)*(\(k)-1)", "/ \(s))", "< 1"] {
            #expect(message.contains(fragment), "'\(fragment)' missing from: \(message)")
        }
        #expect(throws: GeometryError.self) { try p.conv.geometry(for: p.input.shape) }
    }

    @Test("At least one random case in twenty must throw, so the error path is exercised")
    func someCasesThrow() {
        let throwing = (0..<Self.count).filter { i in
            let (h, w) = RandomProblem(index: i).outputSize
            return h < 1 || w < 1
        }.count
        #expect(throwing >= 10 && throwing <= Self.count / 3, "\(throwing) of \(Self.count) cases throw")
    }
}
