import Dispatch

/// Worker threads when a caller does not say: one per core.
public var defaultThreadCount: Int { max(1, System.activeProcessorCount) }

enum System {
    static var activeProcessorCount: Int {
        // sysconf is what ProcessInfo uses on Linux; reading it here keeps ConvKit free of Foundation.
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A convolution resolved for one input shape: geometry, weights ready for
/// the kernels (flipped, in grouped order), and where each output goes.
/// `run` calls the implementation chosen in `init` (see ``PathEntry``); each
/// computes any band of output rows from a strip of input rows, so images can be streamed.
struct ConvPlan: Sendable {
    let geometry: ConvGeometry
    /// (Cout, Cin/groups, kh, kw), in grouped order: output `o` belongs to group `o / (Cout/groups)`.
    let weights: [Float]
    let bias: [Float]?
    /// Channel of the result that grouped output `o` is written to.
    let destination: [Int]
    let padMode: PadMode
    let padValue: Float
    let activation: Activation
    /// The implementation chosen for this geometry.
    private(set) var path: KernelPath = .direct
    /// The weights as `path` wants them (packed, transformed, factored), made once per
    /// convolution and input channel count and shared through ``PreparedCache``.
    private(set) var prepared: Prepared = .none

    /// Weights as one path wants them.
    enum Prepared: Sendable {
        case none
        case blocked(Blocked.Packed)
        case separable(Separable.Factors)
        case winograd(Winograd.Packed)

        /// Floats held, for the cache's budget.
        var floats: Int {
            switch self {
            case .none: 0
            case let .blocked(p): p.weights.count + p.bias.count
            case let .separable(f): f.column.count + f.row.count
            case let .winograd(p): p.weights.count
            }
        }
    }

    /// - Parameters:
    ///   - path: the implementation to run; nil takes the convolution's `forcedPath`, else lets the
    ///     cost model choose (``PathEntry/cheapest``), or `CONVKIT_KERNEL` when it names a path
    ///     that applies. A path that cannot run the geometry throws.
    ///   - prepare: false resolves the path without preparing weights (to report it).
    ///   - cached: false prepares afresh, bypassing ``PreparedCache`` (to time preparation).
    init(_ conv: Convolution, input: Shape, path: KernelPath? = nil, prepare: Bool = true,
         cached: Bool = true) throws(GeometryError) {
        let forced = path ?? conv.forcedPath
        let g = try conv.geometry(for: input)
        let k = g.kernel.h * g.kernel.w
        var weights: [Float]
        var destination = Array(0..<g.outChannels)
        switch conv.filters {
        case let .weights(w, _):
            weights = (conv.flip ? w.flipped() : w).values
        case let .perChannel(kernels):
            // Grouped order puts the K maps of channel c together (o = c*K + k);
            // the result is kernel-major (k*C + c), as ImageMagick and OpenCV users expect.
            let c = input.channels, n = kernels.count
            weights = [Float](repeating: 0, count: c * n * k)
            for ci in 0..<c {
                for ki in 0..<n {
                    let o = ci * n + ki
                    for i in 0..<k {
                        weights[o * k + i] = conv.flip ? kernels[ki].values[k - 1 - i] : kernels[ki].values[i]
                    }
                    destination[o] = ki * c + ci
                }
            }
        }
        var bias = conv.bias
        if let b = bias {
            // Bias is given per result channel; reorder it to grouped order.
            bias = destination.map { b[$0] }
        }
        self.geometry = g
        self.weights = weights
        self.bias = bias
        self.destination = destination
        self.padMode = conv.padMode
        self.padValue = conv.padValue
        self.activation = conv.activation
        PlanCounter.current?.countPlan()
        if let forced {
            guard let entry = PathEntry.entry(forced), entry.applies(self) else {
                throw GeometryError("the \(forced.rawValue) path cannot run this convolution",
                                    hint: "paths that can: \(PathEntry.applicable(self).map(\.path.rawValue).joined(separator: ", "))")
            }
            self.path = forced
        } else if let env = KernelPath.forced, let entry = PathEntry.entry(env), entry.applies(self) {
            self.path = env
        } else {
            self.path = PathEntry.cheapest(self).path
        }
        if prepare, let entry = PathEntry.entry(self.path) {
            prepared = cached ? PreparedCache.shared.prepared(conv, channels: input.channels, path: self.path) { entry.prepare(self) }
                : entry.prepare(self)
        }
    }

    /// The whole output of `input`.
    func run(_ input: Tensor, threads: Int) -> Tensor {
        let count = geometry.output.count
        // Every path writes every output element, so the buffer starts uninitialised.
        let out = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            adviseHugePages(buffer)
            input.data.withUnsafeBufferPointer { src in
                let strip = RowStrip(base: src, shape: input.shape, firstRow: 0, rowCount: input.height)
                run(strip, outputRows: 0..<geometry.rows.output, into: buffer, threads: threads)
            }
            initialized = count
        }
        return Tensor(shape: geometry.output, data: out)
    }

    /// Computes `outputRows` of every output channel from `strip`, which must
    /// hold the input rows those outputs read (`geometry.rows.inputRange`,
    /// mapped through the pad mode). `out` holds exactly those output rows.
    func run(_ strip: RowStrip, outputRows: Range<Int>, into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        switch (path, prepared) {
        case let (.separable, .separable(factors)):
            Separable.run(self, factors, strip: strip, outputRows: outputRows, into: out, threads: threads)
        case let (.winograd, .winograd(packed)):
            Winograd.run(self, packed, strip: strip, outputRows: outputRows, into: out, threads: threads)
        case (.depthwise, _), (.narrow, _):
            Depthwise.run(self, strip: strip, outputRows: outputRows, into: out, threads: threads)
        case let (.pointwise, .blocked(packed)):
            Blocked.run(self, packed, strip: strip, outputRows: outputRows, into: out, threads: threads)
        case let (.blocked, .blocked(packed)):
            Blocked.runBanded(self, packed, strip: strip, outputRows: outputRows, into: out, threads: threads)
        case let (.gemm, .blocked(packed)):
            Gemm.run(self, packed, strip: strip, outputRows: outputRows, into: out, threads: threads)
        case (.depthwisePlanes, _):
            DepthwisePlanes.run(self, strip: strip, outputRows: outputRows, into: out, threads: threads)
        default:
            // direct, or a plan made with `prepare: false`.
            DirectConv.run(self, strip: strip, outputRows: outputRows, into: out, threads: threads)
        }
    }
}

/// The implementation that runs a convolution, as `--json` and `bench` report it.
public enum KernelPath: String, Sendable, Codable, CaseIterable {
    /// Padded copy, then a scaled-row sum per output channel: the reference schedule.
    case direct
    /// Register-tiled channels x pixels micro-kernels over a padded band.
    case blocked
    /// One input channel per output (groups = channels), not rank 1: a vectorised row loop over a padded band.
    case depthwise
    /// Fewer output channels per group than a register tile (e.g. RGB to one channel): the depthwise row loop
    /// summing over the group's input channels.
    case narrow
    /// 1x1 stride 1: a blocked matrix product over channel planes read in place.
    case pointwise
    /// Rank-1 kernels as a vertical then a horizontal 1-D pass.
    case separable
    /// 3x3 stride 1 with many channels: Winograd F(4x4, 3x3), 4x fewer multiplies.
    case winograd
    /// Implicit GEMM: the output pixels of a chunk of rows, flattened, unrolled into a packed panel
    /// [tile][tap][pixel], times the packed weights in register tiles; split over output-channel blocks.
    case gemm
    /// One input channel per output (depthwise), not rank 1: each channel's padded band split into
    /// stride-phase planes, filtered as one flattened row; split over channels.
    case depthwisePlanes = "depthwise-planes"

    /// `CONVKIT_KERNEL=P` runs path P wherever it applies (the cost model chooses elsewhere):
    /// `direct` to compare with or to rule out the fast kernels.
    static let forced: KernelPath? = {
        guard let v = getenv("CONVKIT_KERNEL") else { return nil }
        return KernelPath(rawValue: String(cString: v))
    }()
}
