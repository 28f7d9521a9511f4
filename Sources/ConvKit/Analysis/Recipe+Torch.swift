/// PyTorch: `F.pad` with the pad tuple `(left, right, top, bottom)` (so
/// TensorFlow-style `same`, which pads more after, is exact), then
/// `F.conv2d` with stride, dilation and groups. PyTorch has no symmetric
/// padding mode (and refuses reflect pads as wide as the input): those pads
/// are done with NumPy first. A bank of K kernels is K depthwise convs,
/// concatenated kernel-major (k0c0, k0c1, ...).
struct TorchRecipe {
    let pipeline: Pipeline
    let stages: [StageReport]

    var text: String {
        var l = PythonLines.header("PyTorch", stages, imports: ["import torch", "import torch.nn.functional as F"])
        l += PythonLines.color(pipeline.color)
        l.append("x = torch.from_numpy(x)[None]  # (1, C, H, W) float64")
        for r in stages {
            l.append("")
            l.append("# stage \(r.index): \(r.summary)")
            switch r.stage.operation {
            case let .conv(c): l += conv(r, c)
            case let .pool(p): l += pool(r, p)
            case let .transposed(t): l += transposed(r, t)
            case let .upsample(u):
                let how = u.factor.map { "scale_factor=(\(Double($0.h)), \(Double($0.w)))" } ?? "size=(\(r.geometry.output.height), \(r.geometry.output.width))"
                l.append("x = F.interpolate(x, \(how), mode=\"\(u.mode.rawValue)\"\(u.mode == .bilinear ? ", align_corners=False" : ""))")
            default:
                l.append("x = x[0].numpy()")
                l += r.numpyOther()
                l.append("x = torch.from_numpy(np.ascontiguousarray(x))[None]")
            }
        }
        l.append("x = x[0].numpy()")
        l.append(PythonLines.footer)
        return l.joined(separator: "\n") + "\n"
    }

    static func mode(_ m: PadMode) -> String? {
        switch m {
        case .zeros: "constant"
        case .reflect: "reflect"
        case .replicate: "replicate"
        case .circular: "circular"
        case .symmetric: nil
        }
    }

    /// The padding lines: nothing when PyTorch's own symmetric zero padding
    /// suffices (returned as `conv2d`'s `padding`), else `F.pad` or NumPy.
    func pad(_ r: StageReport, mode m: PadMode, value: Float) -> (lines: [String], padding: String) {
        let g = r.geometry, p = g.pads
        if p.top + p.bottom + p.left + p.right == 0 { return ([], "0") }
        if m == .zeros && value == 0 && g.rows.isSymmetric && g.cols.isSymmetric {
            return (["# symmetric zero pads: conv2d's own padding=(\(p.top), \(p.left))"], "(\(p.top), \(p.left))")
        }
        let tooWide = (m == .reflect && (max(p.top, p.bottom) >= g.input.height || max(p.left, p.right) >= g.input.width))
            || (m == .circular && (max(p.top, p.bottom) > g.input.height || max(p.left, p.right) > g.input.width))
        if let name = Self.mode(m), !tooWide {
            let why = g.rows.isSymmetric && g.cols.isSymmetric ? "" : " (asymmetric: conv2d's padding cannot say it)"
            return (["x = F.pad(x, (\(p.left), \(p.right), \(p.top), \(p.bottom)), mode=\"\(name)\""
                     + (m == .zeros ? ", value=\(py(value))" : "") + ")  # (left, right, top, bottom)\(why)"], "0")
        }
        let why = m == .symmetric ? "PyTorch has no symmetric pad mode (b a | a b c d | d c)"
            : "F.pad refuses \(m.rawValue) pads this wide for a \(g.input.height)x\(g.input.width) input"
        return (["# \(why): pad with NumPy (np.pad mode \(m.numpyName))",
                 "x = torch.from_numpy(\(r.numpyPad("x[0].numpy()", mode: m, value: py(value)) ?? "x[0].numpy()"))[None]"], "0")
    }

    func conv(_ r: StageReport, _ c: Convolution) -> [String] {
        let g = r.geometry
        var l = ["k = torch.from_numpy(\(c.numpyLiteral))  # \(c.isBank ? "(K, kh, kw)" : "(Cout, Cin/groups, kh, kw)")"]
        if c.flip { l.append("k = torch.flip(k, dims=(-2, -1))  # flip: true convolution (conv2d is a cross-correlation)") }
        let (padLines, padding) = pad(r, mode: c.padMode, value: c.padValue)
        l += padLines
        let args = "stride=(\(g.stride.h), \(g.stride.w)), padding=\(padding), dilation=(\(g.dilation.h), \(g.dilation.w))"
        let bias = c.bias.map { "torch.tensor(\(pyList($0, [$0.count])), dtype=torch.float64)" } ?? "None"
        if c.isBank {
            l.append("C = x.shape[1]")
            l.append("x = torch.cat([F.conv2d(x, k[j].expand(C, 1, \(g.kernel.h), \(g.kernel.w)), None, \(args), groups=C) "
                     + "for j in range(k.shape[0])], dim=1)  # each kernel on every channel, kernel-major")
            if c.bias != nil { l.append("x = x + \(bias)[None, :, None, None]") }
        } else {
            l.append("x = F.conv2d(x, k, \(bias), \(args), groups=\(g.groups))")
        }
        switch c.activation {
        case .none: break
        case .relu: l.append("x = F.relu(x)")
        case .abs: l.append("x = x.abs()")
        }
        return l
    }

    func pool(_ r: StageReport, _ p: Pooling) -> [String] {
        let g = r.geometry, pads = g.pads
        let dilated = g.dilation != Size2(square: 1)
        if dilated && p.kind == .avg {
            return ["# avg_pool2d has no dilation: NumPy", "x = x[0].numpy()"] + r.numpyOther()
                + ["x = torch.from_numpy(np.ascontiguousarray(x))[None]"]
        }
        var l: [String] = []
        var padding = "0"
        if pads.top + pads.bottom + pads.left + pads.right > 0 {
            if g.rows.isSymmetric && g.cols.isSymmetric && !p.allowsWidePads {
                padding = "(\(pads.top), \(pads.left))"
            } else {
                l.append("x = F.pad(x, (\(pads.left), \(pads.right), \(pads.top), \(pads.bottom)), value=\(p.kind == .max ? "-float('inf')" : "0.0"))"
                         + "  # asymmetric pads; pool's padding cannot say them")
            }
        }
        let kernel = "(\(g.kernel.h), \(g.kernel.w)), stride=(\(g.stride.h), \(g.stride.w)), padding=\(padding)"
            + (dilated ? ", dilation=(\(g.dilation.h), \(g.dilation.w))" : "")
        l.append(p.kind == .max ? "x = F.max_pool2d(x, \(kernel))" : "x = F.avg_pool2d(x, \(kernel), count_include_pad=True)")
        return l
    }
}

extension TorchRecipe {
    /// `F.conv_transpose2d` with PyTorch's own weights layout (Cin, Cout/groups, kh, kw).
    func transposed(_ r: StageReport, _ t: TransposedConvolution) -> [String] {
        let g = r.geometry, w = t.weights
        var l = ["k = torch.from_numpy(np.array(\(pyList(w.values, [w.values.count]))).reshape("
                 + "\(w.outChannels), \(w.inChannelsPerGroup), \(w.kernel.h), \(w.kernel.w)))  # (Cin, Cout/groups, kh, kw)"]
        let bias = t.bias.map { "torch.tensor(\(pyList($0, [$0.count])), dtype=torch.float64)" } ?? "None"
        l.append("x = F.conv_transpose2d(x, k, \(bias), stride=(\(g.stride.h), \(g.stride.w)), padding=(\(t.padding.h), \(t.padding.w)), "
                 + "output_padding=(\(t.outputPadding.h), \(t.outputPadding.w)), groups=\(g.groups), dilation=(\(g.dilation.h), \(g.dilation.w)))")
        switch t.activation {
        case .none: break
        case .relu: l.append("x = torch.relu(x)")
        case .abs: l.append("x = x.abs()")
        }
        return l
    }
}
