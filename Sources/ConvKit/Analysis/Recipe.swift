/// The code (or command) that reproduces a pipeline in another system, as
/// `convkit shape ... --emit SYSTEM` prints it.
///
/// The Python recipes are complete scripts: they read a (C, H, W) float32
/// `.npy` (what `convkit apply IMAGE -o input.npy` writes; first argument,
/// default `input.npy`), run every stage, and save the (C, H, W) result
/// (second argument, default `output.npy`), so their output can be compared
/// with convkit's. Where the system cannot express a setting (OpenCV
/// `filter2D` has no stride, PyTorch has no symmetric padding, ...), a
/// comment says so and the recipe does that part with NumPy.
///
///     let text = Recipe.emit(pipeline, stages: try pipeline.plan(for: shape), for: .torch)
public enum RecipeTarget: String, Sendable, CaseIterable {
    /// PyTorch: `F.pad` and `F.conv2d`.
    case torch
    /// TensorFlow: `tf.pad` and `tf.nn.conv2d` (NHWC).
    case tf
    /// OpenCV: `cv2.filter2D` with anchors and border types.
    case opencv
    /// SciPy: `scipy.ndimage.correlate` with modes and origins.
    case scipy
    /// NumPy alone: `np.pad` and a sliding window.
    case numpy
    /// ImageMagick: `magick ... -morphology Correlate`.
    case im
}

public enum Recipe {
    /// The recipe of `pipeline` (planned as `stages`) in `target`.
    public static func emit(_ pipeline: Pipeline, stages: [StageReport], for target: RecipeTarget) -> String {
        switch target {
        case .numpy: NumPyRecipe(pipeline: pipeline, stages: stages).text
        case .scipy: SciPyRecipe(pipeline: pipeline, stages: stages).text
        case .opencv: OpenCVRecipe(pipeline: pipeline, stages: stages).text
        case .torch: TorchRecipe(pipeline: pipeline, stages: stages).text
        case .tf: TFRecipe(pipeline: pipeline, stages: stages).text
        case .im: IMRecipe(pipeline: pipeline, stages: stages).text
        }
    }
}

// MARK: - Shared pieces of the Python recipes

/// Lines of Python, with helpers every recipe shares.
struct PythonLines {
    var lines: [String] = []

    mutating func add(_ s: String) { lines.append(s) }
    mutating func comment(_ s: String) { lines.append("# " + s) }

    static func header(_ system: String, _ stages: [StageReport], imports: [String]) -> [String] {
        let input = stages.first?.geometry.input
        var l = ["# convkit \(convkitVersion) recipe for \(system): "
                 + (stages.isEmpty ? "no stages" : stages.map(\.summary).joined(separator: " | "))]
        if let input { l.append("# input (C, H, W) = (\(input.channels), \(input.height), \(input.width)); run: python3 recipe.py input.npy output.npy") }
        l.append("# input.npy: `convkit apply IMAGE -o input.npy` (float32, C x H x W); output.npy: float32, C x H x W.")
        l += ["import sys", "import numpy as np"] + imports
        l.append("x = np.load(sys.argv[1] if len(sys.argv) > 1 else \"input.npy\").astype(np.float64)")
        return l
    }

    static let footer = "np.save(sys.argv[2] if len(sys.argv) > 2 else \"output.npy\", x.astype(np.float32))"

    /// The colour conversion of `--color` (and color stages), on `x` (C, H, W).
    static func color(_ mode: ColorMode) -> [String] {
        switch mode {
        case .keep: []
        case .gray: ["# color gray: ITU-R BT.601 luma, alpha dropped",
                     "x = x[:1] if x.shape[0] <= 2 else (0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2])[None]"]
        case .rgb: ["# color rgb: alpha dropped, gray expanded",
                    "x = np.repeat(x[:1], 3, axis=0) if x.shape[0] <= 2 else x[:3]"]
        }
    }
}

/// A float as a Python literal that reads back to the same Float32.
func py(_ v: Float) -> String {
    if v == v.rounded() && abs(v) < 1e7 { return String(Int(v)) + ".0" }
    return "\(v)"
}

/// A nested Python list of the values, shape `dims` (row-major).
func pyList(_ values: [Float], _ dims: [Int]) -> String {
    guard let d = dims.first else { return values.first.map(py) ?? "0.0" }
    if dims.count == 1 { return "[" + values.map(py).joined(separator: ", ") + "]" }
    let step = values.count / max(d, 1)
    return "[" + (0..<d).map { pyList(Array(values[($0 * step)..<(($0 + 1) * step)]), Array(dims.dropFirst())) }
        .joined(separator: ", ") + "]"
}

extension Convolution {
    /// The filters as a NumPy array literal: `(K, kh, kw)` for a bank applied
    /// per channel, `(Cout, Cin/groups, kh, kw)` for weights.
    var numpyLiteral: String {
        switch filters {
        case let .perChannel(ks):
            let k = ks[0].size
            return "np.array(\(pyList(ks.flatMap(\.values), [ks.count, k.h, k.w])))"
        case let .weights(w, _):
            let n = w.outChannels * w.inChannelsPerGroup
            if n * w.kernel.h * w.kernel.w > 64 {
                return "np.array(\(pyList(w.values, [w.values.count]))).reshape(\(w.outChannels), \(w.inChannelsPerGroup), \(w.kernel.h), \(w.kernel.w))"
            }
            return "np.array(\(pyList(w.values, [w.outChannels, w.inChannelsPerGroup, w.kernel.h, w.kernel.w])))"
        }
    }

    var isBank: Bool { if case .perChannel = filters { true } else { false } }

    /// The groups of weights (1 for a bank, which runs per channel anyway).
    var weightGroups: Int { if case let .weights(_, g) = filters { g } else { 1 } }
}

extension PadMode {
    /// `np.pad`'s name for this mode.
    var numpyName: String {
        switch self {
        case .zeros: "constant"
        case .reflect: "reflect"
        case .symmetric: "symmetric"
        case .replicate: "edge"
        case .circular: "wrap"
        }
    }
}

extension StageReport {
    /// `np.pad(x, ...)` for this stage's pads, or nil when there are none.
    func numpyPad(_ variable: String = "x", mode: PadMode, value: String) -> String? {
        let p = geometry.pads
        guard p.top + p.bottom + p.left + p.right > 0 else { return nil }
        let extra = mode == .zeros ? ", constant_values=\(value)" : ""
        return "np.pad(\(variable), ((0, 0), (\(p.top), \(p.bottom)), (\(p.left), \(p.right))), mode=\"\(mode.numpyName)\"\(extra))"
    }

    /// Python lines for the steps that follow a conv in every recipe: bias,
    /// activation; and the non-conv stages done with NumPy.
    func numpyTail(_ c: Convolution) -> [String] {
        var l: [String] = []
        if let b = c.bias { l.append("x = x + np.array(\(pyList(b, [b.count])))[:, None, None]  # bias") }
        switch c.activation {
        case .none: break
        case .relu: l.append("x = np.maximum(x, 0)  # relu")
        case .abs: l.append("x = np.abs(x)  # abs")
        }
        return l
    }

    /// NumPy lines for pool, activation, magnitude and color stages.
    func numpyOther() -> [String] {
        let g = geometry
        switch stage.operation {
        case .conv: return []
        case let .pool(p):
            let value = p.kind == .max ? "-np.inf" : "0.0"
            var l = ["# \(summary): windows of \(g.kernel.h)x\(g.kernel.w), stride \(g.stride), pads t,b,l,r = "
                     + "\(g.pads.top),\(g.pads.bottom),\(g.pads.left),\(g.pads.right)"
                     + (p.kind == .max ? " hold -inf (never chosen)" : " hold zeros and count (count_include_pad=True)")]
            if let pad = numpyPad(mode: .zeros, value: value) { l.append("x = \(pad)") }
            l.append("w = np.lib.stride_tricks.sliding_window_view(x, (\(g.rows.extent), \(g.cols.extent)), axis=(1, 2))"
                     + "[:, ::\(g.stride.h), ::\(g.stride.w)][:, :\(g.output.height), :\(g.output.width)]"
                     + (g.dilation == Size2(square: 1) ? "" : "[..., ::\(g.dilation.h), ::\(g.dilation.w)]  # dilated taps"))
            l.append("x = w.\(p.kind == .max ? "max" : "mean")(axis=(-2, -1))")
            return l
        case let .activation(a):
            switch a {
            case .none: return []
            case .relu: return ["x = np.maximum(x, 0)  # relu"]
            case .abs: return ["x = np.abs(x)  # abs"]
            }
        case .magnitude:
            let k = g.inChannelsPerGroup
            return ["# magnitude: L2 norm over \(k) groups of \(g.output.channels) maps (kernel-major order)",
                    "x = np.sqrt((x.reshape(\(k), \(g.output.channels), x.shape[1], x.shape[2]) ** 2).sum(axis=0))"]
        case let .color(mode):
            return PythonLines.color(mode)
        case let .transposed(t):
            return numpyTransposed(t)
        case let .upsample(u):
            return numpyResize(u)
        }
    }

    /// The kernel (or weights) with flip and dilation applied, as `k`.
    func numpyKernel(_ c: Convolution, dilate: Bool) -> [String] {
        var l = ["k = \(c.numpyLiteral)  # \(c.isBank ? "(K, kh, kw): each kernel runs on every channel" : "(Cout, Cin/groups, kh, kw)")"]
        if c.flip { l.append("k = k[..., ::-1, ::-1]  # flip: true convolution (kernel rotated 180 degrees)") }
        let d = geometry.dilation
        if dilate && d != Size2(square: 1) {
            l.append("# dilation \(d): no dilation argument here, so the kernel is spread out with zeros")
            l.append("kd = np.zeros(k.shape[:-2] + (\(geometry.rows.extent), \(geometry.cols.extent)))")
            l.append("kd[..., ::\(d.h), ::\(d.w)] = k")
            l.append("k = kd")
        }
        return l
    }
}
