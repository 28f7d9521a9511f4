/// TensorFlow: `tf.nn.conv2d` on NHWC tensors with `padding="SAME"` (the
/// rule convkit's `same` follows), `"VALID"` or explicit pads; `tf.pad`
/// knows CONSTANT, REFLECT and SYMMETRIC only, so replicate and circular
/// pads are done with NumPy. Kernels become HWIO. A bank runs per channel.
struct TFRecipe {
    let pipeline: Pipeline
    let stages: [StageReport]

    var text: String {
        var l = PythonLines.header("TensorFlow", stages, imports: ["import tensorflow as tf"])
        l += PythonLines.color(pipeline.color)
        for r in stages {
            l.append("")
            l.append("# stage \(r.index): \(r.summary)")
            switch r.stage.operation {
            case let .conv(c): l += conv(r, c)
            default: l += r.numpyOther()
            }
        }
        l.append(PythonLines.footer)
        return l.joined(separator: "\n") + "\n"
    }

    func conv(_ r: StageReport, _ c: Convolution) -> [String] {
        let g = r.geometry, p = g.pads
        var l = ["k = \(c.numpyLiteral)"]
        if c.flip { l.append("k = k[..., ::-1, ::-1]  # flip: true convolution (tf.nn.conv2d is a cross-correlation)") }
        var padding: String
        switch (c.padMode, c.padding) {
        case (.zeros, .same) where c.padValue == 0: padding = "\"SAME\""
        case (_, .valid): padding = "\"VALID\""
        case (.zeros, _) where c.padValue == 0:
            padding = "[[0, 0], [\(p.top), \(p.bottom)], [\(p.left), \(p.right)], [0, 0]]"
        default:
            padding = "\"VALID\""
            switch c.padMode {
            case .reflect, .symmetric, .zeros:
                let mode = c.padMode == .zeros ? "CONSTANT\", constant_values=\(py(c.padValue))" : c.padMode.rawValue.uppercased() + "\""
                l.append("x = tf.pad(x.transpose(1, 2, 0), [[\(p.top), \(p.bottom)], [\(p.left), \(p.right)], [0, 0]], mode=\"\(mode)).numpy().transpose(2, 0, 1)")
            case .replicate, .circular:
                l.append("# tf.pad has no \(c.padMode == .replicate ? "edge" : "wrap") mode: pad with NumPy")
                if let pad = r.numpyPad(mode: c.padMode, value: "0.0") { l.append("x = \(pad)") }
            }
        }
        if g.stride != Size2(square: 1) && g.dilation != Size2(square: 1) {
            l.append("# note: TensorFlow's CPU conv2d refuses strides > 1 together with dilations > 1")
        }
        let args = "strides=[1, \(g.stride.h), \(g.stride.w), 1], padding=\(padding), dilations=[1, \(g.dilation.h), \(g.dilation.w), 1]"
        l.append("def conv(plane, kernel):  # plane (H, W, Cin), kernel (Cout, Cin, kh, kw) -> (Cout, Ho, Wo)")
        l.append("    return tf.nn.conv2d(plane[None], kernel.transpose(2, 3, 1, 0), \(args))[0].numpy().transpose(2, 0, 1)")
        if c.isBank {
            l.append("x = np.concatenate([conv(x[c][..., None], k[j][None, None]) for j in range(k.shape[0]) for c in range(x.shape[0])])  # kernel-major")
        } else {
            let cin = g.inChannelsPerGroup, cout = g.outChannels / g.groups
            l.append("x = np.concatenate([conv(x[i * \(cin):(i + 1) * \(cin)].transpose(1, 2, 0), k[i * \(cout):(i + 1) * \(cout)]) "
                     + "for i in range(\(g.groups))])  # groups=\(g.groups)")
        }
        return l + r.numpyTail(c)
    }
}
