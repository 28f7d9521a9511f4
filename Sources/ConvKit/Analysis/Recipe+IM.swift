/// ImageMagick: `-morphology Correlate` (cross-correlation; `Convolve`
/// rotates the kernel, which is `flip: true`) with the kernel's origin
/// `+X+Y` as the anchor and `-virtual-pixel` for the pad mode. ImageMagick
/// always writes an image of the input's size and has no stride, no
/// dilation, no reflect (`d c b | a b c d`) virtual pixel and no
/// cross-channel weights: the recipe crops for `valid`-like geometry, spreads
/// the kernel with zeros for the dilation and says in a comment what it
/// cannot express.
struct IMRecipe {
    let pipeline: Pipeline
    let stages: [StageReport]

    static func virtualPixel(_ m: PadMode, value: Float) -> (String, String?) {
        switch m {
        case .zeros where value == 0: ("Black", nil)
        case .zeros: ("Background -background \"gray(\(py(value * 100))%)\"", nil)
        case .replicate: ("Edge", nil)
        case .circular: ("Tile", nil)
        case .symmetric: ("Mirror", nil)
        case .reflect: ("Mirror", "ImageMagick has no reflect virtual pixel (d c b | a b c d): Mirror repeats the edge sample "
                        + "(b a | a b c d, convkit symmetric), so the outputs next to the border differ")
        }
    }

    var text: String {
        var l = ["# convkit \(convkitVersion) recipe for ImageMagick (`magick`; ImageMagick 6: `convert`): "
                 + (stages.isEmpty ? "no stages" : stages.map(\.summary).joined(separator: " | ")),
                 "# Without an HDRI build, values outside [0, 1] are clipped at every step and the result is quantised;",
                 "# add -define quantum:format=floating-point and write .tif or .pfm to keep floats."]
        var args = ["magick input.png"]
        switch pipeline.color {
        case .keep: break
        case .gray: args.append("-colorspace Gray")
        case .rgb: args.append("-alpha off -colorspace sRGB")
        }
        for r in stages {
            let g = r.geometry
            switch r.stage.operation {
            case let .conv(c):
                guard c.isBank, case let .perChannel(ks) = c.filters else {
                    l.append("# stage \(r.index) (\(r.summary)): ImageMagick cannot express weights that mix channels "
                             + "(groups \(g.groups) of \(g.inChannelsPerGroup)); only per-channel kernels translate")
                    continue
                }
                let (vp, note) = Self.virtualPixel(c.padMode, value: c.padValue)
                if let note { l.append("# stage \(r.index): \(note)") }
                if g.dilation != Size2(square: 1) { l.append("# stage \(r.index): no dilation in ImageMagick: the kernel is spread with zeros") }
                if ks.count > 1 {
                    l.append("# stage \(r.index): a bank of \(ks.count) kernels gives \(ks.count) images; ImageMagick writes one per command "
                             + "(only the first kernel is in the command below; repeat it with each of the others)")
                }
                let rows = g.rows.samePlacement(preferredAnchor: g.rows.extent / 2)
                let cols = g.cols.samePlacement(preferredAnchor: g.cols.extent / 2)
                guard let rows, let cols else {
                    l.append("# stage \(r.index): pads \(g.pads.top),\(g.pads.bottom),\(g.pads.left),\(g.pads.right) are wider than a kernel origin can "
                             + "place; ImageMagick cannot grow the image by a virtual-pixel border in -morphology (use -extent first)")
                    continue
                }
                args.append("-virtual-pixel \(vp) -define convolve:scale=1")
                args.append("-morphology \(c.flip ? "Convolve" : "Correlate") '\(kernelString(ks[0], geometry: g, anchor: (cols.anchor, rows.anchor)))'")
                if let b = c.bias?.first { args.append("-evaluate Add \(py(b * 100))%") }
                if c.activation == .abs { args.append("-evaluate Abs 0") }
                if g.stride != Size2(square: 1) {
                    l.append("# stage \(r.index): ImageMagick has no stride: keep every \(g.stride) pixel starting at row \(rows.first), "
                             + "column \(cols.first) afterwards (e.g. NumPy y[\(rows.first)::\(g.stride.h), \(cols.first)::\(g.stride.w)])")
                } else if rows.first != 0 || cols.first != 0 || g.output.height != g.input.height || g.output.width != g.input.width {
                    args.append("-crop \(g.output.width)x\(g.output.height)+\(cols.first)+\(rows.first) +repage")
                }
            case let .pool(p):
                if g.stride != Size2(square: 1) || p.kind == .avg {
                    l.append("# stage \(r.index) (\(r.summary)): ImageMagick has no strided pooling; "
                             + (p.kind == .max ? "-morphology Dilate Rectangle:\(g.kernel.w)x\(g.kernel.h) gives the window maxima at stride 1"
                                : "-morphology Convolve Rectangle:\(g.kernel.w)x\(g.kernel.h) with -define convolve:scale=! gives window means at stride 1"))
                }
            case let .activation(a):
                if a == .abs { args.append("-evaluate Abs 0") }
                if a == .relu { l.append("# stage \(r.index): relu is what clipping at 0 does anyway in a non-HDRI build") }
            case .magnitude:
                l.append("# stage \(r.index): the magnitude of two maps is -fx 'hypot(u,v)' over the two images of a bank "
                         + "(magick a.png b.png -fx 'hypot(u,v)' mag.png); it does not fit in one command")
            case let .color(mode):
                if mode == .gray { args.append("-colorspace Gray") }
            case .transposed:
                l.append("# stage \(r.index) (\(r.summary)): ImageMagick has no transposed convolution; see --emit numpy")
            case let .upsample(u):
                args.append("-filter \(u.mode == .nearest ? "Point" : "Triangle") -resize \(g.output.width)x\(g.output.height)!")
            }
        }
        args.append("output.png")
        l.append(args.joined(separator: " \\\n    "))
        return l.joined(separator: "\n") + "\n"
    }

    /// `WxH+X+Y: v,v,...`, dilated with zeros.
    func kernelString(_ k: Kernel2D, geometry g: ConvGeometry, anchor: (Int, Int)) -> String {
        let eh = g.rows.extent, ew = g.cols.extent
        var v = [Float](repeating: 0, count: eh * ew)
        for y in 0..<k.size.h { for x in 0..<k.size.w { v[y * g.dilation.h * ew + x * g.dilation.w] = k.values[y * k.size.w + x] } }
        let rows = (0..<eh).map { y in (0..<ew).map { py(v[y * ew + $0]).replacingSuffix(".0") }.joined(separator: ",") }
        return "\(ew)x\(eh)+\(anchor.0)+\(anchor.1): " + rows.joined(separator: " ")
    }
}

private extension String {
    func replacingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}
