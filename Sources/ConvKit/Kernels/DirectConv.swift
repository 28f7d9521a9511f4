import Dispatch

/// The plain direct convolution: a padded copy of the needed input rows,
/// then for each output channel a sum over input channels and taps of
/// scaled, strided input rows. It is the reference schedule that faster
/// kernels are checked against.
enum DirectConv {
    static func run(_ plan: ConvPlan, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let rowsIn = g.rows.inputRange(forOutputs: outputRows)
        let padded = PaddedBand(strip: strip, rows: rowsIn, cols: g.cols, mode: plan.padMode, value: plan.padValue)
        let outH = outputRows.count, outW = g.cols.output
        let plane = outH * outW
        let coutPerGroup = g.outChannels / g.groups
        let cinPerGroup = g.inChannelsPerGroup
        let kh = g.rows.kernel, kw = g.cols.kernel
        let (sh, sw) = (g.rows.stride, g.cols.stride)
        let (dh, dw) = (g.rows.dilation, g.cols.dilation)
        let pw = padded.width, ph = padded.height
        let outBase = out.baseAddress!
        let work = g.outChannels
        let chunks = max(1, min(threads, work))

        padded.data.withUnsafeBufferPointer { pbuf in
            plan.weights.withUnsafeBufferPointer { wbuf in
                let p = pbuf.baseAddress!, wts = wbuf.baseAddress!
                parallelFor(chunks) { chunk in
                    for o in (work * chunk / chunks)..<(work * (chunk + 1) / chunks) {
                        let acc = outBase + plan.destination[o] * plane
                        let b = plan.bias?[o] ?? 0
                        acc.update(repeating: b, count: plane)
                        let group = o / coutPerGroup
                        for ci in 0..<cinPerGroup {
                            let src = p + (group * cinPerGroup + ci) * ph * pw
                            let wk = wts + (o * cinPerGroup + ci) * kh * kw
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let w = wk[ky * kw + kx]
                                    for oy in 0..<outH {
                                        let srow = src + (oy * sh + ky * dh) * pw + kx * dw
                                        let arow = acc + oy * outW
                                        if sw == 1 {
                                            for ox in 0..<outW { arow[ox] += w * srow[ox] }
                                        } else {
                                            for ox in 0..<outW { arow[ox] += w * srow[ox * sw] }
                                        }
                                    }
                                }
                            }
                        }
                        if plan.activation != .none {
                            for i in 0..<plane { acc[i] = plan.activation(acc[i]) }
                        }
                    }
                }
            }
        }
    }
}

/// A padded copy of input rows `rows` (input coordinates, pads included)
/// across the full padded width, for every channel.
struct PaddedBand {
    let height: Int
    let width: Int
    let data: [Float]

    init(strip: RowStrip, rows: Range<Int>, cols: AxisGeometry, mode: PadMode, value: Float) {
        let c = strip.shape.channels, h = strip.shape.height, w = strip.shape.width
        let pw = cols.paddedInput
        // Column map: padded column -> input column, or -1 for the constant.
        let colMap = (0..<pw).map { mode.sourceIndex($0 - cols.padBefore, count: w) ?? -1 }
        var data = [Float](repeating: value, count: c * rows.count * pw)
        data.withUnsafeMutableBufferPointer { dst in
            for ch in 0..<c {
                for (r, y) in rows.enumerated() {
                    guard let sy = mode.sourceIndex(y, count: h) else { continue }
                    let src = strip.row(ch, sy)
                    let d = dst.baseAddress! + (ch * rows.count + r) * pw
                    for x in 0..<pw where colMap[x] >= 0 { d[x] = src[colMap[x]] }
                }
            }
        }
        self.height = rows.count
        self.width = pw
        self.data = data
    }
}
