/// An element-wise function applied after the bias.
public enum Activation: String, Sendable, CaseIterable {
    case none, relu, abs

    @inline(__always)
    func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .none: x
        case .relu: x > 0 ? x : 0
        case .abs: Swift.abs(x)
        }
    }
}

/// One 2-D kernel, row-major.
///
///     let sobelX = try Kernel2D(rows: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
public struct Kernel2D: Hashable, Sendable {
    public let size: Size2
    public let values: [Float]

    public init(size: Size2, values: [Float]) throws(GeometryError) {
        guard size.h >= 1, size.w >= 1, values.count == size.h * size.w else {
            throw GeometryError("a \(size.h)x\(size.w) kernel needs \(max(size.h * size.w, 1)) values, got \(values.count)")
        }
        guard values.allSatisfy(\.isFinite) else {
            throw GeometryError("the kernel holds NaN or infinity", hint: "write every weight as a finite number")
        }
        self.size = size
        self.values = values
    }

    /// A kernel from its rows, which must be non-empty and of equal length.
    public init(rows: [[Float]]) throws(GeometryError) {
        guard let w = rows.first?.count, w > 0, rows.allSatisfy({ $0.count == w }) else {
            throw GeometryError("the kernel's rows are empty or of unequal length",
                                hint: "every row needs the same number of values")
        }
        try self.init(size: Size2(rows.count, w), values: rows.flatMap { $0 })
    }
}

/// Convolution weights in PyTorch's layout, (Cout, Cin/groups, kh, kw).
public struct ConvWeights: Hashable, Sendable {
    public let outChannels: Int
    public let inChannelsPerGroup: Int
    public let kernel: Size2
    public let values: [Float]

    public init(outChannels: Int, inChannelsPerGroup: Int, kernel: Size2, values: [Float]) throws(GeometryError) {
        let n = outChannels * inChannelsPerGroup * kernel.h * kernel.w
        guard outChannels >= 1, inChannelsPerGroup >= 1, kernel.h >= 1, kernel.w >= 1, values.count == n else {
            throw GeometryError(
                "weights of shape (\(outChannels), \(inChannelsPerGroup), \(kernel.h), \(kernel.w)) need \(n) values, got \(values.count)",
                hint: "weights are (Cout, Cin/groups, kh, kw)")
        }
        guard values.allSatisfy(\.isFinite) else {
            throw GeometryError("the weights hold NaN or infinity")
        }
        self.outChannels = outChannels
        self.inChannelsPerGroup = inChannelsPerGroup
        self.kernel = kernel
        self.values = values
    }

    /// Every kernel rotated by 180 degrees: true convolution instead of cross-correlation.
    public func flipped() -> ConvWeights {
        let k = kernel.h * kernel.w
        var out = values
        for base in stride(from: 0, to: values.count, by: k) {
            for i in 0..<k { out[base + i] = values[base + k - 1 - i] }
        }
        // Counts are unchanged, so this cannot fail.
        return (try? ConvWeights(outChannels: outChannels, inChannelsPerGroup: inChannelsPerGroup,
                                 kernel: kernel, values: out)) ?? self
    }
}

/// A 2-D convolution: what to compute, independent of how.
///
/// Semantics are PyTorch's `torch.nn.functional.conv2d` (cross-correlation)
/// applied after the padding this value describes; `flip` rotates every
/// kernel by 180 degrees (true convolution).
///
/// Filters are either PyTorch weights with `groups`, or a bank of K 2-D
/// kernels applied to every channel on its own (the convention of
/// ImageMagick, OpenCV and GIMP), giving K*C maps in kernel-major order
/// (k0c0, k0c1, ..., k1c0, ...).
///
///     var conv = Convolution(kernels: [try Kernel2D(rows: [[1, 2, 1]])])
///     conv.padding = .same
///     conv.padMode = .replicate
///     let out = try conv.run(image)
public struct Convolution: Hashable, Sendable {
    public enum Filters: Hashable, Sendable {
        case weights(ConvWeights, groups: Int)
        case perChannel([Kernel2D])
    }

    public var filters: Filters
    /// One value per output channel, or nil.
    public var bias: [Float]?
    public var stride = Size2(square: 1)
    public var dilation = Size2(square: 1)
    public var padding: Padding = .valid
    public var padMode: PadMode = .zeros
    /// What `zeros` padding holds (the `--pad-value`); ignored by other modes.
    public var padValue: Float = 0
    public var flip = false
    public var activation: Activation = .none
    /// The implementation to run, whatever the cost model prefers (nil: its choice). Running
    /// throws when the path cannot compute this convolution (see ``paths(for:threads:)``).
    public var forcedPath: KernelPath?

    public init(filters: Filters) { self.filters = filters }
    public init(weights: ConvWeights, groups: Int = 1) { self.filters = .weights(weights, groups: groups) }
    public init(kernels: [Kernel2D]) { self.filters = .perChannel(kernels) }

    /// Kernel size, which every filter shares.
    public var kernelSize: Size2? {
        switch filters {
        case let .weights(w, _): w.kernel
        case let .perChannel(ks): ks.first?.size
        }
    }

    /// Output channels for `inputChannels` input channels.
    public func outputChannels(forInputChannels c: Int) -> Int {
        switch filters {
        case let .weights(w, _): w.outChannels
        case let .perChannel(ks): ks.count * c
        }
    }

    /// The resolved geometry on `input`, or an error saying why it does not fit.
    public func geometry(for input: Shape) throws(GeometryError) -> ConvGeometry {
        let groups: Int
        switch filters {
        case let .weights(w, g):
            guard g >= 1, input.channels % g == 0, w.outChannels % g == 0 else {
                throw GeometryError(
                    "groups \(g) must divide the input channels (\(input.channels)) and the output channels (\(w.outChannels))",
                    hint: "groups=\(input.channels) is depthwise")
            }
            guard w.inChannelsPerGroup * g == input.channels else {
                throw GeometryError(
                    "weights of shape (\(w.outChannels), \(w.inChannelsPerGroup), \(w.kernel.h), \(w.kernel.w)) with groups=\(g) "
                        + "expect \(w.inChannelsPerGroup * g) input channels, but the input has \(input.channels)",
                    hint: "use --color to change the input's channels, or weights with Cin/groups = \(input.channels / g)")
            }
            groups = g
        case let .perChannel(ks):
            guard let first = ks.first else { throw GeometryError("the kernel bank is empty") }
            guard ks.allSatisfy({ $0.size == first.size }) else {
                throw GeometryError("the kernels of a bank differ in size", hint: "give every kernel the same size")
            }
            groups = input.channels
        }
        if let bias, bias.count != outputChannels(forInputChannels: input.channels) {
            throw GeometryError("bias has \(bias.count) values, the convolution has \(outputChannels(forInputChannels: input.channels)) output channels")
        }
        guard let k = kernelSize else { throw GeometryError("the convolution has no kernel") }
        return try ConvGeometry(input: input, outChannels: outputChannels(forInputChannels: input.channels),
                                kernel: k, stride: stride, dilation: dilation, padding: padding, groups: groups)
    }

    /// Runs the convolution on a whole tensor. `threads` nil uses every core;
    /// `path` nil lets convkit choose the implementation, else runs that one
    /// (throwing when it cannot run this geometry; see ``paths(for:)``).
    ///
    ///     let fast = try conv.run(image)
    ///     let reference = try conv.run(image, path: .direct)
    public func run(_ input: Tensor, threads: Int? = nil, path: KernelPath? = nil) throws(GeometryError) -> Tensor {
        try ConvPlan(self, input: input.shape, path: path).run(input, threads: threads ?? defaultThreadCount)
    }

    /// Runs the convolution on tensors of one shape, images spread over the
    /// threads (each image on one thread), as a batch of small images wants.
    public func run(batch inputs: [Tensor], threads: Int? = nil) throws(GeometryError) -> [Tensor] {
        guard let first = inputs.first else { return [] }
        guard inputs.allSatisfy({ $0.shape == first.shape }) else {
            throw GeometryError("the images of a batch differ in shape", hint: "convert them to one size first")
        }
        let plan = try ConvPlan(self, input: first.shape)
        let workers = max(1, min(threads ?? defaultThreadCount, inputs.count))
        var outputs = [Tensor?](repeating: nil, count: inputs.count)
        outputs.withUnsafeMutableBufferPointer { out in
            parallelFor(workers) { w in
                for i in (inputs.count * w / workers)..<(inputs.count * (w + 1) / workers) {
                    out[i] = plan.run(inputs[i], threads: 1)
                }
            }
        }
        return outputs.map { $0 ?? Tensor(zeros: plan.geometry.output) }
    }

    /// The implementation that would run on an input of `shape` (the cost model's choice,
    /// or `CONVKIT_KERNEL`'s), found without preparing the weights.
    public func path(for shape: Shape) throws(GeometryError) -> KernelPath {
        try ConvPlan(self, input: shape, prepare: false).path
    }

    /// Every implementation that can run this convolution on an input of `shape`,
    /// each with the cost model's estimate in milliseconds on `threads` threads
    /// (nil for `direct`, which runs only when asked for).
    public func paths(for shape: Shape, threads: Int? = nil) throws(GeometryError) -> [(path: KernelPath, estimate: Double?)] {
        let plan = try ConvPlan(self, input: shape, prepare: false)
        return PathEntry.applicable(plan).map { ($0.path, $0.cost(plan.geometry, threads ?? defaultThreadCount)) }
    }
}

extension ConvWeights {
    /// All-zero weights of the right shape, for describing a layer by its
    /// sizes alone (`convkit shape --out-channels 32 --kernel-size 3`).
    public static func zeros(outChannels: Int, inChannels: Int, groups: Int, kernel: Size2) throws(GeometryError) -> ConvWeights {
        guard groups >= 1, inChannels % groups == 0, outChannels % groups == 0 else {
            throw GeometryError("groups \(groups) must divide the input channels (\(inChannels)) and the output channels (\(outChannels))")
        }
        let cin = inChannels / groups
        return try ConvWeights(outChannels: outChannels, inChannelsPerGroup: cin, kernel: kernel,
                               values: [Float](repeating: 0, count: outChannels * cin * kernel.h * kernel.w))
    }
}
