import ConvKit
import ConvKitIO
import ConvKitReport
import Foundation

/// Everything a batch needs besides its inputs.
///
///     var o = BatchOptions(outDir: "out")
///     o.pipeline = try preset.pipeline()
///     o.jobs = 4
///     o.resume = true
///     let summary = try BatchRunner(inputs: inputs, options: o).run()
public struct BatchOptions: Sendable {
    public var outDir: String
    /// The format of every output (`png`, `jpeg` as `.jpg`, `npy`).
    public var format: ImageFormat = .png
    public var pipeline = Pipeline()
    public var decode = DecodeOptions()
    /// Depth, quality and mapping; `text` is filled in per file.
    public var encode = EncodeOptions()
    public var layout: Layout = .auto
    /// Allow an output to replace its own input.
    public var overwrite = false
    /// Images in flight at once; nil: one per core, fewer when there are fewer inputs.
    public var jobs: Int?
    /// Threads in all, shared by the jobs (each job's kernel gets threads / jobs); nil: the cores.
    public var threads: Int?
    /// Skip inputs a manifest records as done with the same fingerprint.
    public var resume = false
    /// The JSON Lines manifest; nil: `convkit-manifest.jsonl` in the output
    /// directory (`convkit-manifest-shard-I-of-N.jsonl` for a shard).
    public var manifest: String?
    public var shard: Shard = .all
    /// Stop scheduling after the first failure.
    public var failFast = false
    public var progress: ProgressMode = .auto
    /// Stop cleanly on SIGINT/SIGTERM (exit status 130/143).
    public var trapSignals = true
    /// The colormap of single maps and mosaic tiles (``Engine/Job/colormap``).
    public var colormap: Colormap = .gray
    /// Memory all jobs together may hold: each input runs on the engine with
    /// its share (the limit divided among the jobs), in strips when its
    /// whole-image plan exceeds that share, or always with `stream`.
    public var memoryLimit = Int.max
    public var stream = false
    /// Refuse an input whose plan holds more tensor bytes than this (``MemoryBudget``).
    public var maxBytes = MemoryBudget.defaultMaxBytes

    public init(outDir: String) { self.outDir = outDir }

    /// The manifest this run appends to.
    public var manifestPath: String {
        if let manifest { return manifest }
        let name = shard.count == 1 ? "convkit-manifest.jsonl"
            : "convkit-manifest-shard-\(shard.index)-of-\(shard.count).jsonl"
        return (outDir.hasSuffix("/") ? outDir : outDir + "/") + name
    }

    /// The manifests `--resume` reads: the one given, or every
    /// `convkit-manifest*.jsonl` in the output directory (all shards' runs).
    public var resumeManifests: [String] {
        if let manifest { return [manifest] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outDir)) ?? []
        return names.filter { $0.hasPrefix("convkit-manifest") && $0.hasSuffix(".jsonl") }.sorted()
            .map { (outDir.hasSuffix("/") ? outDir : outDir + "/") + $0 }
    }

    public var fingerprint: Fingerprint {
        Fingerprint(pipeline: pipeline, format: format, layout: layout, encode: encode, decode: decode,
                    writer: "colormap \(colormap.rawValue)")
    }

    /// Jobs and kernel threads per job, never more threads in all than the
    /// budget (`threads`, or the cores).
    public func parallelism(inputs: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> (jobs: Int, threadsPerJob: Int) {
        let budget = max(1, threads ?? cores)
        let jobs = max(1, min(jobs ?? budget, budget, max(inputs, 1)))
        return (jobs, max(1, budget / jobs))
    }
}

/// What a batch did.
public struct BatchSummary: Sendable, Equatable {
    /// Inputs of this shard.
    public var total = 0
    public var ok = 0
    public var failed = 0
    public var skipped = 0
    /// Inputs never finished because of a signal or `--fail-fast`.
    public var notRun = 0
    /// The signal that stopped the run, if any.
    public var signal: Int32?
    public var stoppedByFailure = false
    public var seconds = 0.0
    public var jobs = 1
    public var threadsPerJob = 1
    public var manifest = ""

    /// 0 when every input is ok or skipped; 1 after a failure; 128 + signal when interrupted.
    public var exitStatus: Int32 {
        if let signal { return 128 + signal }
        return failed > 0 || stoppedByFailure ? 1 : 0
    }

    /// `198 ok, 2 failed, 0 skipped (200 inputs, 12.3 s, 16.1 images/s, 2 jobs x 1 thread)`.
    public var line: String {
        var s = "\(ok) ok, \(failed) failed, \(skipped) skipped"
        var details = ["\(total) input\(total == 1 ? "" : "s")"]
        if notRun > 0 { details.append("\(notRun) not run") }
        details.append(String(format: "%.1f s", seconds))
        if seconds > 0, ok + failed > 0 { details.append(String(format: "%.1f images/s", Double(ok + failed) / seconds)) }
        details.append("\(jobs) job\(jobs == 1 ? "" : "s") x \(threadsPerJob) thread\(threadsPerJob == 1 ? "" : "s")")
        s += " (" + details.joined(separator: ", ") + ")"
        if let signal { s += "; interrupted by \(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)")" }
        if stoppedByFailure { s += "; stopped at the first failure (--fail-fast)" }
        return s
    }
}
