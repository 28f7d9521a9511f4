import ConvKit
import ConvKitIO

/// One preset file: a named pipeline with output defaults.
///
///     let preset = try Preset(text: yaml, file: "edges.yaml")
///     let pipeline = try preset.pipeline()
///     let stages = try preset.plan(for: Shape(channels: 3, height: 64, width: 64))
///
/// See `Filters/README.md` for the format; ``PresetParser`` reads it.
public struct Preset: Sendable {
    /// Equals the file's stem.
    public var name: String
    public var description: String?
    /// The colour conversion before the first stage.
    public var color: ColorMode
    public var output: OutputDefaults
    public var stages: [PresetStage]
    /// The file as the user named it, `name.yaml` for a shipped preset.
    public var file: String

    /// Parses and validates a preset; `directory` resolves `.npy` weight paths.
    public init(text: String, file: String, directory: String? = nil) throws(PresetError) {
        self = try PresetParser(file: file, directory: directory).parse(text)
    }

    public init(name: String, description: String?, color: ColorMode, output: OutputDefaults,
                stages: [PresetStage], file: String) {
        self.name = name
        self.description = description
        self.color = color
        self.output = output
        self.stages = stages
        self.file = file
    }

    /// The pipeline; `kernelSize` replaces the size of every generator kernel
    /// (gaussian, box, laplacian, random), as `compare --sweep kernel=...` does.
    public func pipeline(kernelSize: Size2? = nil) throws(PresetError) -> Pipeline {
        var stages: [Stage] = []
        for s in self.stages { stages.append(Stage(try s.operation(kernelSize: kernelSize), origin: s.origin)) }
        return Pipeline(color: color, stages: stages)
    }

    /// Every stage's geometry on `input`; a stage that does not fit (a kernel
    /// larger than the padded input, ...) is a PresetError at that stage.
    public func plan(for input: Shape) throws(PresetError) -> [StageReport] {
        let p = try pipeline()
        do {
            return try p.plan(for: input)
        } catch {
            throw PresetError(planning: error, stages: p.stages) ?? PresetError(file: file, error.message, hint: error.hint)
        }
    }
}

extension PresetError {
    /// The PresetError for a plan error of a stage read from a preset (nil for other stages).
    public init?(planning error: GeometryError, stages: [Stage]) {
        guard let o = stages.compactMap(\.origin).first(where: { $0.location == error.subject }) else { return nil }
        let prefix = o.keyPath + ": "
        let problem = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
        self.init(file: o.file, line: o.line, column: o.column, keyPath: o.keyPath, problem, hint: error.hint)
    }
}

/// How a preset's output is written unless the command line says otherwise.
public struct OutputDefaults: Hashable, Sendable {
    public var map: PixelMap?
    public var depth: Int?
    public var layout: Layout?
    /// gray, viridis, magma or coolwarm (SPEC §5).
    public var colormap: String?
    public var quality: Int?

    public init(map: PixelMap? = nil, depth: Int? = nil, layout: Layout? = nil, colormap: String? = nil, quality: Int? = nil) {
        self.map = map
        self.depth = depth
        self.layout = layout
        self.colormap = colormap
        self.quality = quality
    }
}

/// One stage of a preset, as written.
public struct PresetStage: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// pool, activation, magnitude, color, transposed or upsample.
        case fixed(Stage.Operation)
        case conv(ConvSpec)
    }

    public var kind: Kind
    public var origin: StageOrigin

    public init(kind: Kind, origin: StageOrigin) {
        self.kind = kind
        self.origin = origin
    }

    /// The stage's operation, generator kernels resized to `kernelSize` when given.
    public func operation(kernelSize: Size2? = nil) throws(PresetError) -> Stage.Operation {
        switch kind {
        case let .fixed(op): return op
        case let .conv(spec):
            do {
                return .conv(try spec.convolution(kernelSize: kernelSize))
            } catch {
                throw PresetError(file: origin.file, line: origin.line, column: origin.column, keyPath: origin.keyPath,
                                  error.message, hint: error.hint)
            }
        }
    }
}

/// A conv stage: its kernel source and options.
public struct ConvSpec: Hashable, Sendable {
    /// The convolution with its filters (already normalised and scaled) and options.
    public var convolution: Convolution
    /// The generator the filters came from, if any, so they can be remade at another size.
    public var generator: KernelGenerator?
    public var normalize: Bool
    public var scale: Float?

    public init(convolution: Convolution, generator: KernelGenerator?, normalize: Bool, scale: Float?) {
        self.convolution = convolution
        self.generator = generator
        self.normalize = normalize
        self.scale = scale
    }

    func convolution(kernelSize: Size2?) throws(GeometryError) -> Convolution {
        guard let kernelSize, let generator else { return convolution }
        var c = convolution
        c.filters = try ConvSpec.adjust(try generator.resized(kernelSize).filters(), normalize: normalize, scale: scale)
        return c
    }

    /// Filters divided by their sum (each filter whose sum is non-zero) when
    /// `normalize`, then multiplied by `scale`.
    static func adjust(_ f: Convolution.Filters, normalize: Bool, scale: Float?) throws(GeometryError) -> Convolution.Filters {
        guard normalize || scale != nil else { return f }
        func fix(_ v: [Float]) -> [Float] {
            let sum = v.reduce(0, +)
            let factor = (normalize && sum != 0 ? 1 / sum : 1) * (scale ?? 1)
            return v.map { $0 * factor }
        }
        switch f {
        case let .perChannel(ks):
            var out: [Kernel2D] = []
            for k in ks { out.append(try Kernel2D(size: k.size, values: fix(k.values))) }
            return .perChannel(out)
        case let .weights(w, g):
            let n = w.inChannelsPerGroup * w.kernel.h * w.kernel.w
            var values: [Float] = []
            for o in 0..<w.outChannels { values += fix(Array(w.values[(o * n)..<((o + 1) * n)])) }
            return .weights(try ConvWeights(outChannels: w.outChannels, inChannelsPerGroup: w.inChannelsPerGroup,
                                            kernel: w.kernel, values: values), groups: g)
        }
    }
}
