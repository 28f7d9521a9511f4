/// Rank-1 kernels run as two 1-D passes: `kh + kw` multiply-adds per output
/// instead of `kh * kw`.
///
/// Schedule: output rows in bands sized to stay in L2; for each band, every
/// input row the band reads is padded once into a row buffer and filtered
/// horizontally into the band buffer; then each output row is the vertical
/// filter of band rows. Pads are made one row at a time, never for the image.
enum Separable {
    /// Relative tolerance of the rank-1 test: far below the 1e-4 the results must meet.
    static let tolerance: Float = 1e-6
    /// Floats of the horizontal-pass buffer of one band (512 KiB).
    static let bandFloats = 256 * 1024

    /// Column and row factors of every output channel's kernel: w[i][j] = column[i] * row[j].
    struct Factors: Sendable {
        let kh: Int
        let kw: Int
        /// [Cout][kh]
        let column: [Float]
        /// [Cout][kw]
        let row: [Float]
    }

    /// The factors when each output reads one input channel and every kernel
    /// is rank 1 to within `tolerance`; nil otherwise.
    static func factor(_ plan: ConvPlan) -> Factors? {
        let g = plan.geometry
        let (kh, kw) = (g.kernel.h, g.kernel.w)
        guard g.inChannelsPerGroup == 1, kh > 1, kw > 1 else { return nil }
        var column: [Float] = [], row: [Float] = []
        for o in 0..<g.outChannels {
            let w = plan.weights[(o * kh * kw)..<((o + 1) * kh * kw)]
            var pivot = w.startIndex
            for i in w.indices where Swift.abs(w[i]) > Swift.abs(w[pivot]) { pivot = i }
            let top = Swift.abs(w[pivot])
            if top == 0 {
                column += [Float](repeating: 0, count: kh)
                row += [Float](repeating: 0, count: kw)
                continue
            }
            let (i0, j0) = ((pivot - w.startIndex) / kw, (pivot - w.startIndex) % kw)
            let c = (0..<kh).map { w[w.startIndex + $0 * kw + j0] }
            let r = (0..<kw).map { w[w.startIndex + i0 * kw + $0] / w[pivot] }
            for i in 0..<kh {
                for j in 0..<kw where Swift.abs(w[w.startIndex + i * kw + j] - c[i] * r[j]) > tolerance * top {
                    return nil
                }
            }
            column += c
            row += r
        }
        return Factors(kh: kh, kw: kw, column: column, row: row)
    }

    static func run(_ plan: ConvPlan, _ f: Factors, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let outW = g.cols.output, outPlane = outputRows.count * outW
        let paddedWidth = outW.roundedUp(to: lanes)
        let rowsPerBand = max(1, min(outputRows.count, (bandFloats / paddedWidth - g.rows.extent) / g.rows.stride + 1))
        let bandRows = (rowsPerBand - 1) * g.rows.stride + g.rows.extent
        let bands = (outputRows.count + rowsPerBand - 1) / rowsPerBand
        let work = g.outChannels * bands
        let workers = max(1, min(threads, work))
        let coutPerGroup = g.outChannels / g.groups
        let rowBuffer = g.cols.paddedInput + (f.kw * g.cols.dilation) + lanes * g.cols.stride

        f.column.withUnsafeBufferPointer { cbuf in
            f.row.withUnsafeBufferPointer { rbuf in
                parallelFor(workers) { worker in
                    let padded = UnsafeMutablePointer<Float>.allocate(capacity: rowBuffer)
                    let band = UnsafeMutablePointer<Float>.allocate(capacity: bandRows * paddedWidth)
                    defer { padded.deallocate(); band.deallocate() }
                    padded.initialize(repeating: 0, count: rowBuffer)
                    band.initialize(repeating: 0, count: bandRows * paddedWidth)
                    for item in (work * worker / workers)..<(work * (worker + 1) / workers) {
                        let (o, bandIndex) = (item / bands, item % bands)
                        let first = outputRows.lowerBound + bandIndex * rowsPerBand
                        let rows = first..<min(first + rowsPerBand, outputRows.upperBound)
                        let input = o / coutPerGroup
                        let inputRows = g.rows.inputRange(forOutputs: rows)
                        let rowTaps = rbuf.baseAddress! + o * f.kw
                        for (r, y) in inputRows.enumerated() {
                            padRow(padded, strip: strip, channel: input, row: y, plan: plan)
                            horizontal(padded, rowTaps, f.kw, g.cols, into: band + r * paddedWidth, width: paddedWidth)
                        }
                        let dst = out.baseAddress! + plan.destination[o] * outPlane + (rows.lowerBound - outputRows.lowerBound) * outW
                        vertical(band, paddedWidth, cbuf.baseAddress! + o * f.kh, f.kh, rows: rows.count,
                                 stride: g.rows.stride, dilation: g.rows.dilation, bias: plan.bias?[o] ?? 0,
                                 plan.activation, into: dst, width: outW)
                    }
                }
            }
        }
    }

    /// Padded input row `y` (input coordinates) of `channel` into `dst`.
    @inline(__always)
    private static func padRow(_ dst: UnsafeMutablePointer<Float>, strip: RowStrip, channel: Int, row y: Int, plan: ConvPlan) {
        let cols = plan.geometry.cols
        let w = strip.shape.width, padL = cols.padBefore, pw = cols.paddedInput
        guard let sy = plan.padMode.sourceIndex(y, count: strip.shape.height) else {
            dst.update(repeating: plan.padValue, count: pw)
            return
        }
        let src = strip.row(channel, sy)
        for x in 0..<min(padL, pw) { dst[x] = plan.padMode.sourceIndex(x - padL, count: w).map { src[$0] } ?? plan.padValue }
        let interior = max(0, min(w, pw - padL))
        (dst + padL).update(from: src, count: interior)
        for x in (padL + interior)..<pw { dst[x] = plan.padMode.sourceIndex(x - padL, count: w).map { src[$0] } ?? plan.padValue }
    }

    /// h[ox] = sum_j taps[j] * padded[ox*s + j*d], for `width` (a multiple of `lanes`) outputs.
    @inline(__always)
    private static func horizontal(_ padded: UnsafePointer<Float>, _ taps: UnsafePointer<Float>, _ k: Int,
                                   _ cols: AxisGeometry, into h: UnsafeMutablePointer<Float>, width: Int) {
        let (s, d) = (cols.stride, cols.dilation)
        if s == 1 {
            // Four vectors at a time: independent accumulators hide the FMA latency.
            var x = 0
            while x + 4 * lanes <= width {
                var a0 = V(repeating: 0), a1 = a0, a2 = a0, a3 = a0
                for j in 0..<k {
                    let w = V(repeating: taps[j]), p = padded + x + j * d
                    a0 = a0.addingProduct(w, load(p))
                    a1 = a1.addingProduct(w, load(p + lanes))
                    a2 = a2.addingProduct(w, load(p + 2 * lanes))
                    a3 = a3.addingProduct(w, load(p + 3 * lanes))
                }
                let o = UnsafeMutableRawPointer(h + x)
                o.storeBytes(of: a0, as: V.self)
                o.storeBytes(of: a1, toByteOffset: 4 * lanes, as: V.self)
                o.storeBytes(of: a2, toByteOffset: 8 * lanes, as: V.self)
                o.storeBytes(of: a3, toByteOffset: 12 * lanes, as: V.self)
                x += 4 * lanes
            }
            while x < width {
                var acc = V(repeating: 0)
                for j in 0..<k { acc = acc.addingProduct(V(repeating: taps[j]), load(padded + x + j * d)) }
                UnsafeMutableRawPointer(h + x).storeBytes(of: acc, as: V.self)
                x += lanes
            }
        } else {
            for x in 0..<min(width, cols.output) {
                var acc: Float = 0
                for j in 0..<k { acc += taps[j] * padded[x * s + j * d] }
                h[x] = acc
            }
        }
    }

    /// out[oy][ox] = bias + sum_i taps[i] * band[oy*s + i*d][ox].
    @inline(__always)
    private static func vertical(_ band: UnsafePointer<Float>, _ stride: Int, _ taps: UnsafePointer<Float>, _ k: Int,
                                 rows: Int, stride s: Int, dilation d: Int, bias: Float, _ activation: Activation,
                                 into out: UnsafeMutablePointer<Float>, width: Int) {
        for oy in 0..<rows {
            let base = band + oy * s * stride
            let dst = out + oy * width
            var x = 0
            while x + 4 * lanes <= width {
                var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0
                for i in 0..<k {
                    let w = V(repeating: taps[i]), p = base + i * d * stride + x
                    a0 = a0.addingProduct(w, load(p))
                    a1 = a1.addingProduct(w, load(p + lanes))
                    a2 = a2.addingProduct(w, load(p + 2 * lanes))
                    a3 = a3.addingProduct(w, load(p + 3 * lanes))
                }
                store(a0, a1, a2, to: dst + x, 3 * lanes, activation)
                store(a3, to: dst + x + 3 * lanes, lanes, activation)
                x += 4 * lanes
            }
            while x < width {
                var acc = V(repeating: bias)
                for i in 0..<k { acc = acc.addingProduct(V(repeating: taps[i]), load(base + i * d * stride + x)) }
                store(acc, to: dst + x, width - x, activation)
                x += lanes
            }
        }
    }
}

extension Int {
    @inline(__always)
    func roundedUp(to m: Int) -> Int { (self + m - 1) / m * m }
}
