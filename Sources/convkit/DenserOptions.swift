import ArgumentParser
import ConvKit
import ConvKitIO

/// The pipeline options that make a map denser: a transposed `--weights`
/// stage, an `--upsample` stage, and the atrous rewrite.
struct DenserOptions: ParsableArguments {
    @Flag(help: ArgumentHelp("""
        Read --weights as PyTorch ConvTranspose2d weights (Cin, Cout/groups, kh, kw) and run a transposed convolution: \
        out = (in-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1 (--padding N or PH,PW).
        """))
    var transpose = false

    @Option(help: ArgumentHelp("Output padding of --transpose, P or PH,PW (smaller than the stride or the dilation; default 0).",
                               valueName: "P"))
    var outputPadding: String?

    @Option(help: ArgumentHelp("""
        Upsample after the presets, before --kernel/--weights: a factor F or FH,FW, or a size HxW, then optionally \
        ,nearest (default) or ,bilinear (PyTorch interpolate, align_corners=False).
        """, valueName: "F[,mode]"))
    var upsample: String?

    @Option(help: ArgumentHelp("""
        The atrous rewrite: from the first conv or pool stage at which the running stride would exceed N, \
        strides become 1 and later stages are dilated (and padded) by the stride removed, so the output is dense; \
        sampled every so many pixels it is the original output (exact for zeros, reflect, replicate and circular pads).
        """, valueName: "N"))
    var outputStride: Int?

    func validate(weights: String?) throws {
        if transpose && weights == nil { throw ValidationError("--transpose needs --weights (Cin, Cout/groups, kh, kw)") }
        if outputPadding != nil && !transpose { throw ValidationError("--output-padding goes with --transpose") }
        if let outputStride, outputStride < 1 { throw ValidationError("--output-stride must be >= 1") }
    }

    /// The upsample stage, if one was asked for.
    func upsampleStage() throws -> Stage? {
        try upsample.map { .upsample(try Upsample(parsing: $0)) }
    }

    /// The transposed stage of `--weights` with the pipeline options' geometry.
    func transposed(_ o: PipelineOptions, weights path: String) throws -> Stage {
        guard case let .weights(w, _) = try WeightsFile.filters(path: path, groups: o.groups) else {
            throw GeometryError("--transpose needs 4-D weights (Cin, Cout/groups, kh, kw)", subject: path)
        }
        var t = TransposedConvolution(weights: w, groups: o.groups)
        if let bias = o.bias { t.bias = try WeightsFile.bias(path: bias) }
        t.stride = o.stride ?? Size2(square: 1)
        t.dilation = o.dilation ?? Size2(square: 1)
        switch o.padding ?? .valid {
        case .valid: t.padding = Size2(square: 0)
        case let .explicit(top, bottom, left, right) where top == bottom && left == right: t.padding = Size2(top, left)
        default:
            throw GeometryError("--transpose takes --padding N or PH,PW (the padding of the convolution it transposes)",
                                hint: "same, full and asymmetric pads have no transposed meaning here", subject: "--padding")
        }
        if let text = outputPadding { t.outputPadding = try Size2(parsing: text, name: "output-padding", minimum: 0) }
        t.activation = o.activation
        return .transposed(t)
    }
}
