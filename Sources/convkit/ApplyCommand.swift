import ArgumentParser
import ConvKit
import ConvKitIO
import ConvKitPresets
import ConvKitReport

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a convolution on one image and write the result (with no kernel: convert).",
        discussion: "Output format by extension: .png (8 or 16-bit), .jpg/.jpeg, .tif/.tiff (8 or 16-bit, or --depth 32: float32, exact), .webp (--quality or --lossless), .npy (raw float32, exact)."
    )

    @Argument(help: "A PNG, JPEG, TIFF, WebP or .npy file (the format is decided by content).")
    var input: String

    @Option(name: .shortAndLong, help: "The output file: .png, .jpg, .jpeg, .tif, .tiff, .webp or .npy.")
    var output: String

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var decode: DecodeFlags
    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var streamFlags: StreamFlags

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    @Flag(help: "Print a JSON summary: shapes, per-stage padding, MACs, density, time.")
    var json = false

    @Option(help: ArgumentHelp("""
        Write a picture of the geometry to -o (a .png) instead of the output: unread (the input, its rows and columns \
        that no window of any stage reads tinted red) or pad-influence (per output pixel, the fraction of its receptive \
        field through all stages that is padding, with a legend).
        """, valueName: "unread|pad-influence"))
    var overlay: OverlayKind?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
        if overlay != nil && !output.lowercased().hasSuffix(".png") { throw ValidationError("--overlay writes a .png (-o X.png)") }
        if overlay != nil && streamFlags.stream { throw ValidationError("--overlay draws the whole image; it cannot be streamed") }
    }

    func run() throws {
        try reportingErrors(subject: input) {
            try OverwriteGuard.check(output: output, inputs: [input], overwrite: outputOptions.overwrite)
            try OutputDirectory.prepare(for: output, create: outputOptions.mkdir)
            let (pipeline, defaults) = try pipelineOptions.resolve()
            // The plan and the memory it needs are decided from the header, before any pixel is decoded.
            let info = try ImageRowReader.open(path: input, options: decode.options).info
            let declared = Shape(channels: info.channels, height: info.height, width: info.width)
            let planned = try pipeline.plan(for: declared)
            let memory = ApplyMemory(input: declared, stages: planned, fileBytes: FileSize.of(input),
                                     sampleBytes: max(1, (info.bitDepth + 7) / 8))
            let limit = streamFlags.limit
            let streamed = overlay == nil && (streamFlags.stream || memory.wholeImageBytes > limit)
            var report = StreamedApply.Report(
                plan: streamed ? "streamed" : "whole",
                reason: streamFlags.stream ? "--stream"
                    : "whole-image plan predicted at \(Format.bytes(memory.wholeImageBytes)), "
                        + (streamed ? "over" : "within") + " --memory-limit \(Format.bytes(limit))",
                memoryLimitBytes: limit, predictedWholeImageBytes: memory.wholeImageBytes,
                predictedPeakBytes: memory.wholeImageBytes)
            try MemoryBudget.check(planned, input: declared, maxBytes: decode.maxBytes, subject: input, streamed: streamed)
            if streamed {
                SignalCleanup.installHandlers()
                try runStreamed(pipeline: pipeline, defaults: defaults, report: report)
                return
            }
            let decoded = try ImageDecoder.decode(path: input, options: decode.options)
            decoded.warnings.forEach { warn("\(input): \($0)") }
            let stages = try pipeline.plan(for: decoded.tensor.shape)
            if !json { stages.flatMap(\.warnings).forEach(warn) }
            if let overlay {
                try Analysis.writeOverlay(overlay, input: decoded.tensor, stages: stages, to: output)
                if json { try printJSON(Analysis(stages: stages)) } else { print(Analysis(stages: stages).lines.joined(separator: "\n")) }
                return
            }
            let (result, times) = try pipeline.run(decoded.tensor, threads: threads)
            // Pipeline, shapes, padding, density, MACs, paths and time in PNG tEXt (SPEC section 10 item 6).
            var options = outputOptions.encodeOptions(
                text: Accounting(input: decoded.tensor.shape, stages: stages, milliseconds: times).pngText(), defaults: defaults)
            // Clipping and quantisation (SPEC section 10 item 5), in tEXt, --json and a warning.
            let quantization = Analysis.quantization(result, path: output, options: options)
            if let quantization {
                options.text.merge(quantization.pngText()) { $1 }
                if !json, let w = quantization.warning { warn("\(output): \(w)") }
            }
            let written = try OutputWriter.writeOutputs(
                result, to: output, layout: outputOptions.layout(defaults: defaults), options: options,
                colormap: outputOptions.colormap ?? defaults?.colormap.flatMap(Colormap.init(rawValue:)) ?? .gray)
            if let note = written.note { warn(note) }
            if json {
                report.measuredPeakBytes = ApplyMemory.peakResidentBytes
                try printJSON(ApplySummary(
                    input: input, outputs: written.paths, inputShape: decoded.tensor.shape, outputShape: result.shape,
                    stages: zip(stages, times).map { StageSummary($0, milliseconds: $1) },
                    milliseconds: times.reduce(0, +), analysis: Analysis(stages: stages), quantization: quantization,
                    memory: report))
            }
        }
    }
}

extension Apply {
    /// Decodes, runs and encodes in strips of rows (issue: images larger than memory).
    func runStreamed(pipeline: Pipeline, defaults: OutputDefaults?, report: StreamedApply.Report) throws {
        let options = outputOptions.encodeOptions(text: [:], defaults: defaults)
        var run = try StreamedApply.run(
            input: input, output: output, pipeline: pipeline, decode: decode.options, encode: options,
            layout: outputOptions.layout(defaults: defaults),
            colormap: outputOptions.colormap ?? defaults?.colormap.flatMap(Colormap.init(rawValue:)) ?? .gray,
            threads: threads, report: report)
        run.warnings.forEach { warn("\(input): \($0)") }
        if !json { run.stages.flatMap { $0.warnings }.forEach(warn) }
        if let note = run.note { warn(note) }
        if json {
            run.report.measuredPeakBytes = ApplyMemory.peakResidentBytes
            try printJSON(ApplySummary(
                input: input, outputs: run.paths, inputShape: run.inputShape, outputShape: run.outputShape,
                stages: run.stages.map { StageSummary($0, milliseconds: nil) }, milliseconds: run.milliseconds,
                analysis: Analysis(stages: run.stages, profiles: true), quantization: nil, memory: run.report))
        }
    }
}

/// What `apply --json` prints.
struct ApplySummary: Encodable {
    var version = convkitVersion
    var input: String
    var outputs: [String]
    var inputShape: [Int]
    var outputShape: [Int]
    var density: Double
    var macs: Int
    var stages: [StageSummary]
    var milliseconds: Double
    /// Unread input rows and columns, pad influence (SPEC section 10 items 1-2).
    var analysis: Analysis
    /// Clipping and quantisation of the written file; nil for .npy and streamed runs.
    var quantization: QuantizationReport?
    /// The plan that ran (whole or streamed), its predicted and measured peak memory.
    var memory: StreamedApply.Report

    init(input: String, outputs: [String], inputShape: ConvKit.Shape, outputShape: ConvKit.Shape,
         stages: [StageSummary], milliseconds: Double, analysis: Analysis, quantization: QuantizationReport?,
         memory: StreamedApply.Report) {
        self.memory = memory
        self.analysis = analysis
        self.quantization = quantization
        self.input = input
        self.outputs = outputs
        self.inputShape = [inputShape.channels, inputShape.height, inputShape.width]
        self.outputShape = [outputShape.channels, outputShape.height, outputShape.width]
        self.density = Double(outputShape.count) / Double(max(inputShape.count, 1))
        self.macs = stages.reduce(0) { $0 + $1.macs }
        self.stages = stages
        self.milliseconds = milliseconds
    }
}
