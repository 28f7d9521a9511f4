/// A stage resolved for one input shape (convolution weights packed, path
/// chosen), able to compute any band of its output rows from a ``RowStrip``
/// that holds the input rows the band reads: the whole image at once, or a
/// streamed strip plus its halo. Both run the same code, so they give the same bits.
struct StageKernel: Sendable {
    enum Operation: Sendable {
        case conv(ConvPlan)
        case pool(max: Bool)
        case activation(Activation)
        case color(ColorMode)
        case magnitude(groups: Int)
        case transposed(TransposedPlan)
        case resize(ResizePlan)
    }

    let geometry: ConvGeometry
    let operation: Operation

    init(_ report: StageReport) throws(GeometryError) {
        geometry = report.geometry
        switch report.stage.operation {
        case let .conv(c): operation = .conv(try ConvPlan(c, input: report.geometry.input))
        case let .pool(p): operation = .pool(max: p.kind == .max)
        case let .activation(a): operation = .activation(a)
        case let .color(mode): operation = .color(mode)
        case .magnitude: operation = .magnitude(groups: report.geometry.inChannelsPerGroup)
        case let .transposed(t): operation = .transposed(TransposedPlan(t, geometry: report.geometry))
        case .upsample: operation = .resize(ResizePlan(geometry: report.geometry))
        }
    }

    /// Computes `outputRows` of every output channel into `out`, which holds
    /// exactly those rows, channel after channel.
    func run(_ strip: RowStrip, outputRows: Range<Int>, into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let w = geometry.output.width, n = outputRows.count
        let first = outputRows.lowerBound
        // Output row y of channel c, for the element-wise stages (their output rows are their input rows).
        func dst(_ c: Int, _ y: Int) -> UnsafeMutablePointer<Float> { out.baseAddress! + (c * n + y - first) * w }
        switch operation {
        case let .conv(plan):
            plan.run(strip, outputRows: outputRows, into: out, threads: threads)
        case let .pool(isMax):
            pool2D(strip, outputRows: outputRows, out, geometry: geometry, max: isMax, threads: threads)
        case let .transposed(plan):
            plan.run(strip, outputRows: outputRows, into: out, threads: threads)
        case let .resize(plan):
            plan.run(strip, outputRows: outputRows, into: out, threads: threads)
        case let .activation(a):
            for c in 0..<geometry.output.channels {
                for y in outputRows {
                    let s = strip.row(c, y), d = dst(c, y)
                    for x in 0..<w { d[x] = a(s[x]) }
                }
            }
        case let .color(mode):
            let cin = geometry.input.channels
            for y in outputRows {
                if mode == .gray && cin >= 3 {
                    let r = strip.row(0, y), g = strip.row(1, y), b = strip.row(2, y), d = dst(0, y)
                    for x in 0..<w { d[x] = 0.299 * r[x] + 0.587 * g[x] + 0.114 * b[x] }
                    continue
                }
                // keep, gray of 1-2 channels, rgb: copies (channel 0 repeated for a gray input).
                for c in 0..<geometry.output.channels {
                    let source = mode == .rgb && cin < 3 ? 0 : c
                    dst(c, y).update(from: strip.row(source, y), count: w)
                }
            }
        case let .magnitude(k):
            // out[c] = sqrt(sum over g of in[g*C + c]^2), C output channels.
            let channels = geometry.output.channels
            for c in 0..<channels {
                for y in outputRows {
                    let d = dst(c, y)
                    d.update(repeating: 0, count: w)
                    for g in 0..<k {
                        let s = strip.row(g * channels + c, y)
                        for x in 0..<w { d[x] += s[x] * s[x] }
                    }
                    for x in 0..<w { d[x] = d[x].squareRoot() }
                }
            }
        }
    }

    /// The whole output of `input`.
    func run(_ input: Tensor, threads: Int) -> Tensor {
        if case let .conv(plan) = operation { return plan.run(input, threads: threads) }
        let count = geometry.output.count
        let out = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            input.data.withUnsafeBufferPointer { src in
                let strip = RowStrip(base: src, shape: input.shape, firstRow: 0, rowCount: input.height)
                run(strip, outputRows: 0..<geometry.output.height, into: buffer, threads: threads)
            }
            initialized = count
        }
        return Tensor(shape: geometry.output, data: out)
    }
}
