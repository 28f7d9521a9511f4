/// NumPy alone: `np.pad` with the matching mode, then every window through
/// `sliding_window_view` and `einsum`. It expresses every convkit setting.
struct NumPyRecipe {
    let pipeline: Pipeline
    let stages: [StageReport]

    var text: String {
        var l = PythonLines.header("NumPy", stages, imports: ["from numpy.lib.stride_tricks import sliding_window_view"])
        l += PythonLines.color(pipeline.color)
        for r in stages {
            l.append("")
            l.append("# stage \(r.index): \(r.summary)")
            guard let c = r.convolution else { l += r.numpyOther(); continue }
            l += conv(r, c)
        }
        l.append(PythonLines.footer)
        return l.joined(separator: "\n") + "\n"
    }

    func conv(_ r: StageReport, _ c: Convolution) -> [String] {
        let g = r.geometry
        var l = r.numpyKernel(c, dilate: false)
        if let pad = r.numpyPad(mode: c.padMode, value: py(c.padValue)) {
            l.append("x = \(pad)  # pads t,b,l,r = \(g.pads.top),\(g.pads.bottom),\(g.pads.left),\(g.pads.right)")
        }
        l.append("w = sliding_window_view(x, (\(g.rows.extent), \(g.cols.extent)), axis=(1, 2))"
                 + "[:, ::\(g.stride.h), ::\(g.stride.w), ::\(g.dilation.h), ::\(g.dilation.w)]"
                 + "[:, :\(g.output.height), :\(g.output.width)]  # (C, Ho, Wo, kh, kw)")
        if c.isBank {
            l.append("x = np.einsum(\"chwij,kij->kchw\", w, k).reshape(-1, \(g.output.height), \(g.output.width))  # kernel-major: k0c0, k0c1, ...")
        } else {
            let groups = g.groups, cin = g.inChannelsPerGroup
            l.append("w = w.reshape(\(groups), \(cin), \(g.output.height), \(g.output.width), \(g.kernel.h), \(g.kernel.w))  # groups=\(groups)")
            l.append("x = np.einsum(\"gchwij,gocij->gohw\", w, k.reshape(\(groups), \(g.outChannels / groups), \(cin), \(g.kernel.h), \(g.kernel.w)))"
                     + ".reshape(\(g.outChannels), \(g.output.height), \(g.output.width))")
        }
        return l + r.numpyTail(c)
    }
}
