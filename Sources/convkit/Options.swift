import ArgumentParser
import ConvKit
import ConvKitIO
import ConvKitReport
import ConvKitPresets

/// The options that describe a pipeline: presets (`--filter`, repeatable,
/// chained in order), then an optional convolution from `--kernel` or
/// `--weights`; the geometry flags, when given, replace those of every conv stage.
struct PipelineOptions: ParsableArguments {
    @Option(name: .customLong("filter"), help: ArgumentHelp("""
        A preset: a .yaml/.yml/.json path, or a name looked up in --filters-dir, then $CONVKIT_FILTERS \
        (colon-separated directories), then the shipped presets (`convkit filters list`). Repeat to chain.
        """, valueName: "NAME|FILE"))
    var filters: [String] = []

    @Option(help: ArgumentHelp("A directory searched first for --filter names.", valueName: "DIR"))
    var filtersDir: String?

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

    @Option(help: ArgumentHelp("Stride S or SH,SW (default 1; given, it replaces every conv stage's).", valueName: "S"))
    var stride: Size2?

    @Option(help: ArgumentHelp("""
        valid, same (TensorFlow rule, any stride), full, N, PH,PW or TOP,BOTTOM,LEFT,RIGHT \
        (default valid; given, it replaces every conv stage's).
        """, valueName: "P"))
    var padding: Padding?

    @Option(help: ArgumentHelp("""
        What the pad holds: zeros; reflect (d c b|a b c d|c b a = NumPy reflect, PyTorch reflect, \
        OpenCV BORDER_REFLECT_101, SciPy mirror); symmetric (b a|a b c d|d c = NumPy symmetric, \
        OpenCV BORDER_REFLECT, SciPy reflect); replicate (NumPy edge, OpenCV BORDER_REPLICATE, SciPy nearest); \
        circular (NumPy wrap, OpenCV BORDER_WRAP, SciPy wrap). Default zeros; given, it replaces every conv stage's.
        """, valueName: "mode"))
    var paddingMode: PadMode?

    @Option(parsing: .unconditional, help: "The constant that zeros padding holds (default 0).")
    var padValue: Float?

    @Option(help: ArgumentHelp("Dilation D or DH,DW (default 1; given, it replaces every conv stage's).", valueName: "D"))
    var dilation: Size2?

    @Flag(help: "Rotate kernels by 180 degrees: true convolution instead of cross-correlation.")
    var flip = false

    @Option(help: "none, relu or abs, after the bias (of the --kernel/--weights stage).")
    var activation: Activation = .none

    @Option(help: "keep (every channel), gray (BT.601 luma) or rgb, before the first stage (default: the first preset's, else keep).")
    var color: ColorMode?

    @OptionGroup var denser: DenserOptions

    func validate() throws {
        if kernel != nil && weights != nil { throw ValidationError("give --kernel or --weights, not both") }
        if bias != nil && kernel == nil && weights == nil { throw ValidationError("--bias needs --kernel or --weights") }
        if groups < 1 { throw ValidationError("--groups must be >= 1") }
        try denser.validate(weights: weights)
    }

    /// The pipeline these options describe (empty when neither --filter nor a kernel is given).
    func pipeline() throws -> Pipeline { try resolve().pipeline }

    /// The pipeline with every preset generator kernel (gaussian, box,
    /// laplacian, random) made at `kernelSize`, as `compare --sweep kernel=K` wants.
    func pipeline(kernelSize: Size2?) throws -> Pipeline { try resolve(kernelSize: kernelSize).pipeline }

    /// The pipeline and the output defaults of the last preset (nil without --filter).
    func resolve(kernelSize: Size2? = nil) throws -> (pipeline: Pipeline, output: OutputDefaults?) {
        var pipeline = Pipeline(color: color ?? .keep)
        var output: OutputDefaults?
        let library = PresetLibrary(filtersDir: filtersDir)
        for name in filters {
            let preset = try library.load(name)
            pipeline = pipeline.then(try preset.pipeline(kernelSize: kernelSize))
            output = preset.output
        }
        if let up = try denser.upsampleStage() { pipeline.stages.append(up) }
        var transposed: Stage?
        if denser.transpose, let weights { transposed = try denser.transposed(self, weights: weights) }
        if let kernel {
            pipeline.stages.append(.conv(try convolution(.perChannel(try KernelString.parse(kernel)))))
        } else if let weights, transposed == nil {
            pipeline.stages.append(.conv(try convolution(try WeightsFile.filters(path: weights, groups: groups))))
        }
        pipeline = pipeline.overriding(overrides)
        if let transposed { pipeline.stages.append(transposed) }
        if let n = denser.outputStride { pipeline.outputStride = n }
        return (pipeline, output)
    }

    /// The geometry flags given on the command line.
    var overrides: ConvOverrides {
        ConvOverrides(stride: stride, padding: padding, padMode: paddingMode, padValue: padValue, dilation: dilation)
    }

    /// A convolution with these options' geometry (defaults where not given) and `filters`.
    func convolution(_ filters: Convolution.Filters) throws -> Convolution {
        var conv = Convolution(filters: filters)
        if let bias { conv.bias = try WeightsFile.bias(path: bias) }
        conv.stride = stride ?? Size2(square: 1)
        conv.dilation = dilation ?? Size2(square: 1)
        conv.padding = padding ?? .valid
        conv.padMode = paddingMode ?? .zeros
        conv.padValue = padValue ?? 0
        conv.flip = flip
        conv.activation = activation
        return conv
    }
}

/// How inputs are decoded.
struct DecodeFlags: ParsableArguments {
    @Flag(help: "Keep the stored pixel order instead of applying EXIF orientation.")
    var noAutoOrient = false

    @Option(help: ArgumentHelp("""
        Refuse images whose declared width x height exceeds this, before decoding (default 65536 x 65536; \
        images over --memory-limit are streamed, so the limit guards time, not memory).
        """))
    var maxPixels: Int = 4_294_967_296

    @Option(help: ArgumentHelp("""
        Refuse a pipeline whose largest stage (its Float32 input plus output) needs more bytes, decided from         the plan before decoding (default 4 GiB).
        """, valueName: "BYTES"))
    var maxBytes: Int = MemoryBudget.defaultMaxBytes

    @Flag(help: "Treat decoder warnings (libjpeg's corrupt-data warnings, libpng's, libtiff's) as errors.")
    var strict = false

    @Option(help: "The page of a multi-page TIFF to read, from 0 (`info` lists them).")
    var page: Int = 0

    var options: DecodeOptions {
        var o = DecodeOptions()
        o.autoOrient = !noAutoOrient
        o.maxPixels = maxPixels
        o.strict = strict
        o.page = page
        return o
    }
}

/// How outputs are encoded.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("map"),
            help: "Float to pixel: clamp ([0,1]), minmax (per map), abs (|x| clamped), signed (0 is mid-grey). Default: the preset's, else clamp.")
    var mapChoice: PixelMap?

    @Option(name: .customLong("depth"), help: "PNG and TIFF bit depth, 8 or 16; TIFF also 32 (float, values written as they are, no --map).")
    var depthChoice: Int?

    @Option(name: .customLong("quality"), help: "JPEG and lossy WebP quality, 1-100.")
    var qualityChoice: Int?

    @Option(help: "TIFF compression: none (default), lzw or deflate.")
    var compression: TIFFCompression?

    @Option(help: ArgumentHelp("Write TIFF in tiles of N x N pixels (a multiple of 16) instead of strips.", valueName: "N"))
    var tile: Int?

    @Flag(help: "Write WebP losslessly (exact RGB and alpha) instead of lossy at --quality.")
    var lossless = false

    @Option(help: "PNG zlib level, 0-9 (default 2: fast; 6 is libpng's default, about 20 % smaller and 2.5x slower).")
    var pngCompression: Int?

    @Option(name: .customLong("layout"),
            help: "auto (1/3/4 channels as gray/RGB/RGBA, any other count as a mosaic), mosaic (one labelled tile per map), channels (one file per map) or pages (TIFF: one page per map).")
    var layoutChoice: Layout?

    var map: PixelMap { mapChoice ?? .clamp }
    var depth: Int { depthChoice ?? 8 }
    var quality: Int { qualityChoice ?? 90 }
    var layout: Layout { layoutChoice ?? .auto }

    /// The layout given, else the preset's, else auto.
    func layout(defaults: OutputDefaults?) -> Layout { layoutChoice ?? defaults?.layout ?? .auto }

    @Flag(help: "Allow the output to replace an input file.")
    var overwrite = false

    @Flag(help: "Create the output's directory (with its parents) when it does not exist.")
    var mkdir = false

    func validate() throws {
        guard [8, 16, 32].contains(depth) else { throw ValidationError("--depth must be 8 or 16 (or 32 for TIFF)") }
        if let tile, tile <= 0 || tile % 16 != 0 { throw ValidationError("--tile must be a positive multiple of 16") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
        if let pngCompression, !(0...9).contains(pngCompression) { throw ValidationError("--png-compression must be between 0 and 9") }
    }

    /// Encoding options: what the command line gives, else the preset's
    /// output defaults (`defaults`), else convkit's.
    func encodeOptions(text: [String: String], defaults: OutputDefaults? = nil) -> EncodeOptions {
        var o = EncodeOptions()
        o.depth = depthChoice ?? defaults?.depth ?? 8
        o.quality = qualityChoice ?? defaults?.quality ?? 90
        o.pngCompression = pngCompression ?? EncodeOptions.defaultPNGCompression
        o.map = mapChoice ?? defaults?.map ?? .clamp
        o.text = text
        o.tiffCompression = compression ?? .none
        o.tiffTile = tile ?? 0
        o.webpLossless = lossless
        return o
    }
    @Option(help: "gray, viridis, magma or coolwarm, for single maps and mosaic tiles (coolwarm diverges around 0 with --map signed).")
    var colormap: Colormap?
}

/// When `apply` and `batch` stream an image in strips instead of holding it whole.
struct StreamFlags: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Stream an image in strips of rows when the whole-image plan is predicted to need more memory than this \
        (default: a quarter of physical memory). Sizes like 512MB, 4GB or 1000000 (bytes); K, M, G are powers of 1024.
        """, valueName: "SIZE"))
    var memoryLimit: MemorySize?

    @Flag(help: "Stream the image in strips of rows even when it fits the memory limit.")
    var stream = false

    var limit: Int { memoryLimit?.bytes ?? ApplyMemory.defaultLimit }
}

/// A byte count written as `512MB`, `4G`, `64MiB` or plain bytes.
struct MemorySize: ExpressibleByArgument {
    let bytes: Int

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = text.prefix { $0.isNumber || $0 == "." }
        var unit = String(text.dropFirst(digits.count)).trimmingCharacters(in: .whitespaces)
        if unit.hasSuffix("IB") { unit = String(unit.dropLast(2)) } else if unit.hasSuffix("B") { unit = String(unit.dropLast()) }
        let scale: Double
        switch unit {
        case "": scale = 1
        case "K": scale = 1024
        case "M": scale = 1024 * 1024
        case "G": scale = 1024 * 1024 * 1024
        case "T": scale = 1024 * 1024 * 1024 * 1024
        default: return nil
        }
        guard let value = Double(digits), value > 0, value * scale < 9e18 else { return nil }
        bytes = Int(value * scale)
    }

    static var defaultValueDescription: String { "a quarter of physical memory" }
}
