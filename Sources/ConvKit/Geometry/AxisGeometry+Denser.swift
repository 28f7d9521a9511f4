/// How a resize stage computes a sample from its neighbours.
///
/// - `nearest`: PyTorch `interpolate(mode="nearest")`, source `floor(o * in/out)`.
/// - `bilinear`: PyTorch `interpolate(mode="bilinear", align_corners=False)`:
///   source `max((o + 0.5) * in/out - 0.5, 0)`, between its two neighbours.
public enum ResizeMode: String, Hashable, Sendable, CaseIterable {
    case nearest, bilinear
}

extension AxisGeometry {
    /// How outputs relate to inputs along one axis.
    public enum Mapping: Hashable, Sendable {
        /// Output `o` reads the window `o*s - before + t*d` (convolution, pooling).
        case window
        /// Input `i` adds its taps onto outputs `i*s - padding + t*d`
        /// (PyTorch `conv_transpose2d`): the map gets denser by the stride.
        case transposed(outputPadding: Int)
        /// Output `o` interpolates input near `(o + 0.5) * scale - 0.5`, `scale`
        /// being input/output samples as PyTorch computes it (Float32).
        case resize(ResizeMode, scale: Float)
    }

    /// The axis of a transposed convolution, PyTorch's `conv_transpose2d` rule:
    /// `out = (in - 1)*s - 2*padding + d*(k-1) + output_padding + 1`.
    ///
    ///     let a = try AxisGeometry(transposedInput: 7, kernel: 3, stride: 2, dilation: 1, padding: 1, outputPadding: 1)
    ///     a.output   // 14
    ///
    /// `padding` removes samples from both ends of the full result (it is the
    /// padding of the convolution this one transposes); `outputPadding` adds
    /// samples at the end and must be smaller than the stride or the dilation.
    public init(transposedInput input: Int, kernel: Int, stride: Int, dilation: Int, padding: Int,
                outputPadding: Int, axis: String = "rows") throws(GeometryError) {
        guard input >= 1 else { throw GeometryError("the input has \(input) \(axis)") }
        guard kernel >= 1 else { throw GeometryError("kernel size \(kernel) along \(axis) is not >= 1") }
        guard stride >= 1 else { throw GeometryError("stride \(stride) is not >= 1", hint: "stride counts samples between windows") }
        guard dilation >= 1 else { throw GeometryError("dilation \(dilation) is not >= 1", hint: "dilation 1 means adjacent taps") }
        guard padding >= 0 else { throw GeometryError("padding \(padding) along \(axis) is negative") }
        guard outputPadding >= 0, outputPadding < stride || outputPadding < dilation else {
            throw GeometryError("output padding \(outputPadding) along \(axis) must be smaller than the stride (\(stride)) or the dilation (\(dilation))",
                                hint: "as in PyTorch; output padding only picks among the sizes a stride-\(stride) convolution maps to one")
        }
        let out = (input - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1
        guard out >= 1 else {
            throw GeometryError(
                "output would have \(out) \(axis): (\(input)-1)*\(stride) - 2*\(padding) + \(dilation)*(\(kernel)-1) + \(outputPadding) + 1 < 1",
                hint: "use less padding")
        }
        self.init(input: input, kernel: kernel, stride: stride, dilation: dilation, padBefore: padding, padAfter: padding,
                  output: out, mapping: .transposed(outputPadding: outputPadding))
    }

    /// The axis of a resize to `output` samples (PyTorch `interpolate` with
    /// `size`), or by an integer `factor` (with `scale_factor`: the output has
    /// `in * factor` samples and the scale is exactly `1/factor`).
    public init(resizing input: Int, to output: Int? = nil, factor: Int? = nil, mode: ResizeMode,
                axis: String = "rows") throws(GeometryError) {
        guard input >= 1 else { throw GeometryError("the input has \(input) \(axis)") }
        let out: Int, scale: Float
        if let factor {
            guard factor >= 1 else { throw GeometryError("upsample factor \(factor) is not >= 1", hint: "e.g. --upsample 2") }
            (out, scale) = (input * factor, Float(1.0 / Double(factor)))
        } else if let output {
            guard output >= 1 else { throw GeometryError("upsample size \(output) along \(axis) is not >= 1") }
            (out, scale) = (output, Float(input) / Float(output))
        } else {
            throw GeometryError("upsample needs a factor or a size", hint: "e.g. --upsample 2, or upsample {size: [480, 640]}")
        }
        self.init(input: input, kernel: mode == .nearest ? 1 : 2, stride: 1, dilation: 1, padBefore: 0, padAfter: 0,
                  output: out, mapping: .resize(mode, scale: scale))
    }

    /// True for transposed convolution and resize axes, which make the map denser.
    public var isDenser: Bool { mapping != .window }

    /// The output padding of a transposed axis, 0 otherwise.
    public var outputPadding: Int {
        if case let .transposed(p) = mapping { return p }
        return 0
    }

    // MARK: Transposed convolution

    /// The taps of a transposed axis that land on output `o`, with the input
    /// sample each comes from (`o = i*s - padding + t*d`), inputs inside the
    /// image only. Their count is the overlap at `o` (the checkerboard when
    /// the kernel size is not a multiple of the stride).
    public func transposedSources(output o: Int) -> [(tap: Int, input: Int)] {
        var out: [(tap: Int, input: Int)] = []
        for t in 0..<kernel {
            let n = o + padBefore - t * dilation
            guard n >= 0, n % stride == 0, n / stride < input else { continue }
            out.append((t, n / stride))
        }
        return out
    }

    /// One output phase of a transposed axis: the outputs `first + m*stride`
    /// (`m` in `0..<count`) all receive the same taps, and tap `t` reads input
    /// `inputOfFirst + m` (which may lie outside the image: then it adds nothing).
    public struct Phase: Hashable, Sendable {
        public var first: Int
        public var count: Int
        public var taps: [Int]
        public var inputOfFirst: [Int]
    }

    /// The `stride` phases of a transposed axis (phases without outputs are left out).
    public var transposedPhases: [Phase] {
        var phases: [Phase] = []
        for first in 0..<min(stride, output) {
            let count = (output - first + stride - 1) / stride
            var taps: [Int] = [], inputs: [Int] = []
            for t in 0..<kernel {
                let n = first + padBefore - t * dilation
                guard n.floorMod(stride) == 0 else { continue }
                taps.append(t)
                inputs.append(n.floorDiv(stride))
            }
            phases.append(Phase(first: first, count: count, taps: taps, inputOfFirst: inputs))
        }
        return phases
    }

    /// Most input samples before 0 and beyond the last that a phase's taps reach.
    public var transposedReach: (before: Int, after: Int) {
        var before = 0, after = 0
        for p in transposedPhases {
            for i in p.inputOfFirst {
                before = max(before, -i)
                after = max(after, i + p.count - input)
            }
        }
        return (before, after)
    }

    // MARK: Resize

    /// The two input samples output `o` of a resize axis interpolates and the
    /// weight of the second (PyTorch's computation in Float32); nearest gives
    /// one sample twice and weight 0.
    public func resizeSource(output o: Int) -> (first: Int, second: Int, weight: Float) {
        guard case let .resize(mode, scale) = mapping else { return (o, o, 0) }
        switch mode {
        case .nearest:
            if output == input { return (o, o, 0) }
            let i = output == 2 * input ? o >> 1 : min(Int((Float(o) * scale).rounded(.down)), input - 1)
            return (i, i, 0)
        case .bilinear:
            let real = max(scale * (Float(o) + 0.5) - 0.5, 0)
            let i = min(Int(real), input - 1)
            let next = i < input - 1 ? i + 1 : i
            return (i, next, min(max(real - Float(i), 0), 1))
        }
    }

    // MARK: What the pipeline code asks of every axis

    /// The input index (in the pad when outside `0..<input`) that tap `tap` of
    /// output `o` reads, or nil when the tap lands on no sample (a transposed
    /// tap between inputs, a bilinear second sample of weight 0). For a window
    /// axis this is ``inputIndex(output:tap:)``. What the analyses use.
    public func sourceIndex(output o: Int, tap: Int) -> Int? {
        switch mapping {
        case .window:
            return inputIndex(output: o, tap: tap)
        case .transposed:
            let n = o + padBefore - tap * dilation
            guard n.floorMod(stride) == 0 else { return nil }
            let i = n.floorDiv(stride)
            return i >= 0 && i < input ? i : nil
        case .resize:
            let s = resizeSource(output: o)
            if tap == 0 { return s.first }
            return s.weight > 0 ? s.second : nil
        }
    }

    /// ``inputRange(forOutputs:)`` of a denser axis.
    func denserInputRange(forOutputs outputs: Range<Int>) -> Range<Int> {
        switch mapping {
        case .window:
            return inputRange(forOutputs: outputs)
        case .transposed:
            // Output o reads inputs (o + padding - t*d) / s for the taps that divide evenly.
            let lo = (outputs.lowerBound + padBefore - (kernel - 1) * dilation + stride - 1).floorDiv(stride)
            let hi = (outputs.upperBound - 1 + padBefore).floorDiv(stride)
            return lo <= hi ? lo..<(hi + 1) : lo..<lo
        case .resize:
            let a = resizeSource(output: outputs.lowerBound), b = resizeSource(output: outputs.upperBound - 1)
            return a.first..<(max(b.first, b.second) + 1)
        }
    }

    /// ``unread`` of a denser axis: inputs no output takes anything from.
    var denserUnread: [Int] {
        var read = [Bool](repeating: false, count: input)
        for o in 0..<output {
            switch mapping {
            case .window, .transposed:
                for s in transposedSources(output: o) { read[s.input] = true }
            case let .resize(mode, _):
                let s = resizeSource(output: o)
                read[s.first] = true
                if mode == .bilinear && s.weight > 0 { read[s.second] = true }
            }
        }
        return read.indices.filter { !read[$0] }
    }
}

extension ReceptiveField {
    /// The field after a denser stage: a transposed output depends on at most
    /// `floor(d*(k-1)/s) + 1` inputs, a bilinear one on 2, a nearest one on 1;
    /// the jump shrinks by the stride (or factor), rounded up to a whole input
    /// sample (a transposed stride-2 stage right after the input has jump 1/2,
    /// reported as 1).
    func denserThen(_ g: ConvGeometry) -> ReceptiveField {
        func axis(_ a: AxisGeometry, _ r: Int, _ j: Int) -> (Int, Int) {
            switch a.mapping {
            case .window:
                return (r + (a.extent - 1) * j, j * a.stride)
            case .transposed:
                return (r + (a.dilation * (a.kernel - 1) / a.stride) * j, max(1, (j + a.stride - 1) / a.stride))
            case let .resize(mode, _):
                let factor = max(1, a.output / a.input)
                return (r + (mode == .bilinear ? j : 0), max(1, (j + factor - 1) / factor))
            }
        }
        let (rh, jh) = axis(g.rows, size.h, jump.h), (rw, jw) = axis(g.cols, size.w, jump.w)
        return ReceptiveField(size: Size2(rh, rw), jump: Size2(jh, jw))
    }
}

extension ConvGeometry {
    /// A transposed convolution's geometry: weights `(Cin, Cout/groups, kh, kw)`,
    /// sizes by ``AxisGeometry/init(transposedInput:kernel:stride:dilation:padding:outputPadding:axis:)``.
    ///
    ///     let g = try ConvGeometry(transposing: Shape(channels: 8, height: 7, width: 7), outChannels: 4,
    ///                              kernel: Size2(square: 4), stride: Size2(square: 2), padding: Size2(square: 1))
    ///     g.output   // 4x14x14
    public init(transposing input: Shape, outChannels: Int, kernel: Size2, stride: Size2 = Size2(square: 1),
                dilation: Size2 = Size2(square: 1), padding: Size2 = Size2(square: 0),
                outputPadding: Size2 = Size2(square: 0), groups: Int = 1) throws(GeometryError) {
        guard groups >= 1, input.channels % groups == 0, outChannels % groups == 0 else {
            throw GeometryError(
                "groups \(groups) must divide the input channels (\(input.channels)) and the output channels (\(outChannels))",
                hint: "transposed weights are (Cin, Cout/groups, kh, kw)")
        }
        let rows = try AxisGeometry(transposedInput: input.height, kernel: kernel.h, stride: stride.h, dilation: dilation.h,
                                    padding: padding.h, outputPadding: outputPadding.h, axis: "rows")
        let cols = try AxisGeometry(transposedInput: input.width, kernel: kernel.w, stride: stride.w, dilation: dilation.w,
                                    padding: padding.w, outputPadding: outputPadding.w, axis: "columns")
        self.init(input: input, outChannels: outChannels, groups: groups, rows: rows, cols: cols)
    }

    /// A resize's geometry: channels unchanged, by `factor` or to `size`.
    public init(resizing input: Shape, factor: Size2? = nil, size: Size2? = nil, mode: ResizeMode) throws(GeometryError) {
        let rows = try AxisGeometry(resizing: input.height, to: size?.h, factor: factor?.h, mode: mode, axis: "rows")
        let cols = try AxisGeometry(resizing: input.width, to: size?.w, factor: factor?.w, mode: mode, axis: "columns")
        self.init(input: input, outChannels: input.channels, groups: input.channels, rows: rows, cols: cols)
    }

    /// The output padding of a transposed geometry (zero otherwise).
    public var outputPadding: Size2 { Size2(rows.outputPadding, cols.outputPadding) }

    /// Kernel taps landing on output `(y, x)` of a transposed geometry: the
    /// product of the rows' and the columns' counts.
    public func overlap(y: Int, x: Int) -> Int {
        rows.transposedSources(output: y).count * cols.transposedSources(output: x).count
    }
}

extension Int {
    /// The remainder of ``floorDiv(_:)``, in `0..<d` for positive `d`.
    @inline(__always)
    func floorMod(_ d: Int) -> Int { self - floorDiv(d) * d }
}
