/// How the blocked kernel lays out a padded band of input rows.
///
/// Per channel, per padded row, the padded columns are split into `stride`
/// phases: phase `p` holds columns `p, p+s, p+2s, ...`. Tap `kx` of output
/// column `ox` reads padded column `ox*s + kx*d`, which is element
/// `ox + (kx*d)/s` of phase `(kx*d) % s`: contiguous in `ox` for any stride.
/// Each phase row has `lanes` floats of zero slack after it, so a vector
/// load at the last output column stays inside the band.
struct BandLayout {
    let channels: Int
    let stride: Int
    /// Floats per phase row: `ceil(paddedWidth / stride)` plus slack.
    let phaseStride: Int
    /// Floats per padded row: all its phases.
    let rowStride: Int
    /// Padded rows a full band holds (set by the driver through `floats(rows:)`).
    private(set) var rowsHeld = 0
    let cols: AxisGeometry
    let rowsGeometry: AxisGeometry

    init(geometry g: ConvGeometry, channels: Int) {
        self.init(channels: channels, phases: g.cols.stride, cols: g.cols, rows: g.rows)
    }

    /// A layout with `phases` column phases of at least `phaseLength` floats each
    /// (default: the padded width's share plus slack). Columns past the padded
    /// width read as zeros.
    init(channels: Int, phases: Int, cols: AxisGeometry, rows: AxisGeometry, phaseLength: Int? = nil) {
        self.channels = channels
        self.stride = phases
        self.phaseStride = max(phaseLength ?? 0, (cols.paddedInput + phases - 1) / phases + lanes)
        self.rowStride = phaseStride * phases
        self.cols = cols
        self.rowsGeometry = rows
    }

    /// Floats of one padded row across every channel.
    var floatsPerRow: Int { rowStride * channels }

    func channelStride(rows: Int) -> Int { rows * rowStride }

    /// `outputRows` cut into bands of as many rows as fit `maximumFloats` (at least one, at most
    /// `maximumRows`); fixes the channel stride for a band of that many rows.
    mutating func bands(_ outputRows: Range<Int>, maximumFloats: Int, maximumRows: Int = .max) -> Bands {
        let g = rowsGeometry
        let fitting = (maximumFloats / max(floatsPerRow, 1) - g.extent) / g.stride + 1
        let rowsPerBand = max(1, min(outputRows.count, maximumRows, fitting))
        rowsHeld = (rowsPerBand - 1) * g.stride + g.extent
        return Bands(outputRows: outputRows, rowsPerBand: rowsPerBand, floats: rowsHeld * floatsPerRow)
    }

    /// The offset of every tap (channel, ky, kx), channel-major, from column 0 of a band's first
    /// output row: tap `kx` lies in phase `(kx*d) % s`, `(kx*d) / s` elements on.
    func tapOffsets() -> [Int] {
        var offsets: [Int] = []
        for c in 0..<channels {
            for ky in 0..<rowsGeometry.kernel {
                for kx in 0..<cols.kernel {
                    let col = kx * cols.dilation
                    offsets.append(c * channelStride(rows: rowsHeld) + ky * rowsGeometry.dilation * rowStride
                                   + (col % stride) * phaseStride + col / stride)
                }
            }
        }
        return offsets
    }

    /// Copies the padded input rows that `outputRows` read into `band`, from
    /// the strip's channels `firstChannel..<firstChannel+channels`.
    func fill(_ band: UnsafeMutablePointer<Float>, from strip: RowStrip, outputRows: Range<Int>, plan: ConvPlan,
              firstChannel: Int = 0) {
        fill(band, from: strip, inputRows: rowsGeometry.inputRange(forOutputs: outputRows), mode: plan.padMode,
             value: plan.padValue, firstChannel: firstChannel)
    }

    /// The same with the pad given directly (pooling pads with -inf or 0 whatever the convolution's pad).
    func fill(_ band: UnsafeMutablePointer<Float>, from strip: RowStrip, outputRows: Range<Int>, mode: PadMode, value: Float,
              firstChannel: Int = 0) {
        fill(band, from: strip, inputRows: rowsGeometry.inputRange(forOutputs: outputRows), mode: mode, value: value,
             firstChannel: firstChannel)
    }

    /// Copies input rows `inputRows` (input coordinates; pad rows outside the
    /// image follow the pad mode) into `band`.
    func fill(_ band: UnsafeMutablePointer<Float>, from strip: RowStrip, inputRows: Range<Int>, mode: PadMode, value padValue: Float,
              firstChannel: Int = 0) {
        let h = strip.shape.height, w = strip.shape.width
        let padL = cols.padBefore, pw = cols.paddedInput
        // Interior columns are a straight copy; the rest go through the pad mode.
        let interior = max(0, min(w, pw - padL))
        for c in 0..<channels {
            for (r, y) in inputRows.enumerated() {
                let row = band + c * channelStride(rows: rowsHeld) + r * rowStride
                guard let sy = mode.sourceIndex(y, count: h) else {
                    row.update(repeating: padValue, count: rowStride)
                    continue
                }
                let src = strip.row(firstChannel + c, sy)
                if stride == 1 {
                    for x in 0..<padL { row[x] = value(src, x - padL, w, mode, padValue) }
                    (row + padL).update(from: src, count: interior)
                    for x in (padL + interior)..<pw { row[x] = value(src, x - padL, w, mode, padValue) }
                    (row + pw).update(repeating: 0, count: phaseStride - pw)
                } else if stride == 2 {
                    fillPhasePair(row, src, w: w, padL: padL, pw: pw, interior: interior, mode: mode, padValue: padValue)
                } else {
                    for p in 0..<stride {
                        let dst = row + p * phaseStride
                        var q = 0, x = p
                        while x < pw {
                            let sx = x - padL
                            dst[q] = sx >= 0 && sx < w ? src[sx] : value(src, sx, w, mode, padValue)
                            q += 1
                            x += stride
                        }
                        (dst + q).update(repeating: 0, count: phaseStride - q)
                    }
                }
            }
        }
    }

    /// Stride 2: padded column x goes to phase x % 2, element x / 2. The interior is deinterleaved
    /// two vectors at a time (one element per column was a fifth of a stride-2 layer's time).
    @inline(__always)
    private func fillPhasePair(_ row: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, w: Int, padL: Int, pw: Int,
                               interior: Int, mode: PadMode, padValue: Float) {
        let even = row, odd = row + phaseStride
        @inline(__always) func put(_ x: Int, _ v: Float) { (x % 2 == 0 ? even : odd)[x / 2] = v }
        let (lo, hi) = (min(padL, pw), min(padL, pw) + interior)
        var x = 0
        while x < lo { put(x, value(src, x - padL, w, mode, padValue)); x += 1 }
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
        while x < pw { put(x, x < hi ? src[x - padL] : value(src, x - padL, w, mode, padValue)); x += 1 }
        let (evenCount, oddCount) = ((pw + 1) / 2, pw / 2)
        (even + evenCount).update(repeating: 0, count: phaseStride - evenCount)
        (odd + oddCount).update(repeating: 0, count: phaseStride - oddCount)
    }

    @inline(__always)
    private func value(_ src: UnsafePointer<Float>, _ x: Int, _ w: Int, _ mode: PadMode, _ padValue: Float) -> Float {
        if let sx = mode.sourceIndex(x, count: w) { return src[sx] }
        return padValue
    }
}

/// A range of output rows cut into bands of `rowsPerBand` rows (the last may be shorter).
struct Bands {
    let outputRows: Range<Int>
    let rowsPerBand: Int
    /// Floats the buffer of one band needs.
    let floats: Int

    var count: Int { (outputRows.count + rowsPerBand - 1) / rowsPerBand }

    /// The output rows of band `i`.
    func rows(_ i: Int) -> Range<Int> {
        let first = outputRows.lowerBound + i * rowsPerBand
        return first..<min(first + rowsPerBand, outputRows.upperBound)
    }
}
