/// The geometry of a sliding window along one axis: every size and pad rule
/// of convkit is computed here and nowhere else.
///
/// Output size (PyTorch's `conv2d` formula, dilation `d`):
/// `out = floor((in + before + after - d*(k-1) - 1) / s) + 1`.
///
///     let a = try AxisGeometry(input: 28, kernel: 3, stride: 2, dilation: 1, padding: .valid)
///     a.output   // 13
///     a.unread   // [27]: no window reads the last row
public struct AxisGeometry: Hashable, Sendable {
    public let input: Int
    public let kernel: Int
    public let stride: Int
    public let dilation: Int
    public let padBefore: Int
    public let padAfter: Int
    public let output: Int
    /// How outputs relate to inputs: windows over the input (convolution,
    /// pooling), or a denser map (transposed convolution, resize); see
    /// `AxisGeometry+Denser.swift`.
    public let mapping: Mapping

    /// The rule that decides the pads of one axis.
    public enum PadRule: Hashable, Sendable {
        case valid, same, full
        case explicit(before: Int, after: Int)
    }

    public init(input: Int, kernel: Int, stride: Int, dilation: Int, padding rule: PadRule,
                axis: String = "rows") throws(GeometryError) {
        guard input >= 1 else { throw GeometryError("the input has \(input) \(axis)") }
        guard kernel >= 1 else { throw GeometryError("kernel size \(kernel) along \(axis) is not >= 1") }
        guard stride >= 1 else {
            throw GeometryError("stride \(stride) is not >= 1", hint: "stride counts samples between windows")
        }
        guard dilation >= 1 else {
            throw GeometryError("dilation \(dilation) is not >= 1", hint: "dilation 1 means adjacent taps")
        }
        let extent = dilation * (kernel - 1) + 1
        let before: Int, after: Int
        switch rule {
        case .valid:
            (before, after) = (0, 0)
        case .full:
            (before, after) = (extent - 1, extent - 1)
        case .same:
            let out = (input + stride - 1) / stride
            let total = max((out - 1) * stride + extent - input, 0)
            (before, after) = (total / 2, total - total / 2)
        case let .explicit(b, a):
            guard b >= 0, a >= 0 else { throw GeometryError("padding \(b),\(a) along \(axis) is negative") }
            (before, after) = (b, a)
        }
        let span = input + before + after - extent
        guard span >= 0 else {
            throw GeometryError(
                "output would have \(span.floorDiv(stride) + 1) \(axis): "
                    + "floor((\(input) + \(before) + \(after) - \(dilation)*(\(kernel)-1) - 1) / \(stride)) + 1 < 1",
                hint: "kernel \(kernel) with dilation \(dilation) spans \(extent) \(axis), the padded input has \(input + before + after); "
                    + "use a smaller kernel or dilation, or pad more")
        }
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBefore = before
        self.padAfter = after
        self.output = span / stride + 1
        self.mapping = .window
    }

    /// Every stored value given: the denser geometries' initialisers, which check them first.
    init(input: Int, kernel: Int, stride: Int, dilation: Int, padBefore: Int, padAfter: Int, output: Int, mapping: Mapping) {
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBefore = padBefore
        self.padAfter = padAfter
        self.output = output
        self.mapping = mapping
    }

    /// Samples one window spans: `d*(k-1) + 1`.
    public var extent: Int { dilation * (kernel - 1) + 1 }

    /// The padded length `in + before + after`.
    public var paddedInput: Int { input + padBefore + padAfter }

    /// Input index (may be negative, i.e. in the pad) of tap `tap` of window `o`.
    @inline(__always)
    public func inputIndex(output o: Int, tap: Int) -> Int { o * stride + tap * dilation - padBefore }

    /// The input indices (in input coordinates; pads lie outside `0..<input`)
    /// that the windows of `outputs` read, halo included. A strip of rows
    /// covering this range is all that output rows `outputs` need.
    public func inputRange(forOutputs outputs: Range<Int>) -> Range<Int> {
        guard !outputs.isEmpty else { return 0..<0 }
        if mapping != .window { return denserInputRange(forOutputs: outputs) }
        return inputIndex(output: outputs.lowerBound, tap: 0)..<(inputIndex(output: outputs.upperBound - 1, tap: kernel - 1) + 1)
    }

    /// Outputs whose whole window lies inside the input: no pad is read.
    public var interior: Range<Int> {
        let first = (padBefore + stride - 1) / stride
        let last = (input - extent + padBefore).floorDiv(stride)
        return first <= last ? first..<(last + 1) : first..<first
    }

    /// Input indices that no tap of any window reads, in increasing order:
    /// the samples the floor of the size formula (or a dilation wider than
    /// the stride) leaves out.
    public var unread: [Int] {
        if mapping != .window { return denserUnread }
        var read = [Bool](repeating: false, count: input)
        for o in 0..<output {
            for t in 0..<kernel {
                let i = inputIndex(output: o, tap: t)
                if i >= 0 && i < input { read[i] = true }
            }
        }
        return read.indices.filter { !read[$0] }
    }
}

extension Int {
    /// Division rounding towards negative infinity.
    @inline(__always)
    func floorDiv(_ d: Int) -> Int {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

/// The resolved geometry of one 2-D convolution (or pooling) on one input
/// shape: per-axis sizes and pads, channel counts and what it costs.
///
///     let g = try ConvGeometry(input: Shape(channels: 1, height: 28, width: 28),
///                              outChannels: 32, kernel: Size2(square: 3),
///                              stride: Size2(square: 2), padding: .valid)
///     g.output   // 32x13x13
///     g.macs     // 48_672
public struct ConvGeometry: Hashable, Sendable {
    public let input: Shape
    public let outChannels: Int
    public let groups: Int
    public let rows: AxisGeometry
    public let cols: AxisGeometry

    public init(input: Shape, outChannels: Int, kernel: Size2, stride: Size2 = Size2(square: 1),
                dilation: Size2 = Size2(square: 1), padding: Padding, groups: Int = 1) throws(GeometryError) {
        guard groups >= 1, input.channels % groups == 0, outChannels % groups == 0 else {
            throw GeometryError(
                "groups \(groups) must divide the input channels (\(input.channels)) and the output channels (\(outChannels))",
                hint: "groups=\(input.channels) is depthwise")
        }
        let rowRule: AxisGeometry.PadRule, colRule: AxisGeometry.PadRule
        switch padding {
        case .valid: (rowRule, colRule) = (.valid, .valid)
        case .same: (rowRule, colRule) = (.same, .same)
        case .full: (rowRule, colRule) = (.full, .full)
        case let .explicit(t, b, l, r): (rowRule, colRule) = (.explicit(before: t, after: b), .explicit(before: l, after: r))
        }
        self.input = input
        self.outChannels = outChannels
        self.groups = groups
        self.rows = try AxisGeometry(input: input.height, kernel: kernel.h, stride: stride.h,
                                     dilation: dilation.h, padding: rowRule, axis: "rows")
        self.cols = try AxisGeometry(input: input.width, kernel: kernel.w, stride: stride.w,
                                     dilation: dilation.w, padding: colRule, axis: "columns")
    }

    /// Axes resolved elsewhere (the denser geometries of `AxisGeometry+Denser.swift`).
    init(input: Shape, outChannels: Int, groups: Int, rows: AxisGeometry, cols: AxisGeometry) {
        self.input = input
        self.outChannels = outChannels
        self.groups = groups
        self.rows = rows
        self.cols = cols
    }

    public var output: Shape { Shape(channels: outChannels, height: rows.output, width: cols.output) }
    public var kernel: Size2 { Size2(rows.kernel, cols.kernel) }
    public var stride: Size2 { Size2(rows.stride, cols.stride) }
    public var dilation: Size2 { Size2(rows.dilation, cols.dilation) }

    /// Pads actually applied: top, bottom, left, right.
    public var pads: (top: Int, bottom: Int, left: Int, right: Int) {
        (rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter)
    }

    /// Input channels each output channel reads.
    public var inChannelsPerGroup: Int { input.channels / groups }

    /// Multiply-accumulates: `Cout * Hout * Wout * (Cin/groups) * kh * kw`; for a transposed
    /// convolution every input sample meets every tap once, `Cin * H * W * (Cout/groups) * kh * kw`;
    /// for a resize the interpolation taps per output sample (nearest copies: 0, bilinear: 4).
    public var macs: Int {
        switch rows.mapping {
        case .window: output.count * inChannelsPerGroup * rows.kernel * cols.kernel
        case .transposed: input.count * (outChannels / groups) * rows.kernel * cols.kernel
        case let .resize(mode, _): mode == .nearest ? 0 : output.count * 4
        }
    }

    /// Floating-point operations, two per MAC (the convention of SPEC §8).
    public var flops: Int { 2 * macs }

    /// Weights, plus one bias per output channel when `bias` is true.
    public func parameters(bias: Bool) -> Int {
        outChannels * inChannelsPerGroup * rows.kernel * cols.kernel + (bias ? outChannels : 0)
    }

    /// Bytes of the Float32 output.
    public var outputBytes: Int { output.count * MemoryLayout<Float>.size }

    /// Output activations per input activation.
    public var density: Double { Double(output.count) / Double(input.count) }
}

/// Receptive field and jump (effective stride) of a chain of stages, per axis.
///
/// A stage with window extent `e` and stride `s` turns (field `r`, jump `j`)
/// into (`r + (e-1)*j`, `j*s`).
public struct ReceptiveField: Hashable, Sendable {
    /// Input samples that one output sample depends on.
    public var size: Size2
    /// Input samples between neighbouring output samples.
    public var jump: Size2

    /// The field of the input itself: one sample, jump one.
    public static let identity = ReceptiveField(size: Size2(square: 1), jump: Size2(square: 1))

    /// The field after one more stage.
    public func then(_ g: ConvGeometry) -> ReceptiveField {
        if g.rows.mapping != .window { return denserThen(g) }
        return ReceptiveField(
            size: Size2(size.h + (g.rows.extent - 1) * jump.h, size.w + (g.cols.extent - 1) * jump.w),
            jump: Size2(jump.h * g.rows.stride, jump.w * g.cols.stride))
    }
}
