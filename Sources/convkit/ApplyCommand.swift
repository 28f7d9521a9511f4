import ArgumentParser
import ConvKit
import ConvKitIO
import ConvKitReport

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a convolution on one image and write the result (with no kernel: convert).",
        discussion: "Output format by extension: .png (8 or 16-bit), .jpg/.jpeg, .npy (raw float32, exact)."
    )

    @Argument(help: "A PNG, JPEG or .npy file (the format is decided by content).")
    var input: String

    @Option(name: .shortAndLong, help: "The output file: .png, .jpg, .jpeg or .npy.")
    var output: String

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var decode: DecodeFlags
    @OptionGroup var outputOptions: OutputOptions

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    @Flag(help: "Print a JSON summary: shapes, per-stage padding, MACs, density, time.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
    }

    func run() throws {
        try reportingErrors(subject: input) {
            try OverwriteGuard.check(output: output, inputs: [input], overwrite: outputOptions.overwrite)
            try OutputDirectory.prepare(for: output, create: outputOptions.mkdir)
            let (pipeline, defaults) = try pipelineOptions.resolve()
            // The memory the plan needs is decided from the header, before any pixel is decoded.
            let info = try ImageDecoder.probe(path: input, options: decode.options)
            let declared = Shape(channels: info.channels, height: info.height, width: info.width)
            try MemoryBudget.check(try pipeline.plan(for: declared), input: declared, maxBytes: decode.maxBytes,
                                   subject: input)
            let decoded = try ImageDecoder.decode(path: input, options: decode.options)
            decoded.warnings.forEach { warn("\(input): \($0)") }
            let stages = try pipeline.plan(for: decoded.tensor.shape)
            if !json { stages.flatMap(\.warnings).forEach(warn) }
            let (result, times) = try pipeline.run(decoded.tensor, threads: threads)
            // Pipeline, shapes, padding, density, MACs, paths and time in PNG tEXt (SPEC section 10 item 6).
            let text = Accounting(input: decoded.tensor.shape, stages: stages, milliseconds: times).pngText()
            let written = try OutputWriter.writeOutputs(
                result, to: output, layout: outputOptions.layout(defaults: defaults),
                options: outputOptions.encodeOptions(text: text, defaults: defaults),
                colormap: outputOptions.colormap ?? defaults?.colormap.flatMap(Colormap.init(rawValue:)) ?? .gray)
            if let note = written.note { warn(note) }
            if json {
                try printJSON(ApplySummary(
                    input: input, outputs: written.paths, inputShape: decoded.tensor.shape, outputShape: result.shape,
                    stages: zip(stages, times).map { StageSummary($0, milliseconds: $1) },
                    milliseconds: times.reduce(0, +)))
            }
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

    init(input: String, outputs: [String], inputShape: ConvKit.Shape, outputShape: ConvKit.Shape,
         stages: [StageSummary], milliseconds: Double) {
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
