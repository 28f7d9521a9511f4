/// OpenCV: `cv2.filter2D` per plane (a cross-correlation, as convkit's) with
/// the anchor that places the window and the border type of SPEC section 3.
/// `filter2D` has no stride, no dilation, no pad value and no `BORDER_WRAP`:
/// the recipe slices for the stride, spreads the kernel with zeros for the
/// dilation, and pads with `cv2.copyMakeBorder` when the border must hold a
/// value, wrap, or be wider than an anchor can place.
struct OpenCVRecipe {
    let pipeline: Pipeline
    let stages: [StageReport]

    var text: String {
        var l = PythonLines.header("OpenCV", stages, imports: ["import cv2"])
        l += PythonLines.color(pipeline.color)
        for r in stages {
            l.append("")
            l.append("# stage \(r.index): \(r.summary)")
            guard let c = r.convolution else {
                if case .pool = r.stage.operation { l.append("# OpenCV has no strided pooling with padding: NumPy") }
                l += r.numpyOther()
                continue
            }
            l += conv(r, c)
        }
        l.append(PythonLines.footer)
        return l.joined(separator: "\n") + "\n"
    }

    static func border(_ m: PadMode) -> String {
        switch m {
        case .zeros: "cv2.BORDER_CONSTANT"
        case .reflect: "cv2.BORDER_REFLECT_101"
        case .symmetric: "cv2.BORDER_REFLECT"
        case .replicate: "cv2.BORDER_REPLICATE"
        case .circular: "cv2.BORDER_WRAP"
        }
    }

    func conv(_ r: StageReport, _ c: Convolution) -> [String] {
        let g = r.geometry
        var l = r.numpyKernel(c, dilate: true)
        if g.dilation != Size2(square: 1) { l.append("# (filter2D has no dilation either)") }
        l.append("k = k.astype(np.float32)")
        l.append("x = x.astype(np.float32)")
        let rows = g.rows.samePlacement(preferredAnchor: g.rows.extent / 2)
        let cols = g.cols.samePlacement(preferredAnchor: g.cols.extent / 2)
        let native = c.padMode != .circular && c.padValue == 0
        let anchor: (Int, Int), first: (Int, Int), border: String
        if let rows, let cols, native {
            anchor = (cols.anchor, rows.anchor)
            first = (rows.first, cols.first)
            border = Self.border(c.padMode)
            l.append("# filter2D pads by itself (\(border)); anchor (x, y) = \(anchor.0),\(anchor.1) places the window "
                     + "so output 0 reads pads t=\(g.pads.top), l=\(g.pads.left)"
                     + (g.kernel.h % 2 == 0 || g.kernel.w % 2 == 0 ? " (even kernel: OpenCV's default anchor is k/2, PyTorch's is (k-1)/2)" : ""))
        } else {
            let why = !native ? (c.padMode == .circular ? "filter2D does not support BORDER_WRAP"
                                 : "filter2D's constant border is always 0, the pad value is \(py(c.padValue))")
                : "the pads are wider than an anchor can place"
            let p = g.pads
            l.append("# \(why): pad with cv2.copyMakeBorder first, then read windows from their top-left tap (anchor 0,0)")
            l.append("x = np.stack([cv2.copyMakeBorder(p, \(p.top), \(p.bottom), \(p.left), \(p.right), \(Self.border(c.padMode))"
                     + (c.padMode == .zeros ? ", value=\(py(c.padValue))" : "") + ") for p in x])")
            anchor = (0, 0)
            first = (0, 0)
            border = "cv2.BORDER_CONSTANT"
        }
        if g.stride != Size2(square: 1) {
            l.append("# filter2D has no stride: computed at every sample, then every \(g.stride) kept by slicing")
        }
        let slice = "[\(first.0)::\(g.stride.h), \(first.1)::\(g.stride.w)][:\(g.output.height), :\(g.output.width)]"
        let call = { (plane: String, kernel: String) in
            "cv2.filter2D(\(plane), cv2.CV_32F, \(kernel), anchor=(\(anchor.0), \(anchor.1)), borderType=\(border))\(slice)"
        }
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
