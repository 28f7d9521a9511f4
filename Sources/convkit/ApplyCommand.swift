import ArgumentParser
import ConvKit
import ConvKitIO
import ConvKitPresets
import ConvKitReport
import ConvKitEngine

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
            if let overlay { return try drawOverlay(overlay, pipeline: pipeline) }
            var job = Engine.Job(input: input, output: output, pipeline: pipeline)
            (job.decode, job.encode) = (decode.options, outputOptions.encodeOptions(text: [:], defaults: defaults))
            (job.layout, job.threads) = (outputOptions.layout(defaults: defaults), threads)
            job.colormap = outputOptions.colormap ?? defaults?.colormap.flatMap(Colormap.init(rawValue:)) ?? .gray
            (job.memoryLimit, job.stream, job.maxBytes) = (streamFlags.limit, streamFlags.stream, decode.maxBytes)
            SignalCleanup.installHandlers()
            let run = try Engine.run(job)
            run.decodeWarnings.forEach { warn("\(input): \($0)") }
            if !json { run.stageWarnings.forEach(warn) }
            if let note = run.note { warn(note) }
            if !json, let w = run.summary.quantization?.warning { warn("\(output): \(w)") }
            if json { try printJSON(run.summary) }
        }
    }

    /// `--overlay`: a picture of the geometry instead of the output.
    func drawOverlay(_ overlay: OverlayKind, pipeline: Pipeline) throws {
        // The overlay holds the input whole: its plan is checked from the header, before decoding.
        let info = try ImageRowReader.open(path: input, options: decode.options).info
        let declared = Shape(channels: info.channels, height: info.height, width: info.width)
        let planned = try pipeline.plan(for: declared)
        if overlay == .unread && Overlay.magnification(height: declared.height, width: declared.width) == 1 {
            // Too large to magnify: drawn a row at a time, in memory independent of the height.
            if !json { planned.flatMap(\.warnings).forEach(warn) }
            var text = Accounting(input: declared, stages: planned).pngText()
            text["convkit:overlay"] = "unread: " + UnreadMap(stages: planned).summary
            try Engine.unreadOverlay(input: input, output: output, stages: planned, decode: decode.options, text: text)
            if json { try printJSON(Analysis(stages: planned)) } else { print(Analysis(stages: planned).lines.joined(separator: "\n")) }
            return
        }
        try MemoryBudget.check(planned, input: declared, maxBytes: decode.maxBytes, subject: input)
        let decoded = try ImageDecoder.decode(path: input, options: decode.options)
        decoded.warnings.forEach { warn("\(input): \($0)") }
        let stages = try pipeline.plan(for: decoded.tensor.shape)
        if !json { stages.flatMap(\.warnings).forEach(warn) }
        try Analysis.writeOverlay(overlay, input: decoded.tensor, stages: stages, to: output)
        if json { try printJSON(Analysis(stages: stages)) } else { print(Analysis(stages: stages).lines.joined(separator: "\n")) }
    }
}
