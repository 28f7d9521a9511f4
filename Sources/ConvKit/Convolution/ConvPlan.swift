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
/// `run` picks the implementation; each computes any band of output rows
/// from a strip of input rows, so images can later be streamed.
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
    private var packed: Blocked.Packed?
    private var factors: Separable.Factors?
    private var winograd: Winograd.Packed?

    /// `forcing` a path (default: `CONVKIT_KERNEL`) runs it wherever it applies.
    init(_ conv: Convolution, input: Shape, forcing: KernelPath? = KernelPath.forced) throws(GeometryError) {
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
        choosePath(forced: forcing)
    }

    /// Separable when every kernel is rank 1 and reads one channel; Winograd
    /// for 3x3 stride-1 layers with many channels; depthwise (or narrow) when
    /// a group has too few output channels to fill a register tile; blocked
    /// otherwise. Direct only when `CONVKIT_KERNEL=direct` is set.
    private mutating func choosePath(forced: KernelPath?) {
        if forced == .direct { return }
        if forced == nil, let f = Separable.factor(self) {
            factors = f
            path = .separable
        } else if forced == .gemm || (forced == nil && Gemm.preferred(geometry)), Gemm.applies(geometry) {
            packed = Blocked.Packed(self)
            path = .gemm
        } else if forced == nil || forced == .winograd, Winograd.applies(geometry) {
            winograd = Winograd.Packed(self)
            path = .winograd
        } else if forced == nil || forced == .depthwisePlanes, DepthwisePlanes.applies(geometry) {
            path = .depthwisePlanes
        } else if Depthwise.applies(geometry) {
            path = geometry.inChannelsPerGroup == 1 ? .depthwise : .narrow
        } else {
            packed = Blocked.Packed(self)
            path = Blocked.isPointwise(geometry) ? .pointwise : .blocked
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
        switch path {
        case .separable:
            if let factors { Separable.run(self, factors, strip: strip, outputRows: outputRows, into: out, threads: threads); return }
        case .winograd:
            if let winograd { Winograd.run(self, winograd, strip: strip, outputRows: outputRows, into: out, threads: threads); return }
        case .depthwise, .narrow:
            Depthwise.run(self, strip: strip, outputRows: outputRows, into: out, threads: threads); return
        case .blocked, .pointwise:
            if let packed { Blocked.run(self, packed, strip: strip, outputRows: outputRows, into: out, threads: threads); return }
        case .depthwisePlanes:
            DepthwisePlanes.run(self, strip: strip, outputRows: outputRows, into: out, threads: threads); return
        case .gemm:
            if let packed { Gemm.run(self, packed, strip: strip, outputRows: outputRows, into: out, threads: threads); return }
        case .direct:
            break
        }
        DirectConv.run(self, strip: strip, outputRows: outputRows, into: out, threads: threads)
    }
}

/// The implementation that runs a convolution, as `--json` and `bench` report it.
public enum KernelPath: String, Sendable, Codable {
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

    /// `CONVKIT_KERNEL=direct` forces the direct path (to compare or to rule out the fast kernels);
    /// `blocked` turns off the separable and Winograd paths, `winograd` the separable one.
    static let forced: KernelPath? = {
        guard let v = getenv("CONVKIT_KERNEL") else { return nil }
        return KernelPath(rawValue: String(cString: v))
    }()
}
