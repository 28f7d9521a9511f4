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
/// for each of the group's output channels and output row, `filterRow`
/// accumulates every tap over eight vectors of pixels in registers and
/// stores them once.
enum Depthwise {
    /// Output rows per work item at most: enough to amortise the band's pad
    /// rows, few enough that a 3-channel image gives every thread work.
    static let maximumRowsPerItem = 32
    /// Floats a band may hold: well inside one core's L2.
    static let bandFloats = 96 * 1024

    /// Output channels per group below which this path runs: half the 8-channel tile of the
    /// AVX-512 build. Fixed, so that a convolution takes the same path on every build (the
    /// AVX2 build's 4-channel tiles would otherwise take 2 and 3 channels per group).
    static let channelsPerGroupBelow = 4

    /// Whether this path runs `g`: fewer output channels per group than a register tile wants.
    static func applies(_ g: ConvGeometry) -> Bool {
        g.outChannels / g.groups < channelsPerGroupBelow
    }

    static func run(_ plan: ConvPlan, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let cin = g.inChannelsPerGroup, coutPerGroup = g.outChannels / g.groups
        var layout = BandLayout(channels: cin, phases: g.cols.stride, cols: g.cols, rows: g.rows)
        let bands = layout.bands(outputRows, maximumFloats: bandFloats, maximumRows: maximumRowsPerItem)
        let work = g.groups * bands.count
        let workers = max(1, min(threads, work))
        let offsets = layout.tapOffsets()
        let taps = offsets.count
        let outW = g.cols.output, outPlane = outputRows.count * outW
        let rowStep = g.rows.stride * layout.rowStride

        plan.weights.withUnsafeBufferPointer { wbuf in
            offsets.withUnsafeBufferPointer { obuf in
                parallelFor(workers) { worker in
                    let band = UnsafeMutablePointer<Float>.allocate(capacity: bands.floats)
                    defer { band.deallocate() }
                    for item in (work * worker / workers)..<(work * (worker + 1) / workers) {
                        let (group, bandIndex) = (item / bands.count, item % bands.count)
                        let rows = bands.rows(bandIndex)
                        layout.fill(band, from: strip, outputRows: rows, plan: plan, firstChannel: group * cin)
                        for co in 0..<coutPerGroup {
                            let o = group * coutPerGroup + co
                            let w = wbuf.baseAddress! + o * taps
                            let bias = plan.bias?[o] ?? 0
                            let dst = out.baseAddress! + plan.destination[o] * outPlane + (rows.lowerBound - outputRows.lowerBound) * outW
                            for r in 0..<rows.count {
                                // The band's zero slack after every phase row keeps the last vector's loads inside it.
                                filterRow(band + r * rowStep, w, obuf.baseAddress!, taps, width: outW, bias: bias,
                                          plan.activation, into: dst + r * outW)
                            }
                        }
                    }
                }
            }
        }
    }
}
