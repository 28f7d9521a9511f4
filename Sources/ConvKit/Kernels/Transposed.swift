/// A transposed convolution resolved for one input shape: weights packed for
/// the kernel, the tap tables of every output row and column phase.
///
/// Schedule: a gather by output phase, never a zero-inserted input. Output
/// `(y, x)` receives tap `(ty, tx)` from input `((y + p - ty*d) / s, (x + p - tx*d) / s)`
/// when both divisions are exact. For one output row the valid row taps are
/// fixed (`rowTaps`); along a row the outputs split into `s` phases
/// `x = first + m*s`, each receiving a fixed set of column taps whose input
/// column is `inputOfFirst + m`: contiguous in `m`. So a phase of a row is
/// `s` small dense correlations over input rows, vectorised over `m`.
///
/// Work items are (output row, group), spread over the threads. Per item the
/// input rows the row taps read are copied, for the group's input channels,
/// into zero-padded rows (`reach.before` zeros in front, `reach.after` plus
/// two vectors of slack behind), so that no load needs a bounds check. Then
/// for each block of `block` output channels and each phase, 2 vectors of
/// `m` x `block` channels = 8 accumulators sum every (input channel, row tap,
/// column tap) with one pair of loads and `block` broadcasts; the sums are
/// written to every `s`-th output column with the bias and activation.
///
/// Packed weights: per (group, channel block), `[ci][ty][tx][block]`, zeros
/// for the channels past the group's last.
///
/// `CONVKIT_KERNEL=direct` runs the same gather one output at a time in
/// scalar code (`scalarRow`), to compare with or to rule out the vector path.
struct TransposedPlan: Sendable {
    /// Output channels accumulated at once: 4 x 2 vectors = 8 of AVX2's 16 registers,
    /// leaving room for the 2 pixel vectors and a broadcast.
    static let block = 4

    let geometry: ConvGeometry
    let packed: [Float]
    let bias: [Float]
    let activation: Activation
    /// Output row y's taps: `rowTaps[rowStart[y]..<rowStart[y+1]]`, pairs (ty, iy) flattened.
    let rowTaps: [Int]
    let rowStart: [Int]
    /// Column phases: first output, count, and taps `(tx, offset in a padded row)` flattened
    /// in `columnTaps[columnStart[p]..<columnStart[p+1]]`.
    let phaseFirst: [Int]
    let phaseCount: [Int]
    let columnTaps: [Int]
    let columnStart: [Int]
    let padBefore: Int
    let paddedWidth: Int
    /// The scalar path, forced by `CONVKIT_KERNEL=direct`.
    var scalar = KernelPath.forced == .direct

    init(_ t: TransposedConvolution, geometry g: ConvGeometry) {
        geometry = g
        let cin = g.input.channels / g.groups, cout = g.outChannels / g.groups
        let kh = g.kernel.h, kw = g.kernel.w, b = Self.block
        let blocks = (cout + b - 1) / b
        var packed = [Float](repeating: 0, count: g.groups * blocks * cin * kh * kw * b)
        let w = t.weights.values
        for group in 0..<g.groups {
            for co in 0..<cout {
                let dst = (group * blocks + co / b) * cin * kh * kw * b + co % b
                for ci in 0..<cin {
                    for tap in 0..<(kh * kw) {
                        packed[dst + (ci * kh * kw + tap) * b] = w[((group * cin + ci) * cout + co) * kh * kw + tap]
                    }
                }
            }
        }
        self.packed = packed
        bias = t.bias ?? [Float](repeating: 0, count: g.outChannels)
        activation = t.activation
        var rowTaps: [Int] = [], rowStart = [0]
        for y in 0..<g.rows.output {
            for s in g.rows.transposedSources(output: y) { rowTaps += [s.tap, s.input] }
            rowStart.append(rowTaps.count / 2)
        }
        self.rowTaps = rowTaps
        self.rowStart = rowStart
        let reach = g.cols.transposedReach
        padBefore = reach.before
        paddedWidth = reach.before + g.cols.input + reach.after + 2 * lanes
        var first: [Int] = [], count: [Int] = [], taps: [Int] = [], start = [0]
        for p in g.cols.transposedPhases {
            first.append(p.first)
            count.append(p.count)
            for (tx, i) in zip(p.taps, p.inputOfFirst) { taps += [tx, i + reach.before] }
            start.append(taps.count / 2)
        }
        phaseFirst = first
        phaseCount = count
        columnTaps = taps
        columnStart = start
    }

    func run(_ input: Tensor, threads: Int) -> Tensor {
        let count = geometry.output.count
        let out = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            input.data.withUnsafeBufferPointer { src in
                let strip = RowStrip(base: src, shape: input.shape, firstRow: 0, rowCount: input.height)
                run(strip, outputRows: 0..<geometry.rows.output, into: buffer, threads: threads)
            }
            initialized = count
        }
        return Tensor(shape: geometry.output, data: out)
    }

    /// Computes `outputRows` of every output channel from `strip` (which holds
    /// the input rows ``AxisGeometry/inputRange(forOutputs:)`` names, those
    /// inside the image) into `out`, which holds exactly those rows.
    func run(_ strip: RowStrip, outputRows: Range<Int>, into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = geometry
        let groups = g.groups, work = outputRows.count * groups
        let workers = max(1, min(threads, work))
        let cin = g.input.channels / groups
        let scratch = cin * g.kernel.h * paddedWidth
        packed.withUnsafeBufferPointer { w in
            rowTaps.withUnsafeBufferPointer { rt in
                columnTaps.withUnsafeBufferPointer { ct in
                    let tables = Tables(weights: w.baseAddress!, rowTaps: rt.baseAddress!, columnTaps: ct.baseAddress!)
                    parallelFor(workers) { worker in
                        let rows = UnsafeMutablePointer<Float>.allocate(capacity: max(1, scratch))
                        let sums = UnsafeMutablePointer<Float>.allocate(capacity: Self.block * 2 * lanes)
                        defer { rows.deallocate(); sums.deallocate() }
                        for item in (work * worker / workers)..<(work * (worker + 1) / workers) {
                            let y = outputRows.lowerBound + item / groups, group = item % groups
                            if scalar {
                                scalarRow(y, group: group, strip, tables, into: out.baseAddress!, outputRows: outputRows)
                            } else {
                                row(y, group: group, strip, tables, rows, sums, into: out.baseAddress!, outputRows: outputRows)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Output row `y` of the group's channels, one output at a time: the definition, read straight from the strip.
    private func scalarRow(_ y: Int, group: Int, _ strip: RowStrip, _ t: Tables, into out: UnsafeMutablePointer<Float>,
                           outputRows: Range<Int>) {
        let g = geometry, b = Self.block
        let cin = g.input.channels / g.groups, cout = g.outChannels / g.groups
        let kh = g.kernel.h, kw = g.kernel.w, inW = g.input.width, outW = g.output.width, s = g.cols.stride
        let blocks = (cout + b - 1) / b
        let plane = outputRows.count * outW, rowOffset = (y - outputRows.lowerBound) * outW
        for co in 0..<cout {
            let o = group * cout + co
            let wBlock = t.weights + (group * blocks + co / b) * cin * kh * kw * b + co % b
            for p in phaseFirst.indices {
                for m in 0..<phaseCount[p] {
                    var sum: Float = 0
                    for tap in rowStart[y]..<rowStart[y + 1] {
                        let ty = t.rowTaps[2 * tap], iy = t.rowTaps[2 * tap + 1]
                        for ci in 0..<cin {
                            let src = strip.row(group * cin + ci, iy)
                            for c in columnStart[p]..<columnStart[p + 1] {
                                let ix = t.columnTaps[2 * c + 1] - padBefore + m
                                guard ix >= 0 && ix < inW else { continue }
                                sum += wBlock[((ci * kh + ty) * kw + t.columnTaps[2 * c]) * b] * src[ix]
                            }
                        }
                    }
                    out[o * plane + rowOffset + phaseFirst[p] + m * s] = activation(sum + bias[o])
                }
            }
        }
    }

    private struct Tables {
        let weights: UnsafePointer<Float>
        let rowTaps: UnsafePointer<Int>
        let columnTaps: UnsafePointer<Int>
    }

    /// Output row `y` of the group's channels.
    private func row(_ y: Int, group: Int, _ strip: RowStrip, _ t: Tables, _ rows: UnsafeMutablePointer<Float>,
                     _ sums: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, outputRows: Range<Int>) {
        let g = geometry, b = Self.block
        let cin = g.input.channels / g.groups, cout = g.outChannels / g.groups
        let kh = g.kernel.h, kw = g.kernel.w, inW = g.input.width, outW = g.output.width, s = g.cols.stride
        let taps = rowStart[y]..<rowStart[y + 1]
        // The padded input rows: (row tap, input channel) after each other.
        for (k, tap) in taps.enumerated() {
            let iy = t.rowTaps[2 * tap + 1]
            for ci in 0..<cin {
                let d = rows + (k * cin + ci) * paddedWidth
                d.update(repeating: 0, count: padBefore)
                (d + padBefore).update(from: strip.row(group * cin + ci, iy), count: inW)
                (d + padBefore + inW).update(repeating: 0, count: paddedWidth - padBefore - inW)
            }
        }
        let plane = outputRows.count * outW, rowOffset = (y - outputRows.lowerBound) * outW
        let blocks = (cout + b - 1) / b
        for blockIndex in 0..<blocks {
            let wBlock = t.weights + (group * blocks + blockIndex) * cin * kh * kw * b
            let channels = min(b, cout - blockIndex * b)
            for p in phaseFirst.indices {
                let first = phaseFirst[p], count = phaseCount[p]
                let columns = columnStart[p]..<columnStart[p + 1]
                var m = 0
                while m < count {
                    var a0 = V(repeating: 0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
                    for (k, tap) in taps.enumerated() {
                        let ty = t.rowTaps[2 * tap]
                        for ci in 0..<cin {
                            let src = rows + (k * cin + ci) * paddedWidth + m
                            let wRow = wBlock + (ci * kh + ty) * kw * b
                            for c in columns {
                                let x0 = load(src + t.columnTaps[2 * c + 1]), x1 = load(src + t.columnTaps[2 * c + 1] + lanes)
                                let wt = wRow + t.columnTaps[2 * c] * b
                                let w0 = V(repeating: wt[0]), w1 = V(repeating: wt[1]), w2 = V(repeating: wt[2]), w3 = V(repeating: wt[3])
                                a0 = a0.addingProduct(w0, x0); a1 = a1.addingProduct(w0, x1)
                                a2 = a2.addingProduct(w1, x0); a3 = a3.addingProduct(w1, x1)
                                a4 = a4.addingProduct(w2, x0); a5 = a5.addingProduct(w2, x1)
                                a6 = a6.addingProduct(w3, x0); a7 = a7.addingProduct(w3, x1)
                            }
                        }
                    }
                    let raw = UnsafeMutableRawPointer(sums), step = lanes * MemoryLayout<Float>.size
                    raw.storeBytes(of: a0, as: V.self); raw.storeBytes(of: a1, toByteOffset: step, as: V.self)
                    raw.storeBytes(of: a2, toByteOffset: 2 * step, as: V.self); raw.storeBytes(of: a3, toByteOffset: 3 * step, as: V.self)
                    raw.storeBytes(of: a4, toByteOffset: 4 * step, as: V.self); raw.storeBytes(of: a5, toByteOffset: 5 * step, as: V.self)
                    raw.storeBytes(of: a6, toByteOffset: 6 * step, as: V.self); raw.storeBytes(of: a7, toByteOffset: 7 * step, as: V.self)
                    let n = min(2 * lanes, count - m)
                    for j in 0..<channels {
                        let o = group * cout + blockIndex * b + j
                        let dst = out + o * plane + rowOffset + first + m * s
                        let bias = self.bias[o], sum = sums + j * 2 * lanes
                        for q in 0..<n { dst[q * s] = activation(sum[q] + bias) }
                    }
                    m += 2 * lanes
                }
            }
        }
    }
}
