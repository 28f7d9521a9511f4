/// Convolutions with too few output channels per group to fill a register
/// tile of the blocked kernel: depthwise filters (each output reads one input
/// channel: the sharpen, Laplacian and emboss presets on an RGB image) and
/// narrow layers such as RGB to one channel.
///
/// Schedule (STYLE habit 2: one schedule of `referenceConv2D`): work items
/// are (group, band of output rows), so a 3-channel image still splits over
/// every thread. Per item, the input rows the band reads, for the group's
/// input channels only, are copied into a padded band split into stride
/// phases (`BandLayout`: contiguous loads for any stride or dilation); then
/// for each of the group's output channels and output row, `rowVectors`
/// vectors of pixels accumulate every tap in registers and are stored once.
enum Depthwise {
    /// Output rows per work item at most: enough to amortise the band's pad
    /// rows, few enough that a 3-channel image gives every thread work.
    static let maximumRowsPerItem = 32
    /// Floats a band may hold: well inside one core's L2.
    static let bandFloats = 96 * 1024

    /// Whether this path runs `g`: fewer output channels per group than the blocked kernel wants.
    static func applies(_ g: ConvGeometry) -> Bool {
        g.outChannels / g.groups < Blocked.minimumChannelsPerGroup
    }

    static func run(_ plan: ConvPlan, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let cin = g.inChannelsPerGroup, coutPerGroup = g.outChannels / g.groups
        var layout = BandLayout(channels: cin, phases: g.cols.stride, cols: g.cols, rows: g.rows)
        let fitting = (bandFloats / max(layout.floatsPerRow, 1) - g.rows.extent) / g.rows.stride + 1
        let rowsPerItem = max(1, min(outputRows.count, maximumRowsPerItem, fitting))
        let bandSize = layout.floats(rows: (rowsPerItem - 1) * g.rows.stride + g.rows.extent)
        let bands = (outputRows.count + rowsPerItem - 1) / rowsPerItem
        let work = g.groups * bands
        let workers = max(1, min(threads, work))
        let taps = cin * g.kernel.h * g.kernel.w
        let offsets = tapOffsets(g, layout: layout)
        let outW = g.cols.output, outPlane = outputRows.count * outW
        let rowStep = g.rows.stride * layout.rowStride

        plan.weights.withUnsafeBufferPointer { wbuf in
            offsets.withUnsafeBufferPointer { obuf in
                parallelFor(workers) { worker in
                    let band = UnsafeMutablePointer<Float>.allocate(capacity: bandSize)
                    defer { band.deallocate() }
                    for item in (work * worker / workers)..<(work * (worker + 1) / workers) {
                        let (group, bandIndex) = (item / bands, item % bands)
                        let first = outputRows.lowerBound + bandIndex * rowsPerItem
                        let rows = first..<min(first + rowsPerItem, outputRows.upperBound)
                        layout.fill(band, from: strip, outputRows: rows, plan: plan, firstChannel: group * cin)
                        for co in 0..<coutPerGroup {
                            let o = group * coutPerGroup + co
                            let w = wbuf.baseAddress! + o * taps
                            let bias = plan.bias?[o] ?? 0
                            let dst = out.baseAddress! + plan.destination[o] * outPlane + (rows.lowerBound - outputRows.lowerBound) * outW
                            for r in 0..<rows.count {
                                row(band + r * rowStep, w, obuf.baseAddress!, taps, width: outW, bias: bias,
                                    plan.activation, into: dst + r * outW)
                            }
                        }
                    }
                }
            }
        }
    }

    /// out[x] = bias + sum_t w[t] * b[offs[t] + x] for the `width` pixels of one output row.
    @inline(__always)
    private static func row(_ b: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ offs: UnsafePointer<Int>, _ taps: Int,
                            width: Int, bias: Float, _ activation: Activation, into out: UnsafeMutablePointer<Float>) {
        var x = 0
        // Eight independent accumulators cover the FMA latency; each tap is one broadcast and eight loads.
        while x + 8 * lanes <= width {
            var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
            for t in 0..<taps {
                let wt = V(repeating: w[t]), p = b + offs[t] + x
                a0 = a0.addingProduct(wt, load(p))
                a1 = a1.addingProduct(wt, load(p + lanes))
                a2 = a2.addingProduct(wt, load(p + 2 * lanes))
                a3 = a3.addingProduct(wt, load(p + 3 * lanes))
                a4 = a4.addingProduct(wt, load(p + 4 * lanes))
                a5 = a5.addingProduct(wt, load(p + 5 * lanes))
                a6 = a6.addingProduct(wt, load(p + 6 * lanes))
                a7 = a7.addingProduct(wt, load(p + 7 * lanes))
            }
            store8(a0, a1, a2, a3, a4, a5, a6, a7, to: out + x, activation)
            x += 8 * lanes
        }
        // The band's zero slack after every phase row keeps these loads inside it.
        while x < width {
            var a = V(repeating: bias)
            for t in 0..<taps { a = a.addingProduct(V(repeating: w[t]), load(b + offs[t] + x)) }
            store(a, to: out + x, width - x, activation)
            x += lanes
        }
    }

    /// Offset in the band of each tap (ci, ky, kx) of output column 0 of a band's first output row.
    private static func tapOffsets(_ g: ConvGeometry, layout: BandLayout) -> [Int] {
        var offs: [Int] = []
        let (sw, dh, dw) = (g.cols.stride, g.rows.dilation, g.cols.dilation)
        for ci in 0..<g.inChannelsPerGroup {
            for ky in 0..<g.kernel.h {
                for kx in 0..<g.kernel.w {
                    let col = kx * dw
                    offs.append(ci * layout.channelStride(rows: layout.rowsHeld) + ky * dh * layout.rowStride
                                + (col % sw) * layout.phaseStride + col / sw)
                }
            }
        }
        return offs
    }
}
