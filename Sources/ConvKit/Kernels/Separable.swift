/// Rank-1 kernels run as two 1-D passes: `kh + kw` multiply-adds per output
/// instead of `kh * kw`.
///
/// Schedule: for each output row, the vertical filter reads the `kh` input
/// rows it needs in place (pad rows map through the pad mode, or a constant
/// row) into one row buffer, whose pad columns are then filled; the horizontal
/// filter of that buffer is the output row. No padded image, no band, no
/// recomputation: input rows stay in L2 between neighbouring output rows.
enum Separable {
    /// Relative tolerance of the rank-1 test: far below the 1e-4 the results must meet.
    static let tolerance: Float = 1e-6

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

    /// Output rows per work item: enough to amortise a row buffer, small enough to balance threads.
    static let rowsPerItem = 32

    static func run(_ plan: ConvPlan, _ f: Factors, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let outW = g.cols.output, outPlane = outputRows.count * outW
        let bands = (outputRows.count + rowsPerItem - 1) / rowsPerItem
        let work = g.outChannels * bands
        let workers = max(1, min(threads, work))
        let coutPerGroup = g.outChannels / g.groups
        let w = strip.shape.width
        // The vertically filtered row, padded; slack so the last vectors of the horizontal pass stay inside.
        let rowFloats = g.cols.paddedInput + 4 * lanes * g.cols.stride + f.kw * g.cols.dilation

        // Tap j of the horizontal pass reads j * dilation columns on: in the filtered row itself at
        // stride 1; at stride s in the row split into s phases (phase p holds columns p, p+s, ...),
        // where output x's tap j is element x + (j*d)/s of phase (j*d) % s: contiguous in x.
        let (sw, dw) = (g.cols.stride, g.cols.dilation)
        let phaseLength = (g.cols.paddedInput + sw - 1) / sw + lanes
        let rowOffsets = (0..<f.kw).map { sw == 1 ? $0 * dw : ($0 * dw % sw) * phaseLength + $0 * dw / sw }

        f.column.withUnsafeBufferPointer { cbuf in
            f.row.withUnsafeBufferPointer { rbuf in
                rowOffsets.withUnsafeBufferPointer { obuf in
                    parallelFor(workers) { worker in
                        let filtered = UnsafeMutablePointer<Float>.allocate(capacity: rowFloats)
                        let phases = UnsafeMutablePointer<Float>.allocate(capacity: sw == 1 ? 0 : sw * phaseLength)
                        let constant = UnsafeMutablePointer<Float>.allocate(capacity: w)
                        let sources = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: f.kh)
                        defer { filtered.deallocate(); phases.deallocate(); constant.deallocate(); sources.deallocate() }
                        filtered.initialize(repeating: 0, count: rowFloats)
                        // Each phase's slack past its columns stays zero: rows only rewrite the columns.
                        phases.initialize(repeating: 0, count: sw == 1 ? 0 : sw * phaseLength)
                        constant.initialize(repeating: plan.padValue, count: w)
                        for item in (work * worker / workers)..<(work * (worker + 1) / workers) {
                            let (o, band) = (item / bands, item % bands)
                            let first = outputRows.lowerBound + band * rowsPerItem
                            let input = o / coutPerGroup
                            let colTaps = cbuf.baseAddress! + o * f.kh, rowTaps = rbuf.baseAddress! + o * f.kw
                            var colSum: Float = 0
                            for i in 0..<f.kh { colSum += colTaps[i] }
                            let dst = out.baseAddress! + plan.destination[o] * outPlane
                            for oy in first..<min(first + rowsPerItem, outputRows.upperBound) {
                                for i in 0..<f.kh {
                                    let y = g.rows.inputIndex(output: oy, tap: i)
                                    sources[i] = plan.padMode.sourceIndex(y, count: strip.shape.height)
                                        .map { strip.row(input, $0) } ?? UnsafePointer(constant)
                                }
                                vertical(sources, colTaps, f.kh, width: w, into: filtered + g.cols.padBefore)
                                padColumns(filtered, g.cols, plan.padMode, constant: plan.padValue * colSum)
                                horizontal(filtered, rowTaps, f.kw, offsets: obuf.baseAddress!, g.cols, phases: phases,
                                           phaseLength: phaseLength, bias: plan.bias?[o] ?? 0, plan.activation,
                                           into: dst + (oy - outputRows.lowerBound) * outW)
                            }
                        }
                    }
                }
            }
        }
    }

    /// v[x] = sum_i taps[i] * rows[i][x] for the `width` input columns.
    @inline(__always)
    private static func vertical(_ rows: UnsafePointer<UnsafePointer<Float>>, _ taps: UnsafePointer<Float>, _ k: Int,
                                 width: Int, into v: UnsafeMutablePointer<Float>) {
        var x = 0
        // Eight vectors at a time: eight independent accumulators cover the FMA latency
        // (4 cycles, 2 per cycle); four left every tap waiting on the previous one.
        while x + 8 * lanes <= width {
            var a0 = V(repeating: 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
            for i in 0..<k {
                let t = V(repeating: taps[i]), p = rows[i] + x
                a0 = a0.addingProduct(t, load(p))
                a1 = a1.addingProduct(t, load(p + lanes))
                a2 = a2.addingProduct(t, load(p + 2 * lanes))
                a3 = a3.addingProduct(t, load(p + 3 * lanes))
                a4 = a4.addingProduct(t, load(p + 4 * lanes))
                a5 = a5.addingProduct(t, load(p + 5 * lanes))
                a6 = a6.addingProduct(t, load(p + 6 * lanes))
                a7 = a7.addingProduct(t, load(p + 7 * lanes))
            }
            let o = UnsafeMutableRawPointer(v + x), step = 4 * lanes
            o.storeBytes(of: a0, as: V.self)
            o.storeBytes(of: a1, toByteOffset: step, as: V.self)
            o.storeBytes(of: a2, toByteOffset: 2 * step, as: V.self)
            o.storeBytes(of: a3, toByteOffset: 3 * step, as: V.self)
            o.storeBytes(of: a4, toByteOffset: 4 * step, as: V.self)
            o.storeBytes(of: a5, toByteOffset: 5 * step, as: V.self)
            o.storeBytes(of: a6, toByteOffset: 6 * step, as: V.self)
            o.storeBytes(of: a7, toByteOffset: 7 * step, as: V.self)
            x += 8 * lanes
        }
        while x + lanes <= width {
            var a = V(repeating: 0)
            for i in 0..<k { a = a.addingProduct(V(repeating: taps[i]), load(rows[i] + x)) }
            UnsafeMutableRawPointer(v + x).storeBytes(of: a, as: V.self)
            x += lanes
        }
        // Rows are read in place: no vector may run past a row's end.
        while x < width {
            var a: Float = 0
            for i in 0..<k { a += taps[i] * rows[i][x] }
            v[x] = a
            x += 1
        }
    }

    /// Fills the pad columns of a vertically filtered row. Column padding
    /// commutes with the vertical filter, except that a constant pad is
    /// filtered too: it holds `constant` = pad value x sum of the column taps.
    @inline(__always)
    private static func padColumns(_ row: UnsafeMutablePointer<Float>, _ cols: AxisGeometry, _ mode: PadMode, constant: Float) {
        let w = cols.input, padL = cols.padBefore
        for x in 0..<padL { row[x] = mode.sourceIndex(x - padL, count: w).map { row[padL + $0] } ?? constant }
        for x in (padL + w)..<cols.paddedInput {
            row[x] = mode.sourceIndex(x - padL, count: w).map { row[padL + $0] } ?? constant
        }
    }

    /// out[ox] = bias + sum_j taps[j] * row[ox*s + j*d].
    @inline(__always)
    private static func horizontal(_ row: UnsafePointer<Float>, _ taps: UnsafePointer<Float>, _ k: Int, offsets: UnsafePointer<Int>,
                                   _ cols: AxisGeometry, phases: UnsafeMutablePointer<Float>, phaseLength: Int,
                                   bias: Float, _ activation: Activation, into out: UnsafeMutablePointer<Float>) {
        let s = cols.stride
        guard s > 1 else {
            filterRow(row, taps, offsets, k, width: cols.output, bias: bias, activation, into: out)
            return
        }
        for p in 0..<s {
            let dst = phases + p * phaseLength
            var (q, x) = (0, p)
            while x < cols.paddedInput {
                dst[q] = row[x]
                q += 1
                x += s
            }
        }
        filterRow(phases, taps, offsets, k, width: cols.output, bias: bias, activation, into: out)
    }
}

extension Int {
    @inline(__always)
    func roundedUp(to m: Int) -> Int { (self + m - 1) / m * m }
}
