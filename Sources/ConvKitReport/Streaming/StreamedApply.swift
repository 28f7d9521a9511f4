import ConvKit
import ConvKitIO
import Foundation

/// `apply` on an image too large to hold whole: rows are decoded a strip at
/// a time, pushed through the pipeline with ``StreamPlan`` and encoded as
/// they come, so memory depends on the width and the stages' halos, not on
/// the height. The files are those the whole-image run writes, bit for bit
/// (PNG tEXt aside: a streamed run cannot know its time before its pixels
/// are written, so `convkit:milliseconds` is left out and `convkit:plan` says `streamed`).
///
///     let memory = ApplyMemory(input: shape, stages: stages, fileBytes: size)
///     if memory.wholeImageBytes > limit {
///         let run = try StreamedApply.run(input: "big.png", output: "out.png", pipeline: p, ...)
///     }
public enum StreamedApply {
    /// What `apply --json` says about the plan that ran.
    public struct Report: Encodable, Sendable {
        /// `whole` or `streamed`.
        public var plan: String
        /// Why: `--stream`, or the whole-image prediction against `--memory-limit`.
        public var reason: String
        public var memoryLimitBytes: Int
        /// Predicted peak of the whole-image plan (decoded input, stage tensors, encoded output).
        public var predictedWholeImageBytes: Int
        /// Predicted peak of the plan that ran (for `streamed`: the stream's buffers).
        public var predictedPeakBytes: Int
        /// Peak resident memory of the process, from getrusage (set by the caller after the run).
        public var measuredPeakBytes: Int?
        /// Passes over the input file (2 when circular padding needs the last rows first).
        public var decodePasses: Int?
        /// True when the decoder needed the whole image (interlaced PNG).
        public var fullDecode: Bool?
        /// What needed the whole image and how it was done (scratch files, second passes).
        public var wholeImageSteps: [String]

        public init(plan: String, reason: String, memoryLimitBytes: Int, predictedWholeImageBytes: Int,
                    predictedPeakBytes: Int, wholeImageSteps: [String] = []) {
            self.plan = plan
            self.reason = reason
            self.memoryLimitBytes = memoryLimitBytes
            self.predictedWholeImageBytes = predictedWholeImageBytes
            self.predictedPeakBytes = predictedPeakBytes
            self.wholeImageSteps = wholeImageSteps
        }
    }

    /// What a streamed run did.
    public struct Outcome {
        public var paths: [String]
        public var note: String?
        public var inputShape: Shape
        public var outputShape: Shape
        public var stages: [StageReport]
        public var milliseconds: Double
        public var warnings: [String]
        public var report: Report
    }

    /// Streams `input` through `pipeline` into `output` (layout, map and
    /// colormap as the whole-image `apply` writes them). `report` starts the
    /// run's report (plan, reason, limits); the rest is filled in here.
    public static func run(input: String, output: String, pipeline: Pipeline, decode: DecodeOptions,
                           encode: EncodeOptions, layout: Layout, colormap: Colormap, threads: Int?,
                           report: Report, isCancelled: () -> Bool = { false }) throws -> Outcome {
        let start = ContinuousClock.now
        let baseline = ApplyMemory.currentResidentBytes
        let source = try StreamedInput(path: input, options: decode, output: output)
        // Pieces of about a sixteenth of the limit (at most 16 MiB): a handful of stage buffers fit.
        let plan = try StreamPlan(pipeline: pipeline, input: source.shape,
                                  pieceBytes: max(1 << 16, min(16 << 20, report.memoryLimitBytes / 16)))
        var options = encode
        var text = Accounting(input: source.shape, stages: plan.reports).pngText()
        text["convkit:plan"] = "streamed"
        options.text.merge(text) { $1 }
        let sink = try StreamedOutput(path: output, shape: plan.output, layout: layout, options: options,
                                      colormap: colormap, memoryLimit: report.memoryLimitBytes)
        var report = report
        // The process as it stands, the stream's buffers, and the writer's: two pieces in flight
        // to the encoder thread and one being mapped (a colormap adds three channels per map).
        let sinkBytes = plan.outputPieceBytes * (3 + (colormap == .gray ? 0 : 3))
        report.predictedPeakBytes = baseline + plan.predictedPeakBytes + sinkBytes
        if let scratch = source.scratch { report.wholeImageSteps.append(scratch.purpose + " (scratch file, removed afterwards)") }
        if plan.needsSecondPass {
            report.wholeImageSteps.append("circular padding: \(plan.rowsAhead.count) input rows decoded ahead in a first pass")
        }
        report.wholeImageSteps += sink.notes
        // Scratch files go when the run ends, not when the last reference to them is released
        // (the encoder thread may hold one past the process's exit).
        defer {
            sink.removeScratch()
            source.scratch?.remove()
        }
        let behind = WriteBehind(sink)
        do {
            try plan.run(read: { rows, buffer in try source.read(rows: rows, into: buffer) },
                         write: { rows, buffer in
                             if isCancelled() { throw CancellationError() }
                             try behind.write(rows: rows, buffer)
                         }, threads: threads)
            try behind.finish()
            try sink.finish()
        } catch {
            // Stop the encoder thread, then remove every temporary file now: the thread's last
            // reference to the writers may outlive the process's exit.
            try? behind.finish()
            sink.abort()
            throw error
        }
        report.decodePasses = source.reader.passes
        report.fullDecode = source.reader.fullDecode
        let d = ContinuousClock.now - start
        return Outcome(paths: sink.paths, note: sink.layoutNote, inputShape: source.shape, outputShape: plan.output,
                       stages: plan.reports,
                       milliseconds: Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15,
                       warnings: source.reader.warnings, report: report)
    }
}

