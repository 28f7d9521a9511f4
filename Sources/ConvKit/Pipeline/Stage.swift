/// One step of a ``Pipeline``: what it does to the previous step's output,
/// and (for stages read from a preset file) where it was written.
///
///     let p = Pipeline(color: .gray, stages: [
///         .conv(Convolution(kernels: [sobelX, sobelY])),   // 1 channel -> 2 maps
///         .magnitude(Magnitude()),                         // 2 maps -> 1
///         .pool(Pooling(.max, size: Size2(square: 2))),    // half the size
///     ])
public struct Stage: Hashable, Sendable {
    /// What a stage computes.
    public enum Operation: Hashable, Sendable {
        /// A 2-D convolution (see ``Convolution``).
        case conv(Convolution)
        /// Max or average pooling over each channel on its own.
        case pool(Pooling)
        /// An element-wise function: `relu` or `abs` (`none` passes values through).
        case activation(Activation)
        /// The L2 norm across channel groups (see ``Magnitude``).
        case magnitude(Magnitude)
        /// A colour conversion in the middle of a pipeline, as `--color` does before it.
        case color(ColorMode)
        /// A transposed convolution (see ``TransposedConvolution``): the map gets denser by the stride.
        case transposed(TransposedConvolution)
        /// A nearest or bilinear resize of every channel (see ``Upsample``).
        case upsample(Upsample)
    }

    public var operation: Operation
    /// Where the stage was written; errors about it name that place.
    public var origin: StageOrigin?

    public init(_ operation: Operation, origin: StageOrigin? = nil) {
        self.operation = operation
        self.origin = origin
    }

    public static func conv(_ c: Convolution) -> Stage { Stage(.conv(c)) }
    public static func pool(_ p: Pooling) -> Stage { Stage(.pool(p)) }
    public static func activation(_ a: Activation) -> Stage { Stage(.activation(a)) }
    public static func magnitude(_ m: Magnitude) -> Stage { Stage(.magnitude(m)) }
    public static func color(_ c: ColorMode) -> Stage { Stage(.color(c)) }
    public static func transposed(_ t: TransposedConvolution) -> Stage { Stage(.transposed(t)) }
    public static func upsample(_ u: Upsample) -> Stage { Stage(.upsample(u)) }

    /// The convolution of a conv stage, nil for the others.
    public var convolution: Convolution? {
        if case let .conv(c) = operation { return c }
        return nil
    }

    /// `conv`, `pool`, `activation`, `magnitude`, `color`, `transposed` or `upsample`: the stage's key in a preset file.
    public var kind: String {
        switch operation {
        case .conv: "conv"
        case .pool: "pool"
        case .activation: "activation"
        case .magnitude: "magnitude"
        case .color: "color"
        case .transposed: "transposed"
        case .upsample: "upsample"
        }
    }
}

/// The place in a preset file a stage comes from: `edges.yaml:7:5`, key path `stages[1].conv`.
public struct StageOrigin: Hashable, Sendable {
    /// The file as the user named it (or `name.yaml` for a shipped preset).
    public var file: String
    /// 1-based line and column of the stage's key.
    public var line: Int
    public var column: Int
    /// The stage's key path in its file, e.g. `stages[1].conv`.
    public var keyPath: String

    public init(file: String, line: Int, column: Int, keyPath: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
    }

    /// `file:line:column`.
    public var location: String { "\(file):\(line):\(column)" }
}

/// Max or average pooling, as PyTorch's `max_pool2d` and `avg_pool2d` with
/// `count_include_pad=True` and `ceil_mode=False`.
///
/// Every channel is pooled on its own (the geometry is a depthwise
/// ``ConvGeometry`` with one tap per window sample). Max pooling pads with
/// `-inf`, so a pad never wins; average pooling pads with zeros and always
/// divides by `kh * kw`, pads included. As in PyTorch each pad may be at most
/// half the (dilated) window size (`(d*(k-1)+1) / 2`), so every window reads at least one input sample.
///
///     let p = Pooling(.max, size: Size2(square: 2))   // stride 2, no padding
///     // 1x28x28 -> 1x14x14
public struct Pooling: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case max, avg
    }

    public var kind: Kind
    public var size: Size2
    /// Defaults to the window size, as in PyTorch.
    public var stride: Size2
    public var dilation = Size2(square: 1)
    public var padding: Padding = .valid
    /// Lets the pads exceed half the window (set by the atrous rewrite, whose
    /// dense pools read pads only at positions between the original samples).
    public var allowsWidePads = false

    public init(_ kind: Kind, size: Size2, stride: Size2? = nil, padding: Padding = .valid) {
        self.kind = kind
        self.size = size
        self.stride = stride ?? size
        self.padding = padding
    }

    /// The resolved geometry on `input`: channels unchanged.
    public func geometry(for input: Shape) throws(GeometryError) -> ConvGeometry {
        let g = try ConvGeometry(input: input, outChannels: input.channels, kernel: size, stride: stride,
                                 dilation: dilation, padding: padding, groups: input.channels)
        for (axis, a) in [("rows", g.rows), ("columns", g.cols)] where !allowsWidePads && max(a.padBefore, a.padAfter) > a.extent / 2 {
            throw GeometryError(
                "\(kind.rawValue) pooling pads \(a.padBefore),\(a.padAfter) \(axis), more than half the window size \(a.extent)",
                hint: "as in PyTorch, pad at most \(a.extent / 2) per side (half the dilated window), so every window reads the input")
        }
        return g
    }
}

/// The L2 norm across channel groups: `groups` groups of `C` channels in,
/// `C` channels out.
///
/// A bank of K kernels on C channels gives K*C maps in kernel-major order
/// (k0c0, k0c1, ..., k0c(C-1), k1c0, ...). Magnitude splits its N input
/// channels into `groups` = K consecutive groups of C = N/K and gives, for
/// each c, `out[c] = sqrt(sum over k of in[k*C + c]^2)` — for a Sobel x/y bank,
/// the gradient magnitude of every input channel.
///
/// `groups` nil takes K from the nearest conv stage before this one when that
/// stage is a kernel bank (activation stages in between are skipped).
public struct Magnitude: Hashable, Sendable {
    public var groups: Int?

    public init(groups: Int? = nil) { self.groups = groups }
}
