import ConvKit

extension Preset {
    /// What `convkit filters show` prints: the header, then every stage with
    /// its options and kernels as aligned matrices.
    ///
    ///     sobel: Sobel gradients and their magnitude
    ///     color gray, output map minmax
    ///     stage 1  conv  (sobel.yaml:6:5 stages[0].conv)
    ///       bank of 2 kernels 3x3 on every channel, stride 1, padding same, replicate
    ///       kernel 0:
    ///         -1  0  1
    ///         ...
    public var text: String {
        var lines = ["\(name): \(description ?? "(no description)")"]
        var header = ["color \(color.rawValue)"]
        let o = output
        let out = [o.map.map { "map \($0.rawValue)" }, o.depth.map { "depth \($0)" }, o.layout.map { "layout \($0.rawValue)" },
                   o.colormap.map { "colormap \($0)" }, o.quality.map { "quality \($0)" }].compactMap { $0 }
        if !out.isEmpty { header.append("output " + out.joined(separator: ", ")) }
        lines.append(header.joined(separator: ", "))
        for (i, s) in stages.enumerated() {
            let op = (try? s.operation()) ?? .activation(.none)
            let kind = Stage(op).kind
            lines.append("stage \(i + 1)  \(kind)  (\(s.origin.location) \(s.origin.keyPath))")
            lines += Self.describe(op, kind: s.kind).map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ op: Stage.Operation, kind: PresetStage.Kind) -> [String] {
        switch op {
        case let .conv(c):
            var opts: [String] = []
            var matrices: [(String, Size2, [Float])] = []
            switch c.filters {
            case let .perChannel(ks):
                let k = ks.first?.size ?? Size2(square: 0)
                opts.append(ks.count == 1 ? "kernel \(k.h)x\(k.w) on every channel" : "bank of \(ks.count) kernels \(k.h)x\(k.w) on every channel")
                for (i, kk) in ks.enumerated() { matrices.append((ks.count == 1 ? "kernel" : "kernel \(i)", kk.size, kk.values)) }
            case let .weights(w, g):
                opts.append("weights (\(w.outChannels), \(w.inChannelsPerGroup), \(w.kernel.h), \(w.kernel.w)), groups \(g)")
                let n = w.kernel.h * w.kernel.w
                for o in 0..<w.outChannels {
                    for i in 0..<w.inChannelsPerGroup {
                        let base = (o * w.inChannelsPerGroup + i) * n
                        matrices.append(("weights[\(o)][\(i)]", w.kernel, Array(w.values[base..<(base + n)])))
                    }
                }
            }
            if case let .conv(spec) = kind, let g = spec.generator { opts.append("from \(g)") }
            opts.append("stride \(c.stride)")
            if c.dilation != Size2(square: 1) { opts.append("dilation \(c.dilation)") }
            opts.append("padding \(c.padding)")
            if c.padMode != .zeros { opts.append(c.padMode.rawValue) } else if c.padValue != 0 { opts.append("pad value \(c.padValue)") }
            if c.flip { opts.append("flip") }
            if let b = c.bias { opts.append("bias \(b.map { format($0) }.joined(separator: ","))") }
            if c.activation != .none { opts.append(c.activation.rawValue) }
            var lines = [opts.joined(separator: ", ")]
            for (label, size, values) in matrices {
                lines.append("\(label):")
                lines += matrix(size, values).map { "  " + $0 }
            }
            return lines
        case let .pool(p):
            return ["\(p.kind.rawValue) \(p.size.h)x\(p.size.w), stride \(p.stride), padding \(p.padding)"
                    + (p.dilation != Size2(square: 1) ? ", dilation \(p.dilation)" : "")]
        case let .activation(a):
            return [a.rawValue]
        case let .magnitude(m):
            return [m.groups.map { "L2 norm over \($0) groups of channels" } ?? "L2 norm over the maps of the kernel bank before it"]
        case let .color(c):
            return [c.rawValue]
        case let .transposed(t):
            let w = t.weights
            var opts = ["weights (\(w.outChannels), \(w.inChannelsPerGroup), \(w.kernel.h), \(w.kernel.w))", "stride \(t.stride)"]
            if t.groups > 1 { opts.append("groups \(t.groups)") }
            if t.dilation != Size2(square: 1) { opts.append("dilation \(t.dilation)") }
            opts.append("padding \(t.padding)")
            if t.outputPadding != Size2(square: 0) { opts.append("output padding \(t.outputPadding)") }
            if t.bias != nil { opts.append("bias") }
            if t.activation != .none { opts.append(t.activation.rawValue) }
            return [opts.joined(separator: ", ")]
        case let .upsample(u):
            return [u.mode.rawValue + (u.factor.map { " x\($0)" } ?? u.size.map { " to \($0.h)x\($0.w)" } ?? "")]
        }
    }

    /// Rows of `values` with right-aligned columns of equal width.
    public static func matrix(_ size: Size2, _ values: [Float]) -> [String] {
        let cells = values.map(format)
        let width = cells.map(\.count).max() ?? 1
        return (0..<size.h).map { r in
            (0..<size.w).map { c in
                let s = cells[r * size.w + c]
                return String(repeating: " ", count: width - s.count) + s
            }.joined(separator: " ")
        }
    }

    /// Shortest text for a weight: `1`, `-0.5`, `0.0625`, `0.12345679`.
    static func format(_ v: Float) -> String {
        if v == v.rounded(), abs(v) < 1e7 { return String(Int(v)) }
        return "\(v)"
    }
}
