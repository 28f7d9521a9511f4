/// Max or average pooling of every channel plane on its own, PyTorch's
/// `max_pool2d` / `avg_pool2d(count_include_pad=True)`: taps in the pad are
/// `-inf` for max (they never win) and 0 for average, whose divisor is always
/// `kh * kw`. Computes `outputRows` of every channel from `strip` (which holds
/// the input rows they read) into `dst`, which holds exactly those rows.
/// Channels are spread over `threads`; no allocation inside.
func pool2D(_ strip: RowStrip, outputRows: Range<Int>, _ dst: UnsafeMutableBufferPointer<Float>,
            geometry g: ConvGeometry, max isMax: Bool, threads: Int) {
    let channels = g.input.channels
    let inW = g.input.width, outW = g.output.width
    let outPlane = outputRows.count * outW
    let kh = g.rows.kernel, kw = g.cols.kernel
    let scale = 1 / Float(kh * kw)
    let workers = Swift.max(1, Swift.min(threads, channels))
    parallelFor(workers) { w in
        for c in (channels * w / workers)..<(channels * (w + 1) / workers) {
            let d = dst.baseAddress! + c * outPlane
            for oy in outputRows {
                for ox in 0..<outW {
                    var acc: Float = isMax ? -.infinity : 0
                    for ty in 0..<kh {
                        let iy = g.rows.inputIndex(output: oy, tap: ty)
                        if iy < 0 || iy >= g.input.height { continue }
                        let row = strip.row(c, iy)
                        for tx in 0..<kw {
                            let ix = g.cols.inputIndex(output: ox, tap: tx)
                            if ix < 0 || ix >= inW { continue }
                            let v = row[ix]
                            if isMax {
                                // NaN wins, as in PyTorch.
                                if v > acc || v.isNaN { acc = v }
                            } else {
                                acc += v
                            }
                        }
                    }
                    d[(oy - outputRows.lowerBound) * outW + ox] = isMax ? acc : acc * scale
                }
            }
        }
    }
}
