/// A transposed convolution ("deconvolution"), PyTorch's `conv_transpose2d`:
/// every input sample adds its kernel, scaled by its value, onto the output
/// at `stride` times its position, so the map gets denser by the stride.
///
/// Weights are in PyTorch's transposed layout `(Cin, Cout/groups, kh, kw)`.
/// Output size per axis:
/// `out = (in - 1)*stride - 2*padding + dilation*(k-1) + output_padding + 1`.
/// When the kernel size is not a multiple of the stride, outputs receive
/// unequal numbers of taps: the checkerboard of Odena et al. (2016), which
/// `convkit shape` warns about and `--overlay overlap` draws.
///
///     let w = try ConvWeights(outChannels: 1, inChannelsPerGroup: 1, kernel: Size2(square: 4),
///                             values: [Float](repeating: 1, count: 16))   // read as (Cin 1, Cout 1, 4, 4)
///     var t = TransposedConvolution(weights: w)
///     t.stride = Size2(square: 2)
///     t.padding = Size2(square: 1)
///     let out = try t.run(image)   // 1x7x7 -> 1x14x14
public struct TransposedConvolution: Hashable, Sendable {
    /// The weights with their four dimensions read as `(Cin, Cout/groups, kh, kw)`:
    /// `weights.outChannels` is Cin and `weights.inChannelsPerGroup` is Cout/groups
    /// (a `.npy` of PyTorch's `ConvTranspose2d.weight` loads as it is).
    public var weights: ConvWeights
    public var groups: Int
    /// One value per output channel, or nil.
    public var bias: [Float]?
    public var stride = Size2(square: 1)
    /// Samples removed from each end of the full result (PyTorch's `padding`).
    public var padding = Size2(square: 0)
    /// Samples added at the bottom and right (PyTorch's `output_padding`).
    public var outputPadding = Size2(square: 0)
    public var dilation = Size2(square: 1)
    public var activation: Activation = .none

    public init(weights: ConvWeights, groups: Int = 1) {
        self.weights = weights
        self.groups = groups
    }

    public var inChannels: Int { weights.outChannels }
    public var outChannels: Int { weights.inChannelsPerGroup * groups }
    public var kernelSize: Size2 { weights.kernel }

    /// The resolved geometry on `input`, or an error saying why it does not fit.
    public func geometry(for input: Shape) throws(GeometryError) -> ConvGeometry {
        let w = weights
        guard input.channels == w.outChannels else {
            throw GeometryError(
                "transposed weights of shape (\(w.outChannels), \(w.inChannelsPerGroup), \(w.kernel.h), \(w.kernel.w)) "
                    + "expect \(w.outChannels) input channels, but the input has \(input.channels)",
                hint: "transposed weights are (Cin, Cout/groups, kh, kw); use --color to change the input's channels")
        }
        if let bias, bias.count != outChannels {
            throw GeometryError("bias has \(bias.count) values, the transposed convolution has \(outChannels) output channels")
        }
        return try ConvGeometry(transposing: input, outChannels: outChannels, kernel: w.kernel, stride: stride,
                                dilation: dilation, padding: padding, outputPadding: outputPadding, groups: groups)
    }

    /// Runs on a whole tensor. `threads` nil uses every core.
    public func run(_ input: Tensor, threads: Int? = nil) throws(GeometryError) -> Tensor {
        let g = try geometry(for: input.shape)
        return TransposedPlan(self, geometry: g).run(input, threads: threads ?? defaultThreadCount)
    }
}

/// A resize of every channel: nearest or bilinear, PyTorch's
/// `interpolate(align_corners=False)`, by an integer factor per axis or to a size.
///
///     let up = Upsample(factor: Size2(square: 2), mode: .bilinear)   // 1x7x7 -> 1x14x14
public struct Upsample: Hashable, Sendable {
    public var mode: ResizeMode
    /// Samples per input sample, per axis; nil when `size` is given.
    public var factor: Size2?
    /// The output's rows and columns; nil when `factor` is given.
    public var size: Size2?

    public init(factor: Size2, mode: ResizeMode = .nearest) {
        self.mode = mode
        self.factor = factor
    }

    public init(size: Size2, mode: ResizeMode = .nearest) {
        self.mode = mode
        self.size = size
    }

    public func geometry(for input: Shape) throws(GeometryError) -> ConvGeometry {
        try ConvGeometry(resizing: input, factor: factor, size: size, mode: mode)
    }
}

extension Upsample {
    /// Parses `F`, `FH,FW` or `HxW` (a size), optionally followed by `,nearest` or `,bilinear`:
    /// `2`, `2,bilinear`, `3,2`, `480x640,bilinear`.
    public init(parsing text: String) throws(GeometryError) {
        var parts = text.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var mode = ResizeMode.nearest
        if let last = parts.last, let m = ResizeMode(rawValue: last) {
            mode = m
            parts.removeLast()
        }
        let bad = GeometryError("upsample '\(text)' is not F, FH,FW or HxW, then optionally ,nearest or ,bilinear",
                                hint: "e.g. --upsample 2 or --upsample 2,bilinear", subject: "--upsample")
        if parts.count == 1, parts[0].contains("x") {
            let hw = parts[0].split(separator: "x").compactMap { Int($0) }
            guard hw.count == 2, hw.allSatisfy({ $0 >= 1 }) else { throw bad }
            self.init(size: Size2(hw[0], hw[1]), mode: mode)
            return
        }
        let f = parts.compactMap { Int($0) }
        guard f.count == parts.count, f.count == 1 || f.count == 2, f.allSatisfy({ $0 >= 1 }) else { throw bad }
        self.init(factor: Size2(f[0], f.count == 2 ? f[1] : f[0]), mode: mode)
    }
}
