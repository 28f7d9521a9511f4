/// The blocked convolution: output channels x pixels register tiles, summed
/// over every (input channel, tap) of a group in one pass.
///
/// Schedule (STYLE habit 2: this is one schedule of `referenceConv2D`):
/// - the input rows a band of output rows needs are copied once into a padded
///   band (pads filled by the pad mode), split into `stride` column phases so
///   that every tap of a strided window reads contiguous memory;
/// - weights are packed once per plan as [group][block of `tileChannels`][tap][channel];
/// - for each output row, block of channels and tile of `tilePixels` pixels, a
///   micro-kernel accumulates all taps in registers and stores once.
/// A 1x1, stride-1, unpadded convolution is a matrix product over whole channel
/// planes, with no band (Pointwise.swift).
enum Blocked {
    /// Floats a band may hold: about half the 2 MiB L2 of one core.
    static let bandFloats = 256 * 1024

    /// Weights and bias packed for the micro-kernels.
    struct Packed: Sendable {
        let blocksPerGroup: Int
        /// Taps per output channel: Cin/groups * kh * kw.
        let taps: Int
        /// [group][block][tap][tileChannels], zero past the group's channels.
        let weights: [Float]
        /// [group][block][tileChannels].
        let bias: [Float]

        init(_ plan: ConvPlan) {
            let g = plan.geometry
            let coutPerGroup = g.outChannels / g.groups
            let blocks = (coutPerGroup + tileChannels - 1) / tileChannels
            let taps = g.inChannelsPerGroup * g.kernel.h * g.kernel.w
            var w = [Float](repeating: 0, count: g.groups * blocks * taps * tileChannels)
            var b = [Float](repeating: 0, count: g.groups * blocks * tileChannels)
            // Unchecked buffers: a 512 x 4608 layer has 2.4 M weights, and this runs once per plan.
            w.withUnsafeMutableBufferPointer { w in
                plan.weights.withUnsafeBufferPointer { src in
                    for group in 0..<g.groups {
                        for co in 0..<coutPerGroup {
                            let o = group * coutPerGroup + co
                            let (blk, lane) = (co / tileChannels, co % tileChannels)
                            let dst = w.baseAddress! + (group * blocks + blk) * taps * tileChannels + lane
                            let row = src.baseAddress! + o * taps
                            for t in 0..<taps { dst[t * tileChannels] = row[t] }
                            b[(group * blocks + blk) * tileChannels + lane] = plan.bias?[o] ?? 0
                        }
                    }
                }
            }
            self.blocksPerGroup = blocks
            self.taps = taps
            self.weights = w
            self.bias = b
        }
    }

    static func isPointwise(_ g: ConvGeometry) -> Bool {
        g.kernel == Size2(square: 1) && g.stride == Size2(square: 1)
            && g.rows.padBefore == 0 && g.rows.padAfter == 0 && g.cols.padBefore == 0 && g.cols.padAfter == 0
    }

    static func run(_ plan: ConvPlan, _ packed: Packed, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        if isPointwise(plan.geometry) && strip.isWholeImage
            && outputRows == 0..<plan.geometry.rows.output {
            runPointwise(plan, packed, strip: strip, into: out, threads: threads)
        } else {
            runBanded(plan, packed, strip: strip, outputRows: outputRows, into: out, threads: threads)
        }
    }

    /// One output row band at a time, each thread with its own band buffer.
    static func runBanded(_ plan: ConvPlan, _ packed: Packed, strip: RowStrip, outputRows: Range<Int>,
                          into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        var layout = BandLayout(geometry: g, channels: strip.shape.channels)
        let bands = layout.bands(outputRows, maximumFloats: bandFloats)
        let workers = max(1, min(threads, bands.count))
        // [group][ci, ky, kx]: the band holds every input channel, group after group.
        let offsets = layout.tapOffsets()
        let outW = g.cols.output, outPlane = outputRows.count * outW
        let coutPerGroup = g.outChannels / g.groups

        packed.weights.withUnsafeBufferPointer { wbuf in
            packed.bias.withUnsafeBufferPointer { bbuf in
                offsets.withUnsafeBufferPointer { obuf in
                    parallelFor(workers) { worker in
                        let band = UnsafeMutablePointer<Float>.allocate(capacity: bands.floats)
                        let trash = UnsafeMutablePointer<Float>.allocate(capacity: tilePixels)
                        let rowPointers = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: tileChannels)
                        defer { band.deallocate(); trash.deallocate(); rowPointers.deallocate() }
                        for bandIndex in (bands.count * worker / workers)..<(bands.count * (worker + 1) / workers) {
                            let rows = bands.rows(bandIndex)
                            layout.fill(band, from: strip, outputRows: rows, plan: plan)
                            for group in 0..<g.groups {
                                for blk in 0..<packed.blocksPerGroup {
                                    let blockIndex = group * packed.blocksPerGroup + blk
                                    let a = wbuf.baseAddress! + blockIndex * packed.taps * tileChannels
                                    let bias = bbuf.baseAddress! + blockIndex * tileChannels
                                    let offs = obuf.baseAddress! + group * packed.taps
                                    for oy in rows {
                                        let local = oy - rows.lowerBound
                                        for r in 0..<tileChannels {
                                            let co = blk * tileChannels + r
                                            rowPointers[r] = co < coutPerGroup
                                                ? out.baseAddress! + plan.destination[group * coutPerGroup + co] * outPlane + (oy - outputRows.lowerBound) * outW
                                                : trash
                                        }
                                        let b = band + local * g.rows.stride * layout.rowStride
                                        tiles(taps: packed.taps, a, offs, b, rowPointers, width: outW, bias, plan.activation, trash: trash)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The micro-kernels along one row of `width` pixels; `trash` receives the
    /// rows of channels past the group's end, so only their pointers need a valid target.
    @inline(__always)
    static func tiles(taps: Int, _ a: UnsafePointer<Float>, _ offs: UnsafePointer<Int>, _ b: UnsafePointer<Float>,
                              _ c: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, width: Int,
                              _ bias: UnsafePointer<Float>, _ activation: Activation, trash: UnsafeMutablePointer<Float>) {
        var x = 0
        while x + tilePixels <= width {
            kernel(3, taps, a, offs, b + x, c, x, tilePixels, bias, activation, trash)
            x += tilePixels
        }
        if width - x > lanes {
            kernel(2, taps, a, offs, b + x, c, x, min(2 * lanes, width - x), bias, activation, trash)
            x += 2 * lanes
        }
        if x < width {
            kernel(1, taps, a, offs, b + x, c, x, width - x, bias, activation, trash)
        }
    }

    /// One micro-kernel call over `vectors` (1, 2 or 3) vectors of pixels, of which the first `count` are stored.
    @inline(__always)
    static func kernel(_ vectors: Int, _ k: Int, _ a: UnsafePointer<Float>, _ offs: UnsafePointer<Int>, _ b: UnsafePointer<Float>,
                       _ c: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, _ at: Int, _ count: Int,
                       _ bias: UnsafePointer<Float>, _ act: Activation, _ trash: UnsafeMutablePointer<Float>) {
        // Channels past the group's end write to `trash` at offset 0, not `at`.
        shiftTrash(c, trash, at)
        let rows = UnsafePointer(c)
        #if CONVKIT_AVX512
        switch vectors {
        case 3: microKernel8x3(k, a, offs, b, rows, at, count, bias, act)
        case 2: microKernel8x2(k, a, offs, b, rows, at, count, bias, act)
        default: microKernel8x1(k, a, offs, b, rows, at, count, bias, act)
        }
        #else
        switch vectors {
        case 3: microKernel4x3(k, a, offs, b, rows, at, count, bias, act)
        case 2: microKernel4x2(k, a, offs, b, rows, at, count, bias, act)
        default: microKernel4x1(k, a, offs, b, rows, at, count, bias, act)
        }
        #endif
        unshiftTrash(c, trash, at)
    }

    @inline(__always)
    private static func shiftTrash(_ c: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, _ trash: UnsafeMutablePointer<Float>, _ at: Int) {
        for r in 0..<tileChannels where c[r] == trash { c[r] = trash - at }
    }

    @inline(__always)
    private static func unshiftTrash(_ c: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, _ trash: UnsafeMutablePointer<Float>, _ at: Int) {
        for r in 0..<tileChannels where c[r] == trash - at { c[r] = trash }
    }
}
