/// Max or average pooling of every channel plane on its own, PyTorch's
/// `max_pool2d` / `avg_pool2d(count_include_pad=True)`: taps in the pad are
/// `-inf` for max (they never win) and 0 for average, whose divisor is always
/// `kh * kw`. Computes `outputRows` of every channel from `strip` (which holds
/// the input rows they read) into `dst`, which holds exactly those rows.
///
/// Schedule: the depthwise convolution's. Work items are (channel, band of
/// output rows); the rows a band reads are copied into a padded band split
/// into stride phases (`BandLayout`, pads holding -inf or 0), so that every
/// tap of a row of windows is one contiguous vector load; four vectors of
/// windows take the max (or sum) of every tap in registers.
func pool2D(_ strip: RowStrip, outputRows: Range<Int>, _ dst: UnsafeMutableBufferPointer<Float>,
            geometry g: ConvGeometry, max isMax: Bool, threads: Int) {
    let channels = g.input.channels
    var layout = BandLayout(channels: 1, phases: g.cols.stride, cols: g.cols, rows: g.rows)
    let bands = layout.bands(outputRows, maximumFloats: Depthwise.bandFloats, maximumRows: Depthwise.maximumRowsPerItem)
    let work = channels * bands.count
    let workers = Swift.max(1, Swift.min(threads, work))
    let outW = g.output.width, outPlane = outputRows.count * outW
    let rowStep = g.rows.stride * layout.rowStride
    let scale = 1 / Float(g.rows.kernel * g.cols.kernel)
    let offsets = layout.tapOffsets()

    offsets.withUnsafeBufferPointer { obuf in
        parallelFor(workers) { worker in
            let band = UnsafeMutablePointer<Float>.allocate(capacity: bands.floats)
            defer { band.deallocate() }
            for item in (work * worker / workers)..<(work * (worker + 1) / workers) {
                let (c, bandIndex) = (item / bands.count, item % bands.count)
                let rows = bands.rows(bandIndex)
                layout.fill(band, from: strip, outputRows: rows, mode: .zeros, value: isMax ? -.infinity : 0, firstChannel: c)
                let d = dst.baseAddress! + c * outPlane + (rows.lowerBound - outputRows.lowerBound) * outW
                for r in 0..<rows.count {
                    poolRow(band + r * rowStep, obuf.baseAddress!, obuf.count, width: outW, max: isMax, scale: scale,
                            into: d + r * outW)
                }
            }
        }
    }
}

/// One row of windows: out[x] = max (or mean) over taps t of b[offs[t] + x].
/// The band's slack after every phase row keeps the last vector's loads inside it.
@inline(__always)
private func poolRow(_ b: UnsafePointer<Float>, _ offs: UnsafePointer<Int>, _ taps: Int, width: Int, max isMax: Bool,
                     scale: Float, into out: UnsafeMutablePointer<Float>) {
    @inline(__always)
    func combine(_ acc: V, _ v: V) -> V {
        // NaN wins, as in PyTorch: a tap replaces the running max when greater or NaN.
        isMax ? acc.replacing(with: v, where: (v .> acc) .| (v .!= v)) : acc + v
    }
    let start = V(repeating: isMax ? -.infinity : 0), factor = V(repeating: isMax ? 1 : scale)
    var x = 0
    while x + 4 * lanes <= width {
        var a0 = start, a1 = start, a2 = start, a3 = start
        for t in 0..<taps {
            let p = b + offs[t] + x
            a0 = combine(a0, load(p))
            a1 = combine(a1, load(p + lanes))
            a2 = combine(a2, load(p + 2 * lanes))
            a3 = combine(a3, load(p + 3 * lanes))
        }
        if !isMax { (a0, a1, a2, a3) = (a0 * factor, a1 * factor, a2 * factor, a3 * factor) }
        store(a0, a1, a2, to: out + x, 3 * lanes, .none)
        store(a3, to: out + x + 3 * lanes, lanes, .none)
        x += 4 * lanes
    }
    while x < width {
        var a = start
        for t in 0..<taps { a = combine(a, load(b + offs[t] + x)) }
        store(isMax ? a : a * factor, to: out + x, width - x, .none)
        x += lanes
    }
}
