/// Layer constructors for a pipeline described by its sizes alone (`convkit
/// shape --out-channels 32 --kernel-size 3 --stride 2 --emit torch`): the
/// weights are unknown, so the recipe is a model definition, not a script
/// with a kernel of zeros.
///
///     Recipe.layers(pipeline, stages: reports, for: .tf)
///     // tf.keras.layers.Conv2D(32, (3, 3), strides=(2, 2), padding="valid", dilation_rate=(1, 1), use_bias=False)
extension Recipe {
    /// The model definition in `target` (torch or tf), nil for systems without layers.
    public static func layers(_ pipeline: Pipeline, stages: [StageReport], for target: RecipeTarget) -> String? {
        guard target == .torch || target == .tf else { return nil }
        let torch = target == .torch
        let input = stages.first?.geometry.input
        var l = ["# convkit \(convkitVersion): layers for \(torch ? "PyTorch" : "TensorFlow/Keras") (sizes only; weights are the framework's own initialisation)",
                 "# " + (stages.isEmpty ? "no stages" : stages.map(\.summary).joined(separator: " | "))]
        if pipeline.color != .keep { l.append("# convert the input with --color \(pipeline.color.rawValue) first") }
        var layers: [String] = []
        if torch {
            l.append("import torch.nn as nn")
        } else {
            l.append("import tensorflow as tf")
            if let input { layers.append("tf.keras.Input(shape=(\(input.height), \(input.width), \(input.channels))),") }
        }
        for r in stages {
            layers += (torch ? torchLayers(r) : tfLayers(r)).map { $0.hasPrefix("#") ? $0 : $0 + "," }
        }
        l.append(torch ? "model = nn.Sequential(" : "model = tf.keras.Sequential([")
        l += layers.map { "    " + $0 }
        l.append(torch ? ")" : "])")
        return l.joined(separator: "\n") + "\n"
    }

    private static func pair(_ s: Size2) -> String { "(\(s.h), \(s.w))" }

    private static func torchLayers(_ r: StageReport) -> [String] {
        let g = r.geometry, p = g.pads
        let symmetric = g.rows.isSymmetric && g.cols.isSymmetric
        switch r.stage.operation {
        case let .conv(c):
            var l = ["# stage \(r.index): \(r.summary)"]
            var padding = "(\(p.top), \(p.left))", mode = "zeros"
            switch c.padMode {
            case .zeros: if c.padValue != 0 { l.append("# pad value \(c.padValue): nn.ConstantPad2d((l, r, t, b), value) before a padding=0 conv") }
            case .reflect: mode = "reflect"
            case .replicate: mode = "replicate"
            case .circular: mode = "circular"
            case .symmetric: l.append("# PyTorch has no symmetric pad mode (b a | a b c d | d c); reflect is the nearest")
            }
            if !symmetric {
                let pad = ["zeros": "nn.ZeroPad2d", "reflect": "nn.ReflectionPad2d", "replicate": "nn.ReplicationPad2d",
                           "circular": "nn.CircularPad2d"][mode] ?? "nn.ZeroPad2d"
                l.append("\(pad)((\(p.left), \(p.right), \(p.top), \(p.bottom)))  # asymmetric pads (left, right, top, bottom)")
                (padding, mode) = ("0", "zeros")
            }
            l.append("nn.Conv2d(\(g.input.channels), \(g.outChannels), \(pair(g.kernel)), stride=\(pair(g.stride)), padding=\(padding), "
                     + "dilation=\(pair(g.dilation)), groups=\(g.groups), bias=\(c.bias == nil ? "False" : "True")"
                     + (mode == "zeros" ? "" : ", padding_mode=\"\(mode)\"") + ")")
            return l + activation(c.activation, torch: true)
        case let .pool(pool):
            var l = ["# stage \(r.index): \(r.summary)"]
            var padding = "(\(p.top), \(p.left))"
            if !symmetric || pool.allowsWidePads {
                l.append("nn.\(pool.kind == .max ? "ConstantPad2d((\(p.left), \(p.right), \(p.top), \(p.bottom)), float('-inf'))" : "ZeroPad2d((\(p.left), \(p.right), \(p.top), \(p.bottom)))")")
                padding = "0"
            }
            if pool.kind == .max {
                l.append("nn.MaxPool2d(\(pair(g.kernel)), stride=\(pair(g.stride)), padding=\(padding), dilation=\(pair(g.dilation)))")
            } else {
                if g.dilation != Size2(square: 1) { l.append("# nn.AvgPool2d has no dilation: a depthwise nn.Conv2d with weights 1/(kh*kw) is the same") }
                l.append("nn.AvgPool2d(\(pair(g.kernel)), stride=\(pair(g.stride)), padding=\(padding), count_include_pad=True)")
            }
            return l
        case let .transposed(t):
            return ["# stage \(r.index): \(r.summary)",
                    "nn.ConvTranspose2d(\(g.input.channels), \(g.outChannels), \(pair(g.kernel)), stride=\(pair(g.stride)), "
                        + "padding=\(pair(t.padding)), output_padding=\(pair(t.outputPadding)), groups=\(g.groups), "
                        + "bias=\(t.bias == nil ? "False" : "True"), dilation=\(pair(g.dilation)))"] + activation(t.activation, torch: true)
        case let .upsample(u):
            let how = u.factor.map { "scale_factor=(\(Double($0.h)), \(Double($0.w)))" } ?? "size=(\(g.output.height), \(g.output.width))"
            return ["nn.Upsample(\(how), mode=\"\(u.mode.rawValue)\"\(u.mode == .bilinear ? ", align_corners=False" : ""))"]
        case let .activation(a):
            return activation(a, torch: true)
        case .magnitude, .color:
            return ["# stage \(r.index): \(r.summary) is not a layer of PyTorch's"]
        }
    }

    private static func tfLayers(_ r: StageReport) -> [String] {
        let g = r.geometry, p = g.pads
        let cropOrPad = p.top + p.bottom + p.left + p.right > 0
        switch r.stage.operation {
        case let .conv(c):
            var l = ["# stage \(r.index): \(r.summary)"]
            var padding = "valid"
            if c.padding == .same && c.padMode == .zeros && c.padValue == 0 {
                padding = "same"
            } else if cropOrPad {
                let pads = "[[0, 0], [\(p.top), \(p.bottom)], [\(p.left), \(p.right)], [0, 0]]"
                switch c.padMode {
                case .zeros where c.padValue == 0: l.append("tf.keras.layers.ZeroPadding2D(((\(p.top), \(p.bottom)), (\(p.left), \(p.right))))")
                case .zeros: l.append("tf.keras.layers.Lambda(lambda t: tf.pad(t, \(pads), constant_values=\(py(c.padValue))))")
                case .reflect: l.append("tf.keras.layers.Lambda(lambda t: tf.pad(t, \(pads), mode=\"REFLECT\"))")
                case .symmetric: l.append("tf.keras.layers.Lambda(lambda t: tf.pad(t, \(pads), mode=\"SYMMETRIC\"))")
                case .replicate, .circular:
                    l.append("# tf.pad has no \(c.padMode.rawValue) mode: pad the input yourself (NumPy mode \(c.padMode.numpyName)); zeros here")
                    l.append("tf.keras.layers.ZeroPadding2D(((\(p.top), \(p.bottom)), (\(p.left), \(p.right))))")
                }
            }
            if g.stride != Size2(square: 1) && g.dilation != Size2(square: 1) {
                l.append("# Keras refuses strides > 1 together with dilation_rate > 1: dilate at stride 1, then keep every \(g.stride) sample")
            }
            l.append("tf.keras.layers.Conv2D(\(g.outChannels), \(pair(g.kernel)), strides=\(pair(g.stride)), padding=\"\(padding)\", "
                     + "dilation_rate=\(pair(g.dilation)), groups=\(g.groups), use_bias=\(c.bias == nil ? "False" : "True"))")
            return l + activation(c.activation, torch: false)
        case let .pool(pool):
            var l = ["# stage \(r.index): \(r.summary)"]
            if cropOrPad {
                l.append(pool.kind == .max
                         ? "tf.keras.layers.Lambda(lambda t: tf.pad(t, [[0, 0], [\(p.top), \(p.bottom)], [\(p.left), \(p.right)], [0, 0]], constant_values=float('-inf')))"
                         : "tf.keras.layers.ZeroPadding2D(((\(p.top), \(p.bottom)), (\(p.left), \(p.right))))")
            }
            if g.dilation != Size2(square: 1) { l.append("# Keras pooling has no dilation: tf.nn.pool(..., dilations=\(pair(g.dilation))) in a Lambda does it") }
            l.append("tf.keras.layers.\(pool.kind == .max ? "MaxPool2D" : "AveragePooling2D")(pool_size=\(pair(g.kernel)), strides=\(pair(g.stride)), padding=\"valid\")")
            return l
        case let .transposed(t):
            var l = ["# stage \(r.index): \(r.summary)",
                     "tf.keras.layers.Conv2DTranspose(\(g.outChannels), \(pair(g.kernel)), strides=\(pair(g.stride)), padding=\"valid\", "
                        + "output_padding=\(t.outputPadding == Size2(square: 0) ? "None" : pair(t.outputPadding)), dilation_rate=\(pair(g.dilation)), "
                        + "use_bias=\(t.bias == nil ? "False" : "True"))"]
            if t.padding != Size2(square: 0) {
                l.append("tf.keras.layers.Cropping2D(((\(t.padding.h), \(t.padding.h)), (\(t.padding.w), \(t.padding.w))))  # PyTorch's padding crops the full result")
            }
            if g.groups > 1 { l.insert("# Conv2DTranspose has no groups: \(g.groups) of them on channel slices, concatenated", at: 1) }
            return l + activation(t.activation, torch: false)
        case let .upsample(u):
            if let f = u.factor { return ["tf.keras.layers.UpSampling2D(size=\(pair(f)), interpolation=\"\(u.mode.rawValue)\")"] }
            return ["tf.keras.layers.Resizing(\(g.output.height), \(g.output.width), interpolation=\"\(u.mode.rawValue)\")"]
        case let .activation(a):
            return activation(a, torch: false)
        case .magnitude, .color:
            return ["# stage \(r.index): \(r.summary) is not a Keras layer"]
        }
    }

    private static func activation(_ a: Activation, torch: Bool) -> [String] {
        switch a {
        case .none: []
        case .relu: [torch ? "nn.ReLU()" : "tf.keras.layers.ReLU()"]
        case .abs: [torch ? "# abs: no nn layer; use torch.abs in forward" : "tf.keras.layers.Lambda(tf.abs)"]
        }
    }
}
