/// Any one layer timed as `convkit bench --shape` times it: a cold call
/// (preparing the weights, then running), then the median of warm runs
/// with the weights prepared, on each path or on the one convkit chooses.
///
///     let w = try LayerBench.randomWeights(outChannels: 64, inChannelsPerGroup: 64, kernel: Size2(square: 3))
///     var conv = Convolution(weights: w)
///     conv.padding = .same
///     let bench = LayerBench(input: Shape(channels: 64, height: 56, width: 56), convolution: conv)
///     for r in try bench.measureAll(threads: 2) { print(r.path, r.milliseconds, r.chosen) }
public struct LayerBench: Sendable {
    public let input: Shape
    public let convolution: Convolution

    public init(input: Shape, convolution: Convolution) {
        self.input = input
        self.convolution = convolution
    }

    /// Standard normal weights from a fixed seed (the workloads' generator), so checksums repeat.
    public static func randomWeights(outChannels: Int, inChannelsPerGroup: Int, kernel: Size2) throws(GeometryError) -> ConvWeights {
        guard outChannels >= 1, inChannelsPerGroup >= 1, kernel.h >= 1, kernel.w >= 1 else {
            throw GeometryError("weights of shape (\(outChannels), \(inChannelsPerGroup), \(kernel.h), \(kernel.w)) are empty",
                                hint: "every size must be >= 1")
        }
        let (n, overflow) = outChannels.multipliedReportingOverflow(by: inChannelsPerGroup * kernel.h * kernel.w)
        guard !overflow, n <= 1 << 30 else {
            throw GeometryError("weights of \(outChannels)x\(inChannelsPerGroup)x\(kernel.h)x\(kernel.w) are too large")
        }
        var rng = SplitMix64(seed: 0)
        return try ConvWeights(outChannels: outChannels, inChannelsPerGroup: inChannelsPerGroup, kernel: kernel,
                               values: (0..<n).map { _ in rng.nextNormal() })
    }

    /// The input: uniform in [0, 1) from a fixed seed.
    public func makeInput() -> Tensor {
        var rng = SplitMix64(seed: 1)
        return Tensor(shape: input, data: (0..<input.count).map { _ in rng.nextUniform() })
    }

    /// Times `path` (nil: the one convkit chooses). `repeats` nil picks the
    /// count by the cold call's time, as peers.py does (11 under 0.2 s, 5 under 5 s, 3 under 20 s, else 1).
    public func measure(path: KernelPath? = nil, threads: Int, repeats: Int? = nil) throws(GeometryError) -> LayerResult {
        try measure(path: path, on: makeInput(), threads: threads, repeats: repeats)
    }

    /// Times every path that can run the layer, the chosen one first (so its
    /// cold call is the process's first), each flagged `chosen` or not.
    public func measureAll(threads: Int, repeats: Int? = nil) throws(GeometryError) -> [LayerResult] {
        let chosen = try convolution.path(for: input)
        let others = try convolution.paths(for: input, threads: threads).map(\.path).filter { $0 != chosen }
        let x = makeInput()
        var results: [LayerResult] = []
        for p in [chosen] + others { results.append(try measure(path: p, on: x, threads: threads, repeats: repeats)) }
        return results
    }

    private func measure(path: KernelPath?, on x: Tensor, threads: Int, repeats: Int?) throws(GeometryError) -> LayerResult {
        let chosen = try convolution.path(for: input)
        let start = ContinuousClock.now
        // Prepared afresh, not from the cache, so the cold call pays what a first call pays.
        let plan = try ConvPlan(convolution, input: input, path: path ?? chosen, cached: false)
        let prepare = milliseconds(since: start)
        let out = plan.run(x, threads: threads)
        let first = milliseconds(since: start)
        var sum = 0.0, abs = 0.0
        for v in out.data { sum += Double(v); abs += Double(Swift.abs(v)) }
        let warm = first - prepare
        let n = repeats ?? (warm < 200 ? 11 : warm < 5000 ? 5 : warm < 20000 ? 3 : 1)
        var times: [Double] = []
        for _ in 0..<n {
            let t = ContinuousClock.now
            _ = plan.run(x, threads: threads)
            times.append(milliseconds(since: t))
        }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        let g = plan.geometry
        let estimate = PathEntry.entry(plan.path)?.cost(g, threads)
        return LayerResult(
            shape: [input.channels, input.height, input.width], weightsShape: weightsShape,
            output: [g.output.channels, g.output.height, g.output.width],
            stride: [g.stride.h, g.stride.w], dilation: [g.dilation.h, g.dilation.w],
            padding: [g.pads.top, g.pads.bottom, g.pads.left, g.pads.right], groups: g.groups,
            path: plan.path.rawValue, chosen: plan.path == chosen, estimatedMilliseconds: estimate,
            milliseconds: median, minMilliseconds: times[0], prepareMilliseconds: prepare, firstMilliseconds: first,
            runs: n, threads: threads, macs: g.macs, gflops: Double(g.flops) / (median * 1e6),
            checksum: ["sum": sum, "abs_sum": abs])
    }

    /// (Cout, Cin/groups, kh, kw); a bank of K kernels counts as K*C outputs of one channel each.
    private var weightsShape: [Int] {
        switch convolution.filters {
        case let .weights(w, _): [w.outChannels, w.inChannelsPerGroup, w.kernel.h, w.kernel.w]
        case let .perChannel(ks): [ks.count * input.channels, 1, ks.first?.size.h ?? 0, ks.first?.size.w ?? 0]
        }
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    }
}

/// One path's timing of a layer, as `convkit bench --shape --json` prints it (one object per line).
public struct LayerResult: Codable, Sendable {
    /// Input (C, H, W).
    public var shape: [Int]
    /// (Cout, Cin/groups, kh, kw).
    public var weightsShape: [Int]
    /// Output (C, H, W).
    public var output: [Int]
    public var stride: [Int]
    public var dilation: [Int]
    /// Top, bottom, left, right.
    public var padding: [Int]
    public var groups: Int
    public var path: String
    /// Whether convkit chooses this path for the layer.
    public var chosen: Bool
    /// The cost model's estimate for this path (nil for `direct`).
    public var estimatedMilliseconds: Double?
    /// Median of the timed runs, weights prepared.
    public var milliseconds: Double
    public var minMilliseconds: Double
    /// Making the plan: weights packed, transformed or factored, once.
    public var prepareMilliseconds: Double
    /// The cold call: preparing, then one run.
    public var firstMilliseconds: Double
    public var runs: Int
    public var threads: Int
    public var macs: Int
    public var gflops: Double
    /// Sum and sum of absolute values of the output, in Float64.
    public var checksum: [String: Double]
}
