/// One workload's measurement: median and minimum of repeated runs.
public struct BenchResult: Codable, Sendable {
    public var workload: String
    public var title: String
    public var ms: Double
    public var minMs: Double
    /// The first (warm-up) run: cold caches, fresh pages, plans made for the first time.
    public var firstMs: Double
    public var runs: Int
    public var gflops: Double
    public var path: String
    public var threads: Int
    /// Sum and sum of absolute values of the output, in Float64.
    public var checksum: [String: Double]
}

extension Workload {
    /// Runs the workload once to warm up, then `repeats` times (nil: as
    /// peers.py does, 11 runs under 0.2 s, 5 under 5 s, 3 under 20 s, else 1).
    public func measure(threads: Int, repeats: Int? = nil) throws(GeometryError) -> BenchResult {
        let inputs = makeInputs()
        let path = transposed == nil ? try convolution.path(for: input).rawValue : "transposed"
        var outputs: [Tensor] = []
        let warm = try time { () throws(GeometryError) in outputs = try runOnce(inputs, threads: threads) }
        var sum = 0.0, abs = 0.0
        for t in outputs { for v in t.data { sum += Double(v); abs += Double(Swift.abs(v)) } }
        outputs = []
        let n = repeats ?? (warm < 200 ? 11 : warm < 5000 ? 5 : warm < 20000 ? 3 : 1)
        var times: [Double] = []
        for _ in 0..<n { times.append(try time { () throws(GeometryError) in _ = try runOnce(inputs, threads: threads) }) }
        times.sort()
        let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
        return BenchResult(workload: name, title: title, ms: median, minMs: times[0], firstMs: warm, runs: n,
                           gflops: Double(flops) / (median * 1e6), path: path, threads: threads,
                           checksum: ["sum": sum, "abs_sum": abs])
    }

    private func runOnce(_ inputs: [Tensor], threads: Int) throws(GeometryError) -> [Tensor] {
        if let t = transposed { return try inputs.map { x throws(GeometryError) in try t.run(x, threads: threads) } }
        return batch == 1 ? [try convolution.run(inputs[0], threads: threads)] : try convolution.run(batch: inputs, threads: threads)
    }

    private func time(_ body: () throws(GeometryError) -> Void) throws(GeometryError) -> Double {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    }
}
