import ConvKit

/// The convolution written once, as plainly as possible: the algorithm every
/// faster kernel of ConvKit is a schedule of (STYLE habit 2).
///
/// PyTorch `conv2d` semantics (cross-correlation) on the input padded by
/// `pads` with `mode`: six nested loops, Double accumulation, no blocking.
/// Padding is resolved per tap by ``referencePadIndex(_:count:mode:)``, which
/// folds an index back into the input the way `numpy.pad` builds its pads,
/// written without the library's `PadMode.sourceIndex`.
///
///     let out = referenceConv2D(input, weights: w, outChannels: 2, kernel: Size2(3, 3),
///                               pads: (1, 1, 1, 1), mode: .reflect)
///
/// - Parameters:
///   - weights: (Cout, Cin/groups, kh, kw), row-major.
///   - bias: one value per output channel, or nil.
///   - pads: top, bottom, left, right.
///   - value: what `.zeros` padding holds.
/// - Returns: (Cout, Hout, Wout) with `out = floor((in + pads - d*(k-1) - 1) / s) + 1`;
///   the caller must pass a geometry with `out >= 1` on both axes.
public func referenceConv2D(
    _ input: Tensor, weights: [Float], outChannels: Int, kernel: Size2, bias: [Float]? = nil,
    groups: Int = 1, stride: Size2 = Size2(square: 1), dilation: Size2 = Size2(square: 1),
    pads: (top: Int, bottom: Int, left: Int, right: Int), mode: PadMode = .zeros, value: Float = 0,
    activation: Activation = .none
) -> Tensor {
    let cin = input.channels, h = input.height, w = input.width
    let (kh, kw) = (kernel.h, kernel.w)
    precondition(groups >= 1 && cin % groups == 0 && outChannels % groups == 0, "groups must divide channels")
    let cpg = cin / groups, opg = outChannels / groups
    precondition(weights.count == outChannels * cpg * kh * kw, "weights must be (Cout, Cin/groups, kh, kw)")
    precondition(bias == nil || bias!.count == outChannels, "one bias per output channel")
    let hp = h + pads.top + pads.bottom, wp = w + pads.left + pads.right
    let ho = (hp - dilation.h * (kh - 1) - 1) / stride.h + 1
    let wo = (wp - dilation.w * (kw - 1) - 1) / stride.w + 1
    precondition(hp - dilation.h * (kh - 1) - 1 >= 0 && wp - dilation.w * (kw - 1) - 1 >= 0,
                 "the reference needs an output of at least 1x1")

    /// The padded sample at input coordinates (y, x), which may lie in the pad.
    func sample(_ c: Int, _ y: Int, _ x: Int) -> Double {
        guard let sy = referencePadIndex(y, count: h, mode: mode),
              let sx = referencePadIndex(x, count: w, mode: mode) else { return Double(value) }
        return Double(input.data[(c * h + sy) * w + sx])
    }

    var out = [Float](repeating: 0, count: outChannels * ho * wo)
    for o in 0..<outChannels {
        let g = o / opg
        for oy in 0..<ho {
            for ox in 0..<wo {
                var acc = Double(bias?[o] ?? 0)
                for ci in 0..<cpg {
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let y = oy * stride.h + ky * dilation.h - pads.top
                            let x = ox * stride.w + kx * dilation.w - pads.left
                            let wt = Double(weights[((o * cpg + ci) * kh + ky) * kw + kx])
                            acc += wt * sample(g * cpg + ci, y, x)
                        }
                    }
                }
                let v: Double
                switch activation {
                case .none: v = acc
                case .relu: v = max(acc, 0)
                case .abs: v = Swift.abs(acc)
                }
                out[(o * ho + oy) * wo + ox] = Float(v)
            }
        }
    }
    return Tensor(shape: Shape(channels: outChannels, height: ho, width: wo), data: out)
}

/// The input index that position `i` (input coordinates, possibly in the pad)
/// of an axis of `n` samples reads under `mode`, or nil for the constant.
///
/// Folds `i` back across the edges one reflection at a time, as `numpy.pad`
/// extends an array chunk by chunk, so pads wider than the input repeat:
///
///     // np.pad(np.arange(4), (9, 9), mode="reflect")[0] == 3
///     referencePadIndex(-9, count: 4, mode: .reflect)   // 3
public func referencePadIndex(_ i: Int, count n: Int, mode: PadMode) -> Int? {
    precondition(n >= 1, "an axis needs a sample")
    var i = i
    switch mode {
    case .zeros:
        return (0..<n).contains(i) ? i : nil
    case .replicate:
        return min(max(i, 0), n - 1)
    case .circular:
        while i < 0 { i += n }
        while i >= n { i -= n }
        return i
    case .reflect:
        // d c b | a b c d | c b a: the edge sample is not repeated.
        if n == 1 { return 0 }
        while i < 0 || i >= n { i = i < 0 ? -i : 2 * (n - 1) - i }
        return i
    case .symmetric:
        // b a | a b c d | d c: the edge sample is repeated.
        while i < 0 || i >= n { i = i < 0 ? -i - 1 : 2 * n - 1 - i }
        return i
    }
}

/// Every kernel of (Cout, Cin/groups, kh, kw) weights rotated by 180 degrees.
public func referenceFlip(_ weights: [Float], kernel: Size2) -> [Float] {
    var out = weights
    let (kh, kw) = (kernel.h, kernel.w)
    for base in stride(from: 0, to: weights.count, by: kh * kw) {
        for ky in 0..<kh {
            for kx in 0..<kw {
                out[base + ky * kw + kx] = weights[base + (kh - 1 - ky) * kw + (kw - 1 - kx)]
            }
        }
    }
    return out
}

/// A bank of K 2-D kernels applied to each of `channels` channels, as a
/// grouped convolution (groups = C) in PyTorch's layout, plus where each
/// grouped output goes in convkit's kernel-major result (k*C + c).
public func referenceBankWeights(_ kernels: [Kernel2D], channels: Int) -> (weights: [Float], destination: [Int]) {
    var weights: [Float] = []
    var destination: [Int] = []
    for c in 0..<channels {
        for (k, kernel) in kernels.enumerated() {
            weights += kernel.values
            destination.append(k * channels + c)
        }
    }
    return (weights, destination)
}

/// Reorders channels: channel `i` of `t` becomes channel `destination[i]`.
public func referencePermuteChannels(_ t: Tensor, to destination: [Int]) -> Tensor {
    var out = t
    let n = t.shape.planeCount
    for (i, d) in destination.enumerated() {
        out.data.replaceSubrange((d * n)..<((d + 1) * n), with: t.data[(i * n)..<((i + 1) * n)])
    }
    return out
}
