import ArgumentParser
import ConvKit
import ConvKitIO
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the standard workloads (SPEC §8), or any layer (--shape), in-process: median ms, GFLOP/s, kernel path, checksum.",
        discussion: """
            Build with `swift build -c release` for meaningful numbers; compare with ../shared/bench/peers.py --convkit BIN, \
            and layers of real networks with Scripts/layers.py --convkit BIN.
            """)

    @OptionGroup(title: "Any layer")
    var layer: LayerOptions

    @Option(help: "W1, W2, W3, W3s2, W4, W5, W6 or all (SPEC §8); D1 (a 5x5 sharpen of W2's image: the depthwise path), P1 and P9 (W6's layer in cache, with 64 and 256 input channels), S1 (W5's filter in cache).")
    var workload: String = "all"

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    @Option(help: "Timed runs after the warm-up (default: 11, 5, 3 or 1 by duration, as peers.py).")
    var `repeat`: Int?

    @Flag(help: "Print one JSON object per workload (a list when several).")
    var json = false

    private var known: [Workload] { Workload.all + Workload.extras }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
        if let r = `repeat`, r < 1 { throw ValidationError("--repeat must be >= 1") }
        if layer.shape != nil { return }
        guard workload == "all" || known.contains(where: { $0.name.lowercased() == workload.lowercased() }) else {
            throw ValidationError("unknown workload '\(workload)': use \(known.map(\.name).joined(separator: ", ")) or all")
        }
    }

    func run() throws {
        if layer.shape != nil { return try runLayer() }
        try reportingErrors {
            let chosen = workload == "all" ? Workload.all : known.filter { $0.name.lowercased() == workload.lowercased() }
            var results: [BenchResult] = []
            for w in chosen {
                let r = try w.measure(threads: threads ?? defaultThreadCount, repeats: `repeat`)
                results.append(r)
                if !json {
                    print("\(r.workload.padding(5)) \(r.title.padding(13)) \(r.path.padding(10)) median \(fmt(r.ms)) ms  "
                          + "min \(fmt(r.minMs)) ms  first \(fmt(r.firstMs)) ms  \(fmt(r.gflops)) GFLOP/s  runs \(r.runs)  threads \(r.threads)  "
                          + "sum \(r.checksum["sum"] ?? 0)")
                }
            }
            if json {
                // One compact object per line (JSON Lines): peers.py reads one per workload.
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for r in results { print(String(decoding: try encoder.encode(r), as: UTF8.self)) }
            }
        }
    }

    /// `--shape`: one layer, on the chosen path or on every path that applies.
    private func runLayer() throws {
        try reportingErrors(subject: layer.weights) {
            let bench = try layer.bench()
            let t = threads ?? defaultThreadCount
            let results = layer.paths == "all" ? try bench.measureAll(threads: t, repeats: `repeat`)
                : [try bench.measure(path: layer.paths == "chosen" ? nil : KernelPath(rawValue: layer.paths), threads: t, repeats: `repeat`)]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for r in results {
                if json {
                    print(String(decoding: try encoder.encode(r), as: UTF8.self))
                } else {
                    print("\(r.path.padding(10)) \(r.chosen ? "chosen" : "      ") median \(fmt(r.milliseconds)) ms  "
                          + "first \(fmt(r.firstMilliseconds)) ms  prepare \(fmt(r.prepareMilliseconds)) ms  "
                          + "estimate \(r.estimatedMilliseconds.map { fmt($0) + " ms" } ?? "-")  \(fmt(r.gflops)) GFLOP/s  "
                          + "runs \(r.runs)  threads \(r.threads)  output \(r.output.map(String.init).joined(separator: "x"))")
                }
            }
        }
    }

    private func fmt(_ x: Double) -> String { String(Double((x * 100).rounded()) / 100) }
}

/// The layer `bench --shape` times, described with `apply`'s option names and value syntax.
struct LayerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Time one layer on a random input of this shape instead of the workloads.", valueName: "C,H,W"))
    var shape: IntList?

    @Option(help: ArgumentHelp("Random weights of this shape (standard normal, fixed seed).", valueName: "COUT,CIN_PER_GROUP,KH,KW"))
    var weightsShape: IntList?

    @Option(help: ArgumentHelp("Weights as .npy instead of --weights-shape: (Cout, Cin/groups, kh, kw).", valueName: "W.npy"))
    var weights: String?

    @Option(help: ArgumentHelp("Stride S or SH,SW (default 1).", valueName: "S"))
    var stride: Size2?

    @Option(help: ArgumentHelp("valid, same, full, N, PH,PW or TOP,BOTTOM,LEFT,RIGHT (default valid).", valueName: "P"))
    var padding: Padding?

    @Option(help: ArgumentHelp("zeros, reflect, symmetric, replicate or circular (default zeros).", valueName: "mode"))
    var paddingMode: PadMode?

    @Option(help: ArgumentHelp("Dilation D or DH,DW (default 1).", valueName: "D"))
    var dilation: Size2?

    @Option(help: "Groups (Cin and Cout must be multiples).")
    var groups: Int = 1

    @Option(help: ArgumentHelp("chosen (the path convkit picks), all (every path that can run the layer, the pick marked \"chosen\"), or one path's name.",
                               valueName: "chosen|all|PATH"))
    var paths: String = "chosen"

    func validate() throws {
        guard let shape else {
            if weightsShape != nil || weights != nil { throw ValidationError("--weights-shape and --weights need --shape") }
            return
        }
        guard shape.values.count == 3, shape.values.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--shape takes C,H,W, three positive sizes")
        }
        let (n, overflow) = shape.values[0].multipliedReportingOverflow(by: shape.values[1] * shape.values[2])
        if overflow || n > 1 << 31 { throw ValidationError("--shape \(shape.values.map(String.init).joined(separator: ",")) is over 2^31 values") }
        guard (weightsShape == nil) != (weights == nil) else { throw ValidationError("give --weights-shape or --weights (one of them)") }
        if let w = weightsShape, w.values.count != 4 || !w.values.allSatisfy({ $0 >= 1 }) {
            throw ValidationError("--weights-shape takes COUT,CIN_PER_GROUP,KH,KW, four positive sizes")
        }
        if groups < 1 { throw ValidationError("--groups must be >= 1") }
        guard paths == "chosen" || paths == "all" || KernelPath(rawValue: paths) != nil else {
            throw ValidationError("--paths takes chosen, all or a path: \(KernelPath.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The layer these options describe.
    func bench() throws -> LayerBench {
        guard let shape else { throw ValidationError("--shape is missing") }
        let input = Shape(channels: shape.values[0], height: shape.values[1], width: shape.values[2])
        let filters: Convolution.Filters
        if let weights {
            filters = try WeightsFile.filters(path: weights, groups: groups)
        } else if let w = weightsShape?.values {
            filters = .weights(try LayerBench.randomWeights(outChannels: w[0], inChannelsPerGroup: w[1], kernel: Size2(w[2], w[3])),
                               groups: groups)
        } else {
            throw ValidationError("give --weights-shape or --weights")
        }
        var conv = Convolution(filters: filters)
        conv.stride = stride ?? Size2(square: 1)
        conv.dilation = dilation ?? Size2(square: 1)
        conv.padding = padding ?? .valid
        conv.padMode = paddingMode ?? .zeros
        return LayerBench(input: input, convolution: conv)
    }
}

/// Comma-separated positive integers: `64,56,56`.
struct IntList: ExpressibleByArgument {
    let values: [Int]
    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        values = parts.compactMap { $0 }
    }
}

extension String {
    fileprivate func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
