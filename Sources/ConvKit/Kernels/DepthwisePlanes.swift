/// Depthwise convolutions (one input channel per group) on the many channels and small
/// maps of mobile networks: each channel's band of output rows is filtered as one long row.
///
/// Schedule (STYLE habit 2: one schedule of `referenceConv2D`), per work item (channel,
/// band of output rows), items split over threads by channel:
/// - the padded input rows the band reads are split into `sy x sx` phase planes, plane
///   (q, p) holding padded rows `q, q+sy, ...` and columns `p, p+sx, ...`, `colsQ` columns
///   each with no slack between rows (stride 2 deinterleaves a vector pair at a time);
/// - output pixel (r, x) at index `r * colsQ + x` of the flattened band reads tap (ky, kx) at
///   the same index plus a constant: plane ((ky dy) % sy, (kx dx) % sx), shifted by
///   `(ky dy) / sy` rows and `(kx dx) / sx` columns. So `filterRow` (eight vectors of
///   accumulators) runs once over the whole band, `rows * colsQ` outputs, instead of once
///   per short row: a 7x7 map is 4 vectors, not 7 rows of one partly filled vector;
/// - the `colsQ - outW` columns past each output row are computed and dropped when the rows
///   are copied out.
/// Stride 2 reads only the phases it needs, so nothing is computed for skipped pixels.
/// XNNPACK's dwconv keeps channels in the vector lanes (NHWC) instead; with CHW planes
/// flattening is the way to fill the lanes without a transpose.
enum DepthwisePlanes {
    /// Floats a band's phase planes may hold: about a quarter of one core's L2.
    static let bandFloats = 64 * 1024

    /// One input channel per group and fewer than `Depthwise.channelsPerGroupBelow` outputs per group.
    static func applies(_ g: ConvGeometry) -> Bool {
        g.inChannelsPerGroup == 1 && Depthwise.applies(g) && g.output.count > 0
    }

    /// The layout of one band: phase planes of `rowsQ x colsQ` floats.
    struct Layout {
        let sy: Int, sx: Int
        let colsQ: Int, rowsQ: Int
        var planeFloats: Int { rowsQ * colsQ }
        /// Floats of the buffer: the planes, then slack for the last vector's reads past the band.
        let floats: Int

        init(_ g: ConvGeometry, rows: Int) {
            sy = g.rows.stride
            sx = g.cols.stride
            colsQ = (g.cols.paddedInput + sx - 1) / sx
            let held = (rows - 1) * g.rows.stride + g.rows.extent
            rowsQ = (held + sy - 1) / sy
            floats = sy * sx * rowsQ * colsQ + (g.rows.extent / sy + 1) * colsQ + g.cols.extent + 3 * lanes
        }

        /// Offsets of taps (ky, kx) from output pixel 0's index.
        func tapOffsets(_ g: ConvGeometry) -> [Int] {
            var offsets: [Int] = []
            for ky in 0..<g.rows.kernel {
                for kx in 0..<g.cols.kernel {
                    let (dy, dx) = (ky * g.rows.dilation, kx * g.cols.dilation)
                    offsets.append(((dy % sy) * sx + dx % sx) * planeFloats + (dy / sy) * colsQ + dx / sx)
                }
            }
            return offsets
        }
    }

    static func run(_ plan: ConvPlan, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let outW = g.cols.output, coutPerGroup = g.outChannels / g.groups
        let perRow = max(1, g.cols.paddedInput * g.rows.stride)
        let rowsPerBand = max(1, min(outputRows.count, bandFloats / perRow))
        let bands = (outputRows.count + rowsPerBand - 1) / rowsPerBand
        let full = Layout(g, rows: rowsPerBand)
        let offsets = full.tapOffsets(g)
        let taps = offsets.count
        let items = g.groups * bands, workers = max(1, min(threads, items))
        let outPlane = outputRows.count * outW

        plan.weights.withUnsafeBufferPointer { wbuf in
            offsets.withUnsafeBufferPointer { obuf in
                parallelFor(workers) { worker in
                    let buf = UnsafeMutablePointer<Float>.allocate(capacity: full.floats)
                    let flat = UnsafeMutablePointer<Float>.allocate(capacity: (rowsPerBand * full.colsQ).roundedUp(to: lanes))
                    defer { buf.deallocate(); flat.deallocate() }
                    // Lanes past the band's pixels are computed and dropped; zeros keep them finite.
                    buf.initialize(repeating: 0, count: full.floats)
                    // With zeros padding and one band per channel, every item's pad is where the first one put it.
                    let samePad = plan.padMode == .zeros && bands == 1
                    var padded = false
                    for item in (items * worker / workers)..<(items * (worker + 1) / workers) {
                        let (group, band) = (item / bands, item % bands)
                        let first = outputRows.lowerBound + band * rowsPerBand
                        let rows = first..<min(first + rowsPerBand, outputRows.upperBound)
                        // Every band uses the full band's layout, so the tap offsets hold for all.
                        fill(buf, full, from: strip, channel: group, inputRows: g.rows.inputRange(forOutputs: rows), plan: plan,
                             interiorOnly: samePad && padded)
                        padded = true
                        for co in 0..<coutPerGroup {
                            let o = group * coutPerGroup + co
                            let dst = out.baseAddress! + plan.destination[o] * outPlane + (rows.lowerBound - outputRows.lowerBound) * outW
                            // Through `flat`, the band is computed in whole vectors: its last partial one
                            // would otherwise run alone, waiting on its own chain of `taps` FMAs.
                            let direct = full.colsQ == outW
                            let width = direct ? rows.count * outW : (rows.count * full.colsQ).roundedUp(to: lanes)
                            filterRow(buf, wbuf.baseAddress! + o * taps, obuf.baseAddress!, taps, width: width,
                                      bias: plan.bias?[o] ?? 0, plan.activation, into: direct ? dst : flat)
                            if !direct {
                                for r in 0..<rows.count { copyFloats(flat + r * full.colsQ, to: dst + r * outW, outW) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Splits padded input rows `inputRows` (input coordinates; outside the image the pad mode)
    /// of `channel` into the phase planes of `layout`; `interiorOnly` leaves the pad as it is.
    private static func fill(_ buf: UnsafeMutablePointer<Float>, _ layout: Layout, from strip: RowStrip, channel: Int,
                             inputRows: Range<Int>, plan: ConvPlan, interiorOnly: Bool) {
        let cols = plan.geometry.cols
        let h = strip.shape.height, w = strip.shape.width
        let padL = cols.padBefore, pw = cols.paddedInput
        let (sy, sx, colsQ) = (layout.sy, layout.sx, layout.colsQ)
        for (i, y) in inputRows.enumerated() {
            let rowBase = buf + ((i % sy) * sx * layout.rowsQ + i / sy) * colsQ
            guard let iy = plan.padMode.sourceIndex(y, count: h) else {
                if interiorOnly { continue }
                for p in 0..<sx { (rowBase + p * layout.planeFloats).update(repeating: plan.padValue, count: colsQ) }
                continue
            }
            let src = strip.row(channel, iy)
            // Padded column x = p + j * sx reads source column x - padL; the interior is [padL, padL + w).
            let interior = padL..<min(pw, padL + w)
            @inline(__always) func edge(_ x: Int) -> Float {
                if x >= pw { return 0 }
                if let sx = plan.padMode.sourceIndex(x - padL, count: w) { return src[sx] }
                return plan.padValue
            }
            if sx == 1 {
                copyFloats(src, to: rowBase + interior.lowerBound, interior.count)
                if interiorOnly { continue }
                for x in 0..<min(padL, colsQ) { rowBase[x] = edge(x) }
                for x in max(interior.upperBound, padL)..<colsQ { rowBase[x] = edge(x) }
            } else if sx == 2 {
                let even = rowBase, odd = rowBase + layout.planeFloats
                @inline(__always) func put(_ x: Int, _ v: Float) { (x % 2 == 0 ? even : odd)[x / 2] = v }
                let (lo, hi, end) = (interior.lowerBound, interior.upperBound, 2 * colsQ)
                var x = 0
                while x < min(lo, end) {
                    if !interiorOnly { put(x, edge(x)) }
                    x += 1
                }
                // The interior two vectors at a time: column x goes to phase x % 2, element x / 2.
                while x < hi && hi - lo >= 2 * lanes {
                    // The last pair ends at the interior's end, overlapping the one before (same values).
                    if x + 2 * lanes > hi { x = hi - 2 * lanes }
                    let a = load(src + x - padL), b = load(src + x - padL + lanes)
                    if x % 2 == 0 {
                        UnsafeMutableRawPointer(even + x / 2).storeBytes(of: evens(a, b), as: V.self)
                        UnsafeMutableRawPointer(odd + x / 2).storeBytes(of: odds(a, b), as: V.self)
                    } else {
                        UnsafeMutableRawPointer(odd + x / 2).storeBytes(of: evens(a, b), as: V.self)
                        UnsafeMutableRawPointer(even + (x + 1) / 2).storeBytes(of: odds(a, b), as: V.self)
                    }
                    x += 2 * lanes
                }
                while x < end && !(interiorOnly && x >= hi) { put(x, x < hi ? src[x - padL] : edge(x)); x += 1 }
            } else {
                for p in 0..<sx {
                    let dst = rowBase + p * layout.planeFloats
                    for j in 0..<colsQ {
                        let x = p + j * sx
                        dst[j] = x >= interior.lowerBound && x < interior.upperBound ? src[x - padL] : edge(x)
                    }
                }
            }
        }
    }
}
