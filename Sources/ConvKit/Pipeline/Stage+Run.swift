extension Stage {
    /// Runs the stage on `input`, whose shape is `geometry.input` (from ``geometry(for:magnitudeGroups:)``).
    func run(_ input: Tensor, geometry g: ConvGeometry, threads: Int?) throws(GeometryError) -> Tensor {
        switch operation {
        case let .conv(c):
            return try c.run(input, threads: threads)
        case let .pool(p):
            var out = Tensor(zeros: g.output)
            input.data.withUnsafeBufferPointer { src in
                out.data.withUnsafeMutableBufferPointer { dst in
                    pool2D(src, dst, geometry: g, max: p.kind == .max, threads: threads ?? defaultThreadCount)
                }
            }
            return out
        case let .activation(a):
            var out = input
            out.data.withUnsafeMutableBufferPointer { d in
                for i in d.indices { d[i] = a(d[i]) }
            }
            return out
        case let .color(mode):
            return try input.converted(to: mode)
        case .magnitude:
            return magnitude(input, groups: g.inChannelsPerGroup, output: g.output)
        }
    }

    /// `out[c] = sqrt(sum over k of in[k*C + c]^2)`, C = output channels.
    private func magnitude(_ input: Tensor, groups k: Int, output: Shape) -> Tensor {
        var out = Tensor(zeros: output)
        let plane = output.planeCount, c = output.channels
        input.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<c {
                    for g in 0..<k {
                        let base = (g * c + ch) * plane
                        for i in 0..<plane { dst[ch * plane + i] += src[base + i] * src[base + i] }
                    }
                    for i in 0..<plane { dst[ch * plane + i] = dst[ch * plane + i].squareRoot() }
                }
            }
        }
        return out
    }
}
