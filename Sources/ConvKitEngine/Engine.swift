import ConvKit
import ConvKitIO
import ConvKitReport
import Foundation

/// The one data path of convkit: rows are decoded a strip at a time, pushed
/// through the pipeline's stages (``StreamPlan``) and handed to a sink that
/// encodes them as they come, counting the clipping and rounding it does.
/// A whole image is the case of one strip as tall as the image; there is no
/// second implementation. `apply` and every `batch` input run through here,
/// so a run writes the same files, tEXt and JSON whatever its strip height.
///
///     var job = Engine.Job(input: "photo.jpg", output: "out.jpg", pipeline: blur)
///     let run = try Engine.run(job)
///     print(run.summary.milliseconds, run.summary.quantization?.summary ?? "")
///
/// Strip height: one strip as tall as the image (`plan: whole`) when the
/// whole-image plan fits the memory limit and ``wholeImageBytes``; otherwise
/// pieces of about ``pieceBytes`` of output rows (1 MiB, a size that stays in
/// the caches), at most a sixteenth of the limit; `--stream` takes the
/// smallest, 64 KiB, whatever the image.
///
/// What cannot be done a strip at a time is said in ``MemoryPlan/wholeImageSteps``:
/// EXIF turns that reorder rows and `--map minmax`/`signed` go through a
/// scratch file (a spill: the first pass finds every map's range while the
/// floats go to disk, the second maps and encodes them); circular padding
/// decodes the rows it needs first in a pre-pass; a mosaic holds the output.
public enum Engine {
    /// Output floats per piece of rows when the memory limit allows it.
    public static var pieceBytes: Int {
        Int(ProcessInfo.processInfo.environment["CONVKIT_PIECE_BYTES"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? (1 << 20)
    }

    /// The largest whole-image plan run as one strip (64 MiB): up to there the
    /// planes stay small enough that strips would save little; past it they
    /// cost memory and time (the caches): 12 megapixels in 1 MiB strips took
    /// 36 MB and a third of the whole-image route's time.
    public static let wholeImageBytes = 64 << 20

    /// One input through one pipeline into one output (or a family of files:
    /// `--layout channels`).
    public struct Job: Sendable {
        public var input: String
        public var output: String
        public var pipeline: Pipeline
        public var decode = DecodeOptions()
        /// Depth, quality, map, zlib level; `text` is added to the file's own tEXt.
        public var encode = EncodeOptions()
        public var layout = Layout.auto
        public var colormap = Colormap.gray
        public var threads: Int?
        /// The memory the run may plan for (`--memory-limit`, or a batch job's share).
        public var memoryLimit = ApplyMemory.defaultLimit
        /// `--stream`: strips even when the whole-image plan fits the limit.
        public var stream = false
        /// `--max-bytes`: the cap on a stage's tensors (see ``MemoryBudget``).
        public var maxBytes = MemoryBudget.defaultMaxBytes
        /// Whether the file's tEXt carries the times (`batch` leaves them out,
        /// so that a resumed batch writes byte-identical files).
        public var timesInText = true
        /// Why the plan was chosen, for `--json` (`batch` says so).
        public var reason: String?

        public init(input: String, output: String, pipeline: Pipeline) {
            self.input = input
            self.output = output
            self.pipeline = pipeline
        }
    }

    /// What `--json` says about the plan that ran.
    public struct MemoryPlan: Encodable, Sendable {
        /// `whole` (one strip, chosen) or `streamed` (strips of ``stripRows``; a small image may fit one).
        public var plan: String
        /// Why: `--stream`, or the whole-image prediction against `--memory-limit`.
        public var reason: String
        public var memoryLimitBytes: Int
        /// Predicted peak of a whole-image plan (decoded input, stage tensors, encoded output).
        public var predictedWholeImageBytes: Int
        /// Predicted peak of the plan that ran (the process, the strips' buffers, the writer's).
        public var predictedPeakBytes: Int
        /// Peak resident memory of the process, from getrusage, after the run.
        public var measuredPeakBytes: Int?
        /// Output rows per strip (the output's height for `whole`).
        public var stripRows: Int
        /// Passes over the input file (2 when circular padding needs the last rows first).
        public var decodePasses: Int?
        /// True when the decoder needed the whole image (interlaced PNG).
        public var fullDecode: Bool?
        /// What needed the whole image and how it was done (scratch files, second passes).
        public var wholeImageSteps: [String]
    }

    /// A finished run: its summary (`--json`) and what to tell the user.
    public struct Run: Sendable {
        public var summary: RunSummary
        /// The decoder's warnings (libjpeg's, an extension that lies).
        public var decodeWarnings: [String]
        /// The stages' warnings (unread rows, even kernels under `same`).
        public var stageWarnings: [String]
        /// How the layout was chosen (a mosaic instead of one file), when it matters.
        public var note: String?
    }

    /// Plans `job` from the input's header (nothing is created when the plan
    /// or the header is refused), then decodes, runs and encodes it in
    /// strips. On any error, including `isCancelled` returning true between
    /// strips, no output file and no temporary file is left.
    public static func run(_ job: Job, isCancelled: () -> Bool = { false }) throws -> Run {
        let baseline = ApplyMemory.currentResidentBytes
        let info = try ImageRowReader.open(path: job.input, options: job.decode).info
        let declared = Shape(channels: info.channels, height: info.height, width: info.width)
        let planned = try job.pipeline.plan(for: declared)
        let memory = ApplyMemory(input: declared, stages: planned, fileBytes: FileSize.of(job.input),
                                 sampleBytes: max(1, (info.bitDepth + 7) / 8))
        let overLimit = memory.wholeImageBytes > job.memoryLimit
        // --stream: the smallest pieces (64 KiB), so that even a small image goes in strips;
        // a whole-image plan within wholeImageBytes and the limit: one strip.
        let whole = !job.stream && !overLimit && memory.wholeImageBytes <= wholeImageBytes
        let piece = job.stream ? 1 << 16 : whole ? Int.max / 4 : max(1 << 16, min(pieceBytes, job.memoryLimit / 16))
        let plan = try StreamPlan(pipeline: job.pipeline, input: declared, pieceBytes: piece)
        try MemoryBudget.check(planned, input: declared, maxBytes: job.maxBytes, subject: job.input, streamed: !plan.isOneStrip)
        let source = try StreamedInput(path: job.input, options: job.decode, output: job.output)
        defer { source.scratch?.remove() }
        let accounting = Accounting(input: source.shape, stages: plan.reports)
        var encode = job.encode
        var text = accounting.pngText()
        text["convkit:plan"] = whole ? "whole" : "streamed"
        // The times and the quantisation go after the pixel data, once known.
        for key in RunSummary.trailingKeys { text[key] = nil }
        encode.text.merge(text) { $1 }
        let sink = try FileSink(path: job.output, shape: plan.output, layout: job.layout, options: encode,
                                colormap: job.colormap, memoryLimit: job.memoryLimit, spill: !plan.isOneStrip)
        defer { sink.removeScratch() }
        var report = MemoryPlan(
            plan: whole ? "whole" : "streamed",
            reason: job.reason ?? (job.stream ? "--stream"
                : "whole-image plan predicted at \(Format.bytes(memory.wholeImageBytes)), "
                    + (overLimit ? "over" : "within") + " --memory-limit \(Format.bytes(job.memoryLimit))"),
            memoryLimitBytes: job.memoryLimit, predictedWholeImageBytes: memory.wholeImageBytes,
            // The process as it stands, the strips' buffers, and the writer's: two pieces in flight
            // to the encoder thread and one being mapped (a colormap adds three channels per map).
            predictedPeakBytes: baseline + plan.predictedPeakBytes + plan.outputPieceBytes * (3 + (job.colormap == .gray ? 0 : 3)),
            stripRows: whole || plan.isOneStrip ? plan.output.height : min(plan.output.height, plan.outputPieceBytes
                / max(1, plan.output.channels * plan.output.width * 4)),
            wholeImageSteps: [])
        if let scratch = source.scratch { report.wholeImageSteps.append(scratch.purpose + " (scratch file, removed afterwards)") }
        if plan.needsSecondPass {
            report.wholeImageSteps.append("circular padding: \(plan.rowsAhead.count) input rows decoded ahead in a first pass")
        }
        report.wholeImageSteps += sink.notes
        let times = try pump(source: source, plan: plan, into: sink, threads: job.threads, isCancelled: isCancelled)
        let quantization = sink.quantization
        let timed = Accounting(input: source.shape, stages: plan.reports, milliseconds: times)
        var trailing: [String: String] = [:]
        if job.timesInText {
            let all = timed.pngText()
            for key in ["convkit:milliseconds", "convkit:stages"] { trailing[key] = all[key] }
        } else {
            trailing["convkit:stages"] = accounting.pngText()["convkit:stages"]
        }
        if let quantization { trailing.merge(quantization.pngText()) { $1 } }
        try sink.finish(text: trailing)
        report.decodePasses = source.reader.passes
        report.fullDecode = source.reader.fullDecode
        report.measuredPeakBytes = ApplyMemory.peakResidentBytes
        let summary = RunSummary(input: job.input, outputs: sink.paths, inputShape: source.shape, outputShape: plan.output,
                                 stages: plan.reports.indices.map {
                                     StageSummary(plan.reports[$0], milliseconds: times[$0],
                                                  prepareMilliseconds: plan.prepareMilliseconds[$0])
                                 },
                                 milliseconds: times.reduce(0, +) + plan.prepareMilliseconds.reduce(0, +), analysis: Analysis(stages: plan.reports),
                                 quantization: quantization, memory: report)
        return Run(summary: summary, decodeWarnings: source.reader.warnings,
                   stageWarnings: plan.reports.flatMap(\.warnings), note: sink.layoutNote)
    }

    /// Moves every row of `source` through `plan` into `sink`: decoding runs
    /// ahead on a thread of its own, encoding behind on another. Returns the
    /// stages' times (ms). On error every temporary file of the sink is gone.
    static func pump(source: StreamedInput, plan: StreamPlan, into sink: FileSink, threads: Int?,
                     isCancelled: () -> Bool) throws -> [Double] {
        let behind = WriteBehind(sink)
        // Decoding runs ahead unless rows come from a scratch file or out of order.
        let ahead = source.scratch == nil && !plan.needsSecondPass
            ? ReadAhead(shape: source.shape, bandRows: max(8, Self.pieceBytes / max(1, source.shape.channels * source.shape.width * 4)),
                        source: { rows, buffer in try source.read(rows: rows, into: buffer) })
            : nil
        do {
            let times = try plan.runTimed(read: { rows, buffer in
                if let ahead { try ahead.read(rows: rows, into: buffer) } else { try source.read(rows: rows, into: buffer) }
            }, write: { rows, buffer in
                if isCancelled() { throw CancellationError() }
                try behind.write(rows: rows, buffer)
            }, threads: threads)
            ahead?.stop()
            try behind.finish()
            try sink.complete()
            return times
        } catch {
            // Stop both threads, then remove every temporary file now: the encoder thread's last
            // reference to the writers may outlive the process's exit.
            ahead?.stop()
            try? behind.finish()
            sink.abort()
            throw error
        }
    }
}
