import ArgumentParser
import ConvKit
import ConvKitIO

/// The options that describe one convolution stage.
struct PipelineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("An ImageMagick kernel string; ';' separates a bank of kernels, each applied to every channel.",
                               valueName: "WxH[+X+Y]: v,v,..."))
    var kernel: String?

    @Option(help: ArgumentHelp("Weights as .npy: (Cout, Cin/groups, kh, kw), or (K, kh, kw) / (kh, kw) kernels applied per channel.",
                               valueName: "W.npy"))
    var weights: String?

    @Option(help: ArgumentHelp("Bias as .npy, one value per output channel.", valueName: "B.npy"))
    var bias: String?

    @Option(help: "Groups of a 4-D --weights (Cin and Cout must be multiples).")
    var groups: Int = 1

    @Option(help: ArgumentHelp("Stride S or SH,SW.", valueName: "S"))
    var stride: Size2 = Size2(square: 1)

    @Option(help: ArgumentHelp("valid, same (TensorFlow rule, any stride), full, N, PH,PW or TOP,BOTTOM,LEFT,RIGHT.",
                               valueName: "P"))
    var padding: Padding = .valid

    @Option(help: ArgumentHelp("""
        What the pad holds: zeros; reflect (d c b|a b c d|c b a = NumPy reflect, PyTorch reflect, \
        OpenCV BORDER_REFLECT_101, SciPy mirror); symmetric (b a|a b c d|d c = NumPy symmetric, \
        OpenCV BORDER_REFLECT, SciPy reflect); replicate (NumPy edge, OpenCV BORDER_REPLICATE, SciPy nearest); \
        circular (NumPy wrap, OpenCV BORDER_WRAP, SciPy wrap).
        """, valueName: "mode"))
    var paddingMode: PadMode = .zeros

    @Option(parsing: .unconditional, help: "The constant that zeros padding holds.")
    var padValue: Float = 0

    @Option(help: ArgumentHelp("Dilation D or DH,DW.", valueName: "D"))
    var dilation: Size2 = Size2(square: 1)

    @Flag(help: "Rotate kernels by 180 degrees: true convolution instead of cross-correlation.")
    var flip = false

    @Option(help: "none, relu or abs, after the bias.")
    var activation: Activation = .none

    @Option(help: "keep (every channel), gray (BT.601 luma) or rgb, before the first stage.")
    var color: ColorMode = .keep

    func validate() throws {
        if kernel != nil && weights != nil { throw ValidationError("give --kernel or --weights, not both") }
        if bias != nil && kernel == nil && weights == nil { throw ValidationError("--bias needs --kernel or --weights") }
        if groups < 1 { throw ValidationError("--groups must be >= 1") }
    }

    /// The pipeline these options describe (empty when no kernel is given).
    func pipeline() throws -> Pipeline {
        let filters: Convolution.Filters
        if let kernel {
            filters = .perChannel(try KernelString.parse(kernel))
        } else if let weights {
            filters = try WeightsFile.filters(path: weights, groups: groups)
        } else {
            return Pipeline(color: color)
        }
        return Pipeline(color: color, stages: [try convolution(filters)])
    }

    /// A convolution with these options' geometry and `filters`.
    func convolution(_ filters: Convolution.Filters) throws -> Convolution {
        var conv = Convolution(filters: filters)
        if let bias { conv.bias = try WeightsFile.bias(path: bias) }
        conv.stride = stride
        conv.dilation = dilation
        conv.padding = padding
        conv.padMode = paddingMode
        conv.padValue = padValue
        conv.flip = flip
        conv.activation = activation
        return conv
    }
}

/// How inputs are decoded.
struct DecodeFlags: ParsableArguments {
    @Flag(help: "Keep the stored pixel order instead of applying EXIF orientation.")
    var noAutoOrient = false

    @Option(help: "Refuse images whose declared width x height exceeds this, before decoding.")
    var maxPixels: Int = 268_435_456

    var options: DecodeOptions {
        var o = DecodeOptions()
        o.autoOrient = !noAutoOrient
        o.maxPixels = maxPixels
        return o
    }
}

/// How outputs are encoded.
struct OutputOptions: ParsableArguments {
    @Option(help: "Float to pixel: clamp ([0,1]), minmax (per map), abs (|x| clamped), signed (0 is mid-grey).")
    var map: PixelMap = .clamp

    @Option(help: "PNG bit depth, 8 or 16.")
    var depth: Int = 8

    @Option(help: "JPEG quality, 1-100.")
    var quality: Int = 90

    @Option(help: "auto (1/2/3/4 channels as one image, else one file per map) or channels (one file per map).")
    var layout: Layout = .auto

    @Flag(help: "Allow the output to replace an input file.")
    var overwrite = false

    func validate() throws {
        guard depth == 8 || depth == 16 else { throw ValidationError("--depth must be 8 or 16") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
    }

    func encodeOptions(text: [String: String]) -> EncodeOptions {
        var o = EncodeOptions()
        o.depth = depth
        o.quality = quality
        o.map = map
        o.text = text
        return o
    }
}
