import ArgumentParser
import ConvKit
import ConvKitIO

struct ShapeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shape",
        abstract: "Calculate output shape, padding, receptive field, cost and density, without running anything.",
        discussion: """
            Shapes are printed as H x W x C (Keras order, like --input); --json gives [C, H, W].
            Example: convkit shape --input 28x28x1 --out-channels 32 --kernel-size 3 --stride 2
            """
    )

    @Option(help: ArgumentHelp("The input size, H x W x C (C defaults to 1).", valueName: "HxWxC"))
    var input: String?

    @Argument(help: "An image to take the input size from (only its header is read).")
    var image: String?

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var decode: DecodeFlags

    @Option(help: "Output channels of a convolution described by size alone (no weights needed).")
    var outChannels: Int?

    @Option(help: ArgumentHelp("Kernel size K or KH,KW of a convolution described by size alone.", valueName: "K"))
    var kernelSize: Size2?

    @Flag(help: "Print every stage as JSON.")
    var json = false

    @Option(help: ArgumentHelp("""
        Print code that reproduces the pipeline in torch, tf, opencv, scipy, numpy or im (ImageMagick), \
        with a comment wherever that system cannot express a setting.
        """, valueName: "system"))
    var emit: RecipeTarget?

    func validate() throws {
        guard (input == nil) != (image == nil) else { throw ValidationError("give either --input HxWxC or an IMAGE") }
        if (outChannels != nil || kernelSize != nil),
           pipelineOptions.kernel != nil || pipelineOptions.weights != nil || !pipelineOptions.filters.isEmpty {
            throw ValidationError("--out-channels/--kernel-size describe a convolution; do not combine them with --kernel, --weights or --filter")
        }
        if let outChannels, outChannels < 1 { throw ValidationError("--out-channels must be >= 1") }
    }

    func run() throws {
        try reportingErrors {
            let shape = try inputShape()
            var pipeline = try pipelineOptions.pipeline()
            if outChannels != nil || kernelSize != nil {
                let c = try pipeline.color.outputChannels(for: shape.channels)
                let weights = try ConvWeights.zeros(outChannels: outChannels ?? 1, inChannels: c,
                                                    groups: pipelineOptions.groups, kernel: kernelSize ?? Size2(square: 1))
                pipeline.stages = [.conv(try pipelineOptions.convolution(.weights(weights, groups: pipelineOptions.groups)))]
            }
            let stages = try pipeline.plan(for: shape)
            let shapeOnly = outChannels != nil || kernelSize != nil
            if let emit, shapeOnly, let layers = Recipe.layers(pipeline, stages: stages, for: emit) {
                print(layers, terminator: "")
            } else if let emit {
                print(Recipe.emit(pipeline, stages: stages, for: emit), terminator: "")
            } else if json {
                try printJSON(stages.map { StageSummary($0) })
            } else {
                if let n = pipeline.outputStride {
                    var original = pipeline
                    original.outputStride = nil
                    let before = try original.plan(for: shape)
                    print("original pipeline:\n" + ShapeTable(input: shape, stages: before).text)
                    print("\nrewritten for --output-stride \(n):")
                    print(ShapeTable(input: shape, stages: stages).text)
                    try original.atrous(outputStride: n, input: shape).comparison(original: before, rewritten: stages)
                        .forEach { print("note: \($0)") }
                } else {
                    print(ShapeTable(input: shape, stages: stages).text)
                }
                stages.compactMap(\.sizeRule).forEach { print("note: \($0)") }
                stages.flatMap(\.warnings).forEach { print("warning: \($0)") }
                let unread = UnreadMap(stages: stages)
                if !unread.isEmpty { print("note: \(unread.summary) (through all stages)") }
            }
        }
    }

    private func inputShape() throws -> ConvKit.Shape {
        if let image {
            let info = try ImageDecoder.probe(path: image, options: decode.options)
            return ConvKit.Shape(channels: info.channels, height: info.height, width: info.width)
        }
        let parts = (input ?? "").lowercased().split(separator: "x", omittingEmptySubsequences: false)
        let v = parts.compactMap { Int($0) }
        guard v.count == parts.count, v.count == 2 || v.count == 3, v.allSatisfy({ $0 >= 1 }) else {
            throw GeometryError("input size '\(input ?? "")' is not H x W x C", hint: "e.g. --input 28x28x1", subject: "--input")
        }
        return ConvKit.Shape(channels: v.count == 3 ? v[2] : 1, height: v[0], width: v[1])
    }
}
