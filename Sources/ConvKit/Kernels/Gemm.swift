/// Implicit GEMM over packed im2col panels: output channels x output pixels, with the
/// pixels of a chunk of output rows flattened into one run, so that a 7x7 map fills
/// register tiles as well as a 224x224 one does.
///
/// Schedule (STYLE habit 2: one schedule of `referenceConv2D`), per chunk of output rows:
/// - the input rows the chunk reads are copied once into a padded band in stride phases
///   (`BandLayout`, the blocked path's band: every pad mode, stride and dilation);
/// - the band is unrolled into a panel, laid out [tile of `tilePixels` output pixels][tap][pixel]
///   (taps in weight order: channel, ky, kx): only the output pixels are gathered, so a
///   stride-2 layer does a quarter of a stride-1 layer's work, not a half-wasted row loop;
/// - every (block of `tileChannels` output channels, tile) runs the blocked micro-kernel
///   along the panel tile, reading tap `t` at `t * tilePixels`: a plain sgemm micro-kernel;
/// - both steps are split over threads: the packing by taps, the products by
///   (block, tile) items, blocks outermost, so a layer with 49 output pixels still keeps
///   every thread busy with its own output channels (work over rows alone would give one
///   thread both rows' tiles).
/// Weights are `Blocked.Packed`, made once per plan. Each output pixel sums its taps in
/// weight order from the bias, whatever tile it lands in, so any band of output rows gives
/// the same bits as the whole image.
///
/// XNNPACK's igemm reads an indirection buffer of row pointers instead of a copied panel,
/// and oneDNN's brgemm keeps channels in the vector lanes (nChw16c); the copy keeps the
/// channel-planar layout and the existing micro-kernels, and costs one pass over `taps x pixels`
/// floats, small beside the `tileChannels`-fold reuse of each panel float.
enum Gemm {
    /// Tiles of a chunk: one slice of taps of each (`sliceTaps` x `tilePixels` floats, 48 KiB)
    /// stays in the 1 MiB L2 while every block of output channels reads it.
    static let chunkTiles = 16
    /// Floats of a chunk's panel at most (4 MiB), for layers with very many taps.
    static let panelFloats = 1024 * 1024
    /// Floats a chunk's band may hold at most (it holds every input channel).
    static let bandFloats = 2 * 1024 * 1024

    /// Every geometry can run here (groups, strides, dilation, pads); it pays when rows are
    /// too narrow to fill tiles, at strides above 1 and for 1x1 layers with few pixels.
    static func applies(_ g: ConvGeometry) -> Bool { g.output.count > 0 }

    static func run(_ plan: ConvPlan, _ packed: Blocked.Packed, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let taps = packed.taps, outW = g.cols.output
        guard outW > 0, !outputRows.isEmpty else { return }
        var layout = BandLayout(geometry: g, channels: strip.shape.channels)
        let rowsByPanel = max(1, min(panelFloats / max(1, taps * outW), chunkTiles * tilePixels / outW))
        let chunks = layout.bands(outputRows, maximumFloats: bandFloats, maximumRows: rowsByPanel)
        let offsets = layout.tapOffsets()
        let rowStep = g.rows.stride * layout.rowStride
        let maxTiles = (chunks.rowsPerBand * outW + tilePixels - 1) / tilePixels
        let band = UnsafeMutablePointer<Float>.allocate(capacity: chunks.floats)
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: maxTiles * taps * tilePixels)
        defer { band.deallocate(); panel.deallocate() }
        // Tap t of a panel tile is its row of `tilePixels` floats.
        let panelOffsets = (0..<taps).map { $0 * tilePixels }
        let coutPerGroup = g.outChannels / g.groups, blocks = packed.blocksPerGroup
        let outPlane = outputRows.count * outW

        packed.weights.withUnsafeBufferPointer { wbuf in
            packed.bias.withUnsafeBufferPointer { bbuf in
                offsets.withUnsafeBufferPointer { obuf in
                    panelOffsets.withUnsafeBufferPointer { pobuf in
                        for chunk in 0..<chunks.count {
                            let rows = chunks.rows(chunk)
                            let pixels = rows.count * outW, tiles = (pixels + tilePixels - 1) / tilePixels
                            layout.fill(band, from: strip, outputRows: rows, plan: plan)
                            let firstPixel = (rows.lowerBound - outputRows.lowerBound) * outW
                            for group in 0..<g.groups {
                                let packers = max(1, min(threads, taps / 16))
                                parallelFor(packers) { worker in
                                    unroll(band, offsets: obuf.baseAddress! + group * taps, taps: (taps * worker / packers)..<(taps * (worker + 1) / packers),
                                           allTaps: taps, rows: rows.count, width: outW, rowStep: rowStep, into: panel)
                                }
                                let items = blocks * tiles, workers = max(1, min(threads, items))
                                parallelFor(workers) { worker in
                                    let trash = UnsafeMutablePointer<Float>.allocate(capacity: tilePixels)
                                    let planes = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: tileChannels)
                                    let partial = UnsafeMutablePointer<Float>.allocate(capacity: tileChannels * tilePixels)
                                    let partialRows = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: tileChannels)
                                    defer { trash.deallocate(); planes.deallocate(); partial.deallocate(); partialRows.deallocate() }
                                    for r in 0..<tileChannels { partialRows[r] = partial + r * tilePixels }
                                    let mine = (items * worker / workers)..<(items * (worker + 1) / workers)
                                    // Slices of taps outermost: a slice of every tile's panel stays in L2 while
                                    // each block's slice of weights (in L1) runs along all of them.
                                    for k0 in stride(from: 0, to: taps, by: sliceTaps) {
                                        let k = min(sliceTaps, taps - k0), first = k0 == 0, last = k0 + k == taps
                                        var current = -1
                                        for item in mine {
                                            let (blk, tile) = (item / tiles, item % tiles)
                                            let blockIndex = group * blocks + blk
                                            if blk != current {
                                                current = blk
                                                for r in 0..<tileChannels {
                                                    let co = blk * tileChannels + r
                                                    planes[r] = co < coutPerGroup
                                                        ? out.baseAddress! + plan.destination[group * coutPerGroup + co] * outPlane + firstPixel
                                                        : trash
                                                }
                                            }
                                            let at = tile * tilePixels, n = min(tilePixels, pixels - at)
                                            let a = wbuf.baseAddress! + (blockIndex * taps + k0) * tileChannels
                                            let b = panel + (tile * taps + k0) * tilePixels
                                            if first {
                                                // The first slice starts from the bias and stores; activation waits for the last.
                                                Blocked.kernel((n + lanes - 1) / lanes, k, a, pobuf.baseAddress!, b, planes, at, n,
                                                               bbuf.baseAddress! + blockIndex * tileChannels, last ? plan.activation : .none, trash)
                                            } else {
                                                Blocked.kernel((n + lanes - 1) / lanes, k, a, pobuf.baseAddress!, b, partialRows, 0, n,
                                                               zeros, .none, trash)
                                                accumulate(partial, into: planes, trash: trash, at: at, n, last ? plan.activation : .none)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Taps per slice: 256 x 48 floats of a panel tile (48 KiB) and 256 x 8 of a block's weights (8 KiB).
    static let sliceTaps = 256

    /// The zero bias of the slices after the first.
    private nonisolated(unsafe) static let zeros: UnsafePointer<Float> = {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: tileChannels)
        p.initialize(repeating: 0, count: tileChannels)
        return UnsafePointer(p)
    }()

    /// Adds a slice's partial sums (`tileChannels` rows of `tilePixels`) into the output rows at `at`.
    @inline(__always)
    private static func accumulate(_ partial: UnsafePointer<Float>, into planes: UnsafeMutablePointer<UnsafeMutablePointer<Float>>,
                                   trash: UnsafeMutablePointer<Float>, at: Int, _ n: Int, _ activation: Activation) {
        for r in 0..<tileChannels where planes[r] != trash {
            let dst = planes[r] + at, src = partial + r * tilePixels
            var i = 0
            while i + lanes <= n {
                let v = load(dst + i) + load(src + i)
                UnsafeMutableRawPointer(dst + i).storeBytes(of: activate(v, activation), as: V.self)
                i += lanes
            }
            while i < n {
                let v = dst[i] + src[i]
                dst[i] = activation == .relu ? Swift.max(v, 0) : activation == .abs ? Swift.abs(v) : v
                i += 1
            }
        }
    }

    /// Writes taps `range` of the panel: tap `t` of pixel `p` (row `p / width`, column `p % width`
    /// of the chunk) is `band[offsets[t] + row * rowStep + column]`. A last, short tile's unused
    /// lanes are zeroed: they are computed, never stored, and zeros keep them finite and fast.
    private static func unroll(_ band: UnsafePointer<Float>, offsets: UnsafePointer<Int>, taps range: Range<Int>, allTaps: Int,
                               rows: Int, width: Int, rowStep: Int, into panel: UnsafeMutablePointer<Float>) {
        let pixels = rows * width
        let tail = pixels % tilePixels, lastTile = pixels / tilePixels
        for t in range {
            let tapBase = panel + t * tilePixels
            var p = 0
            for r in 0..<rows {
                let src = band + offsets[t] + r * rowStep
                var x = 0
                while x < width {
                    let tile = p / tilePixels, lane = p - tile * tilePixels
                    let n = min(width - x, tilePixels - lane)
                    copySegment(src + x, to: tapBase + tile * allTaps * tilePixels + lane, n)
                    x += n
                    p += n
                }
            }
            if tail > 0 { (tapBase + lastTile * allTaps * tilePixels + tail).update(repeating: 0, count: tilePixels - tail) }
        }
    }

    /// Copies `n` floats of a band row into a panel row; the band's slack after every phase row
    /// covers the last vector's read, and its store is masked (segments are 7 to 48 floats).
    @inline(__always)
    private static func copySegment(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + lanes <= n {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: load(src + i), as: V.self)
            i += lanes
        }
        if i < n { store(load(src + i), to: dst + i, n - i, .none) }
    }
}

extension Gemm {
    /// Where this path measured faster than the row-tiled ones (a rule until a cost model
    /// replaces it): rows too narrow for the blocked tiles, strides, and 1x1 layers with few pixels.
    /// Winograd keeps 3x3 stride 1 from 16 columns on; the blocked path keeps shallow inputs (stems:
    /// 1-15 channels per group), whose few taps leave the panel copy as dear as the products.
    static func preferred(_ g: ConvGeometry) -> Bool {
        guard !Depthwise.applies(g), g.inChannelsPerGroup >= 16, !Blocked.isPointwise(g) else { return false }
        if Winograd.applies(g) { return g.cols.output < 16 }
        return g.cols.output < 64 || g.stride != Size2(square: 1) || g.dilation != Size2(square: 1)
    }
}
