import ArgumentParser
import ConvKit
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the standard workloads (SPEC §8) in-process: median ms, GFLOP/s, kernel path, checksum.",
        discussion: "Build with `swift build -c release` for meaningful numbers; compare with ../shared/bench/peers.py --convkit BIN.")

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
        guard workload == "all" || known.contains(where: { $0.name.lowercased() == workload.lowercased() }) else {
            throw ValidationError("unknown workload '\(workload)': use \(known.map(\.name).joined(separator: ", ")) or all")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
        if let r = `repeat`, r < 1 { throw ValidationError("--repeat must be >= 1") }
    }

    func run() throws {
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

    private func fmt(_ x: Double) -> String { String(Double((x * 100).rounded()) / 100) }
}

extension String {
    fileprivate func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
