#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Winograd F(4x4, 3x3) (Lavin & Gray 2015): 3x3 stride-1 convolutions with
/// 36 multiplies per 4x4 outputs and input channel instead of 144, 4x less
/// arithmetic than the direct sum.
///
/// With 6x6 input tiles d overlapping by 2, `Y = Aᵀ [ sum_ci U ⊙ (Bᵀ d B) ] A`
/// with U = G g Gᵀ, so the sum over input channels becomes 36 independent
/// matrix products (Cout x Cin) x (Cin x tiles), run by register tiles like the
/// blocked path's. Schedule, per band of tile rows (sized for L2):
/// - per input channel, the padded input rows of the band are copied (pad mode
///   applied) and each transformed horizontally (d B) once; the vertical half
///   (Bᵀ ·) then writes V, `lanes` tiles per vector;
/// - the 36 products, in place over V (see `products`);
/// - the output transform, which adds the bias and applies the activation.
///
/// F(4x4) replaced F(2x2, 3x3) (16 products, 2.25x less arithmetic), which was
/// slower on every shape measured (16 to 256 channels, 9x9 to 512x512 images),
/// mostly for its transforms' memory traffic: 2.25 transformed values per
/// input or output value instead of 4.
///
/// Rounding: the interpolation points are 0, 1, -1, 1/2, -2 (and infinity),
/// not the usual 0, ±1, ±2: with those, 64 to 80 channels of inputs in [0, 1)
/// and normal weights gave errors up to 1.6e-4 relative (max(1, |y|) scale),
/// over the 1e-4 the tests allow; 1/2 in place of 2 cuts them about 3x
/// (Barabasz et al. 2020 discuss the choice of points). The products' sums in
/// Float32 dominate the error; G g Gᵀ is computed in Float64.
///
/// Streaming: tile rows are anchored at `outputRows.lowerBound`, and input rows
/// past the ones `outputRows` read (a partial last tile row) are taken as
/// zeros, not read, so every tile sees the same data whichever band of rows a
/// call computes: any split of the rows at multiples of 4 gives the same bits.
enum Winograd {
    /// Channels below which the transforms cost more than the multiplies they save.
    static let minimumChannels = 16
    /// Floats of one band's buffer V (transformed input, then products in
    /// place): at most 1.25 MiB of the 2 MiB L2, leaving room for the weights.
    static let bandFloats = 320 * 1024

    static func applies(_ g: ConvGeometry) -> Bool {
        g.kernel == Size2(square: 3) && g.stride == Size2(square: 1) && g.dilation == Size2(square: 1)
            && g.groups == 1 && g.input.channels >= minimumChannels && g.outChannels >= minimumChannels
            && smallestBandBytes(g) <= maximumBandBytes
    }

    /// A band is at least one row of tiles; its buffer grows with channels x width. Layers
    /// whose single tile row would need more than this (thousands of channels on a very
    /// wide image) take the blocked path, whose buffers are bounded by its tiles.
    static let maximumBandBytes = 256 << 20

    /// Bytes of the V/M buffer for one row of tiles of `g`.
    static func smallestBandBytes(_ g: ConvGeometry) -> Int {
        let tileStride = ((g.cols.output + 3) / 4).roundedUp(to: lanes)
        let channels = max(g.input.channels, g.outChannels.roundedUp(to: tileChannels))
        let (n, overflow) = (36 * channels).multipliedReportingOverflow(by: tileStride * MemoryLayout<Float>.size)
        return overflow ? Int.max : n
    }

    /// Transformed weights, packed per position and block for the micro-kernels.
    struct Packed: Sendable {
        let blocks: Int
        /// Floats from one position's weights to the next (skewed, see `skewed`).
        let step: Int
        /// [position 36, `step` apart][block][ci][tileChannels] of U = G g Gᵀ.
        let weights: [Float]

        init(_ plan: ConvPlan) {
            let g = plan.geometry
            let (cin, cout) = (g.input.channels, g.outChannels)
            let blocks = (cout + tileChannels - 1) / tileChannels
            let step = skewed(blocks * cin * tileChannels)
            // Runs on every call, as the products do: no allocation per kernel.
            self.weights = [Float](unsafeUninitializedCapacity: 36 * step) { w, initialized in
                w.initialize(repeating: 0)
                plan.weights.withUnsafeBufferPointer { src in
                    for co in 0..<cout {
                        for ci in 0..<cin {
                            let at = ((co / tileChannels) * cin + ci) * tileChannels + co % tileChannels
                            Self.transformKernel(src.baseAddress! + (co * cin + ci) * 9, into: w.baseAddress! + at, step: step)
                        }
                    }
                }
                initialized = w.count
            }
            self.blocks = blocks
            self.step = step
        }

        /// U = G g Gᵀ in Float64, position i*6+j at `u + (i*6+j) * step`, with
        /// G = [[1,0,0],[1/3,1/3,1/3],[-1/3,1/3,-1/3],[-16/15,-8/15,-4/15],[1/15,-2/15,4/15],[0,0,1]].
        @inline(__always)
        static func transformKernel(_ g: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, step: Int) {
            @inline(__always) func line(_ a: Double, _ b: Double, _ c: Double) -> (Double, Double, Double, Double, Double, Double) {
                let third = 1.0 / 3, fifteenth = 1.0 / 15
                return (a, (a + b + c) * third, (b - a - c) * third, -(16 * a + 8 * b + 4 * c) * fifteenth,
                        (a - 2 * b + 4 * c) * fifteenth, c)
            }
            // G g, a column at a time: t.k is row k of the 6x3 product.
            let c0 = line(Double(g[0]), Double(g[3]), Double(g[6]))
            let c1 = line(Double(g[1]), Double(g[4]), Double(g[7]))
            let c2 = line(Double(g[2]), Double(g[5]), Double(g[8]))
            @inline(__always) func row(_ i: Int, _ a: Double, _ b: Double, _ c: Double) {
                let r = line(a, b, c)
                u[(i * 6) * step] = Float(r.0)
                u[(i * 6 + 1) * step] = Float(r.1)
                u[(i * 6 + 2) * step] = Float(r.2)
                u[(i * 6 + 3) * step] = Float(r.3)
                u[(i * 6 + 4) * step] = Float(r.4)
                u[(i * 6 + 5) * step] = Float(r.5)
            }
            row(0, c0.0, c1.0, c2.0)
            row(1, c0.1, c1.1, c2.1)
            row(2, c0.2, c1.2, c2.2)
            row(3, c0.3, c1.3, c2.3)
            row(4, c0.4, c1.4, c2.4)
            row(5, c0.5, c1.5, c2.5)
        }
    }

    static func run(_ plan: ConvPlan, _ packed: Packed, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let (cin, cout) = (g.input.channels, g.outChannels)
        let outW = g.cols.output, outH = outputRows.count, outPlane = outH * outW
        let tilesW = (outW + 3) / 4, tileStride = tilesW.roundedUp(to: lanes)
        let tileRows = (outH + 3) / 4
        let rowsPerBand = max(1, min(tileRows, bandFloats / (36 * max(cin, packed.blocks * tileChannels) * tileStride)))
        let bands = (tileRows + rowsPerBand - 1) / rowsPerBand
        let workers = max(1, min(threads, bands))
        let span = rowsPerBand * tileStride  // tiles of one band, per channel and position
        let rowStride = lag + span  // one channel of one position: its M, then its V, `lag` floats on
        // The 36 positions are written (V) and read (M) together, as 36 streams:
        // strides of a multiple of 4 KiB would put them all in one L1 set.
        let step = skewed(max(cin, packed.blocks * tileChannels) * rowStride)
        let rows = RowSource(plan: plan, strip: strip, needed: g.rows.inputRange(forOutputs: outputRows),
                             length: 4 * (tileStride + lanes))
        let hRows = 4 * rowsPerBand + 2
        let bias = plan.bias ?? [Float](repeating: 0, count: cout)

        packed.weights.withUnsafeBufferPointer { wbuf in
            bias.withUnsafeBufferPointer { bbuf in
                plan.destination.withUnsafeBufferPointer { dbuf in
                    parallelFor(workers) { worker in
                        let row = UnsafeMutablePointer<Float>.allocate(capacity: hRows * rows.length)
                        let h = UnsafeMutablePointer<Float>.allocate(capacity: hRows * 6 * tileStride)
                        let mine = (bands * worker / workers)..<(bands * (worker + 1) / workers)
                        let vm = allocateBand(floats: 36 * step, bands: mine.count)
                        defer { row.deallocate(); h.deallocate(); free(vm) }
                        row.initialize(repeating: 0, count: hRows * rows.length)
                        for b in mine {
                            let ty0 = b * rowsPerBand, count = min(rowsPerBand, tileRows - ty0)
                            let top = g.rows.inputIndex(output: outputRows.lowerBound + 4 * ty0, tap: 0)
                            for ci in 0..<cin {
                                for k in 0..<(4 * count + 2) {
                                    rows.copy(channel: ci, row: top + k, into: row + k * rows.length)
                                }
                                for k in 0..<(4 * count + 2) {
                                    transformRow(row + k * rows.length, tileStride: tileStride, into: h + k * 6 * tileStride)
                                }
                                for r in 0..<count {
                                    transformColumns(h + 4 * r * 6 * tileStride, tileStride: tileStride,
                                                     into: vm + lag + ci * rowStride + r * tileStride, step: step)
                                }
                            }
                            products(wbuf.baseAddress!, wStep: packed.step, blocks: packed.blocks, cin: cin, vm: vm,
                                     step: step, rowStride: rowStride, width: count * tileStride)
                            let outRows = min(4 * count, outH - 4 * ty0)
                            for co in 0..<cout {
                                transformOutput(vm + co * rowStride, stride: step, tileRows: count, tileStride: tileStride,
                                                tilesW: tilesW, rows: outRows, width: outW, bias: bbuf[co], plan.activation,
                                                into: out.baseAddress! + dbuf[co] * outPlane + 4 * ty0 * outW)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The band buffer V/M, for `bands` bands. From 512 KiB and 8 bands up it
    /// is aligned to 2 MiB and advised to use transparent huge pages: the
    /// transforms read and write its 36 positions as 36 streams a page or more
    /// apart, and with 4 KiB pages that missed the TLB on most vectors (W4:
    /// 12.5 ms instead of 13.9 ms on one thread). Zeroing a fresh huge page
    /// costs about 0.1 ms, more than a few bands take (64 -> 64 channels on
    /// 28x28 went from 0.40 to 0.50 ms). Free with `free`.
    static func allocateBand(floats: Int, bands: Int) -> UnsafeMutablePointer<Float> {
        let huge = 2 << 20, bytes = floats * MemoryLayout<Float>.stride
        let large = bytes >= huge / 4 && bands >= 8
        let size = large ? (bytes + huge - 1) / huge * huge : bytes
        var raw: UnsafeMutableRawPointer?
        // `applies` bounds a band by maximumBandBytes, so only an exhausted machine fails here,
        // as any allocation would; the huge-page request is dropped first.
        if posix_memalign(&raw, large ? huge : 64, size) != 0 || raw == nil {
            guard posix_memalign(&raw, 64, bytes) == 0, let small = raw else {
                preconditionFailure("out of memory for a \(bytes)-byte Winograd band (at most \(maximumBandBytes) bytes per tile row)")
            }
            return small.bindMemory(to: Float.self, capacity: floats)
        }
        guard let raw else { preconditionFailure("posix_memalign returned no pointer") }
        #if os(Linux)
        if large { _ = madvise(raw, size, MADV_HUGEPAGE) }
        #endif
        return raw.bindMemory(to: Float.self, capacity: floats)
    }

    /// `floats` rounded up to whole 4 KiB pages plus one cache line, so that
    /// consecutive multiples of it fall in different L1 sets.
    static func skewed(_ floats: Int) -> Int { floats.roundedUp(to: 1024) + 16 }

    /// Supplies padded input rows: the pad mode outside the image, zeros past
    /// the padded width and for rows the requested outputs do not read.
    struct RowSource {
        let plan: ConvPlan
        let strip: RowStrip
        /// The input rows the requested output rows read (input coordinates).
        let needed: Range<Int>
        /// Floats of a row buffer: every column the tiles read, plus vector slack.
        let length: Int

        /// Writes padded row `y` (input coordinates) of channel `c` into `row`,
        /// whose columns past the padded width must hold zeros already.
        @inline(never)
        func copy(channel c: Int, row y: Int, into row: UnsafeMutablePointer<Float>) {
            let cols = plan.geometry.cols
            let w = strip.shape.width, padL = cols.padBefore, pw = cols.paddedInput
            guard needed.contains(y) else {
                row.update(repeating: 0, count: pw)
                return
            }
            guard let sy = plan.padMode.sourceIndex(y, count: strip.shape.height) else {
                row.update(repeating: plan.padValue, count: pw)
                return
            }
            let src = strip.row(c, sy)
            let interior = max(0, min(w, pw - padL))
            for x in 0..<min(padL, pw) { row[x] = value(src, x - padL, w) }
            (row + padL).update(from: src, count: interior)
            for x in (padL + interior)..<pw { row[x] = value(src, x - padL, w) }
        }

        @inline(__always)
        private func value(_ src: UnsafePointer<Float>, _ x: Int, _ w: Int) -> Float {
            if let sx = plan.padMode.sourceIndex(x, count: w) { return src[sx] }
            return plan.padValue
        }
    }
}
