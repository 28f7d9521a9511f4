/// SciPy: `ndimage.correlate` per 2-D plane, with SciPy's mode name (see the
/// table of SPEC section 3: reflect is `mirror`, symmetric is `reflect`),
/// `origin` for the anchor (even kernels, TensorFlow-style `same`), `cval`
/// for a pad value, and NumPy slicing for the stride (ndimage has none).
/// Dilation is a kernel spread with zeros. Pads an ndimage mode cannot place
/// (wider than the anchor allows, e.g. `full`) are added with `np.pad` first.
struct SciPyRecipe {
    let pipeline: Pipeline
    let stages: [StageReport]

    var text: String {
        var l = PythonLines.header("SciPy", stages, imports: ["from scipy import ndimage"])
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

    static func modeName(_ m: PadMode) -> String {
        switch m {
        case .zeros: "constant"
        case .reflect: "mirror"
        case .symmetric: "reflect"
        case .replicate: "nearest"
        case .circular: "wrap"
        }
    }

    func conv(_ r: StageReport, _ c: Convolution) -> [String] {
        let g = r.geometry
        var l = r.numpyKernel(c, dilate: true)
        // ndimage centres a kernel of extent e on tap e // 2 (origin 0); origin = anchor - e // 2.
        let rows = g.rows.samePlacement(preferredAnchor: g.rows.extent / 2)
        let cols = g.cols.samePlacement(preferredAnchor: g.cols.extent / 2)
        let mode: String, origin: (Int, Int), first: (Int, Int)
        if let rows, let cols {
            mode = "mode=\"\(Self.modeName(c.padMode))\"" + (c.padMode == .zeros ? ", cval=\(py(c.padValue))" : "")
            origin = (rows.anchor - g.rows.extent / 2, cols.anchor - g.cols.extent / 2)
            first = (rows.first, cols.first)
            l.append("# SciPy pads by itself (mode \(Self.modeName(c.padMode)) = convkit \(c.padMode.rawValue)); "
                     + "origin \(origin.0),\(origin.1) anchors the window so output 0 reads pads t=\(g.pads.top), l=\(g.pads.left)")
        } else {
            l.append("# pads \(g.pads.top),\(g.pads.bottom),\(g.pads.left),\(g.pads.right) are wider than an ndimage origin can place: pad with NumPy first")
            if let pad = r.numpyPad(mode: c.padMode, value: py(c.padValue)) { l.append("x = \(pad)") }
            mode = "mode=\"constant\""
            origin = (-(g.rows.extent / 2), -(g.cols.extent / 2))
            first = (0, 0)
        }
        let slice = "[\(first.0)::\(g.stride.h), \(first.1)::\(g.stride.w)][:\(g.output.height), :\(g.output.width)]"
        let call = { (plane: String, kernel: String) in
            "ndimage.correlate(\(plane), \(kernel), \(mode), origin=(\(origin.0), \(origin.1)))\(slice)"
        }
        if g.stride != Size2(square: 1) { l.append("# ndimage has no stride: every \(g.stride) output sample is kept by slicing") }
        if c.isBank {
            l.append("x = np.stack([\(call("x[c]", "k[j]")) for j in range(k.shape[0]) for c in range(x.shape[0])])  # kernel-major")
        } else {
            let cin = g.inChannelsPerGroup, cout = g.outChannels / g.groups
            l.append("x = np.stack([sum(\(call("x[(o // \(cout)) * \(cin) + i]", "k[o, i]")) for i in range(\(cin))) "
                     + "for o in range(\(g.outChannels))])  # groups=\(g.groups)")
        }
        return l + r.numpyTail(c)
    }
}
