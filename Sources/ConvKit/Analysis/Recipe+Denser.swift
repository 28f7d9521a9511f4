extension StageReport {
    /// NumPy lines for a transposed convolution: every input sample adds its
    /// scaled kernel at stride times its position, then the padding is cropped.
    func numpyTransposed(_ t: TransposedConvolution) -> [String] {
        let g = geometry, w = t.weights
        let (s, d, p) = (g.stride, g.dilation, t.padding)
        var l = ["# transposed: out = (in-1)*s - 2*padding + d*(k-1) + output_padding + 1 per axis",
                 "k = np.array(\(pyList(w.values, [w.values.count]))).reshape(\(w.outChannels), \(w.inChannelsPerGroup), \(w.kernel.h), \(w.kernel.w))"
                     + "  # (Cin, Cout/groups, kh, kw)",
                 "cin, h, wd = x.shape",
                 "G, cog = \(g.groups), k.shape[1]",
                 "full = np.zeros((cog * G, (h - 1) * \(s.h) + \(d.h) * (k.shape[2] - 1) + 1 + \(t.outputPadding.h) + \(p.h), "
                     + "(wd - 1) * \(s.w) + \(d.w) * (k.shape[3] - 1) + 1 + \(t.outputPadding.w) + \(p.w)))",
                 "for ci in range(cin):",
                 "    for co in range(cog):",
                 "        for ty in range(k.shape[2]):",
                 "            for tx in range(k.shape[3]):",
                 "                full[ci // (cin // G) * cog + co, ty * \(d.h): ty * \(d.h) + (h - 1) * \(s.h) + 1: \(s.h), "
                     + "tx * \(d.w): tx * \(d.w) + (wd - 1) * \(s.w) + 1: \(s.w)] += x[ci] * k[ci, co, ty, tx]",
                 "x = full[:, \(p.h): \(p.h) + \(g.output.height), \(p.w): \(p.w) + \(g.output.width)]"]
        if let b = t.bias { l.append("x = x + np.array(\(pyList(b, [b.count])))[:, None, None]  # bias") }
        switch t.activation {
        case .none: break
        case .relu: l.append("x = np.maximum(x, 0)  # relu")
        case .abs: l.append("x = np.abs(x)  # abs")
        }
        return l
    }

    /// NumPy lines for a resize, PyTorch's `interpolate(align_corners=False)` index rule.
    func numpyResize(_ u: Upsample) -> [String] {
        let g = geometry
        func scale(_ a: AxisGeometry) -> String { "\(a.input) / \(a.output)" }
        if u.mode == .nearest {
            return ["# nearest: source floor(o * in/out)",
                    "ys = np.minimum(np.floor(np.arange(\(g.rows.output)) * (\(scale(g.rows)))).astype(int), \(g.rows.input - 1))",
                    "xs = np.minimum(np.floor(np.arange(\(g.cols.output)) * (\(scale(g.cols)))).astype(int), \(g.cols.input - 1))",
                    "x = x[:, ys][:, :, xs]"]
        }
        return ["# bilinear, align_corners=False: source max((o + 0.5) * in/out - 0.5, 0)",
                "def taps(n_in, n_out):",
                "    s = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0)",
                "    i0 = np.minimum(s.astype(int), n_in - 1)",
                "    return i0, np.minimum(i0 + 1, n_in - 1), s - i0",
                "y0, y1, wy = taps(\(g.rows.input), \(g.rows.output))",
                "x0, x1, wx = taps(\(g.cols.input), \(g.cols.output))",
                "r = x[:, :, x0] * (1 - wx) + x[:, :, x1] * wx",
                "x = r[:, y0] * (1 - wy)[:, None] + r[:, y1] * wy[:, None]"]
    }
}
