/// What each path should cost on a geometry, in milliseconds: FFTW's
/// "estimate" planning (`kernel/planner-estimate.c`), with operation counts
/// that include the work a path wastes on a shape (register tiles past the
/// last pixel or channel, Winograd tiles padded to whole vectors) and
/// measured rates. Every estimate is
///
///     (arithmetic / rate + bytes / bandwidth) per work item x items per thread
///
/// where the work items are the path's own split (bands of rows for blocked
/// and Winograd), so a 7x7 map that makes one band runs on one thread.
///
/// Chosen over a measured autotune because the first call must be fast: a
/// cold single `apply` must not be slower than PyTorch's first call, so no
/// timing runs may land on it (README, Performance). Only the ranking
/// matters; the rates are relative, fitted to `convkit bench --shape ...
/// --paths all --threads 2` on the layers of `Scripts/layers.py` (2-vCPU
/// EPYC, 2026-12-04, a machine loaded by other builds: docs/layers.md). The
/// blocked micro-kernels ran 91-111 GFLOP/s per thread on the 3x3 stride-1
/// layers once their pixel tails are counted (74 on 512 channels at 14x14),
/// Winograd's products 21-51 GFLOP/s per thread on its padded tiles (27 on
/// 14x14 and 7x7 maps, 46-51 on 56x56 and 224x224), its 512-channel weights
/// (37.7 MB per band) at about 10 GB/s. With those rates Winograd ranks
/// first from 56x56 maps up (1.6-2.5x faster measured: 64 channels at 56x56
/// and 224x224, 128 at 128x128, 256 at 56x56) and blocked at 28x28 and below
/// (1.3-3.4x faster measured at 128 channels on 28x28 in 4 runs of 5; 2-3x
/// on 14x14 and 7x7).
enum CostModel {
    /// GFLOP/s of one core in the blocked micro-kernels on full tiles.
    static let blockedRate = 100.0
    /// GFLOP/s of one core in the pointwise matrix product (whole planes: no row tails).
    static let pointwiseRate = 110.0
    /// GFLOP/s (of the direct sum's flops) of one core in the depthwise row loop:
    /// 20-31 measured on 3x3 to 7x7 depthwise layers against 4-8 for blocked, whose
    /// 8-channel tiles hold one channel.
    static let depthwiseRate = 25.0
    /// GFLOP/s (of the two 1-D passes' flops) of one core in the separable passes.
    static let separableRate = 20.0
    /// GFLOP/s of one core in Winograd's 36 products, on tiles padded to whole vectors.
    static let winogradRate = 40.0
    /// Nanoseconds per value through Winograd's input and output transforms.
    static let winogradTransformNanoseconds = 0.15
    /// GB/s from memory to one core (weights read per band, input and output once).
    static let bandwidth = 10.0
    /// Speed of a second thread against the first on FMA-bound kernels: the two vCPUs may share
    /// one core (peers.py reports it), and the blocked path ran 100-110 GFLOP/s on one thread
    /// but 77-204 on two, on the layers big enough to split.
    static let extraThreadSpeed = 0.5
    /// Fixed cost of a call (thread dispatch, band buffers), milliseconds.
    static let callMilliseconds = 0.01

    static func blocked(_ g: ConvGeometry, threads: Int) -> Double? {
        let cpg = g.outChannels / g.groups
        // Partial channel tiles cost more than their empty lanes: a depthwise layer (1 of 8) ran at
        // 3.9-6 GFLOP/s on this path, near fill^1.5 of the full-tile rate.
        let channelFill = Double(cpg) / Double(cpg.roundedUp(to: tileChannels))
        let flops = Double(g.flops) / (channelFill * channelFill.squareRoot()) / pixelFill(g.cols.output)
        let weightBytes = Double(g.outChannels * g.inChannelsPerGroup * g.kernel.h * g.kernel.w * 4)
        // Rows of the padded band (every input channel, stride phases) within Blocked.bandFloats.
        let floatsPerRow = max(1, g.input.channels * g.cols.paddedInput)
        let fitting = (Blocked.bandFloats / floatsPerRow - g.rows.extent) / g.rows.stride + 1
        let bands = bandCount(rows: g.rows.output, perBand: max(1, fitting))
        // Each band reads every weight once.
        return split(bands, threads) { n in
            n * (flops / (blockedRate * 1e6) + (Double(bands) * weightBytes + io(g)) / (bandwidth * 1e6))
        }
    }

    static func pointwise(_ g: ConvGeometry, threads: Int) -> Double? {
        let channelFill = Double(g.outChannels) / Double(g.outChannels.roundedUp(to: tileChannels))
        let pixels = g.rows.output * g.cols.output
        let chunks = max(1, pixels / tilePixels)
        // The last register tile of pixels is partial: 49 pixels (a 7x7 map) fill 2 tiles of 48 by half,
        // which made pointwise 1.3-1.6x slower than gemm on 7x7 maps with 320-2048 channels (layers.py).
        let pixelFill = Double(pixels) / Double(pixels.roundedUp(to: tilePixels))
        let weightBytes = Double(g.outChannels * g.input.channels * 4)
        // Every thread reads every weight.
        return split(chunks, threads) { n in
            n * (Double(g.flops) / (channelFill * pixelFill) / (pointwiseRate * 1e6) + io(g) / (bandwidth * 1e6))
        } + weightBytes / (bandwidth * 1e6)
    }

    static func depthwise(_ g: ConvGeometry, threads: Int) -> Double? {
        let items = g.groups * bandCount(rows: g.rows.output, perBand: Depthwise.maximumRowsPerItem)
        return split(items, threads) { n in
            n * (Double(g.flops) / pixelFill(g.cols.output) / (depthwiseRate * 1e6) + io(g) / (bandwidth * 1e6))
        }
    }

    /// GFLOP/s (of the direct sum's flops) of one core in the depthwise-planes loop: each channel's
    /// band filtered as one flattened row, 1.2-3.4x the depthwise row loop on MobileNet layers
    /// (issue-16 kernel runs, 1 thread); padding columns inside the flattened row are computed too.
    static let depthwisePlanesRate = 40.0
    /// GFLOP/s of one core in the gemm path's micro-kernels on full tiles: 85-90 measured on
    /// 512 channels at 7x7 and 256 at 14x14 (1 thread), before the panel copy counted below.
    static let gemmRate = 90.0
    /// Reductions (input channels per group x kernel taps) shorter than this never choose gemm.
    static let minimumGemmTaps = 144

    static func depthwisePlanes(_ g: ConvGeometry, threads: Int) -> Double? {
        // Outputs computed per row: the phase plane's width, pads included.
        let computed = Double(max(g.cols.output, g.cols.paddedInput / max(1, g.cols.stride)))
        let waste = computed / Double(max(1, g.cols.output))
        return split(g.groups, threads) { n in
            n * (Double(g.flops) * waste / (depthwisePlanesRate * 1e6) + io(g) / (bandwidth * 1e6))
        }
    }

    static func gemm(_ g: ConvGeometry, threads: Int) -> Double? {
        // A short reduction leaves the micro-kernel storing more than it multiplies: 9 taps (one input
        // channel, 3x3) ran 2x slower than blocked, 27-147 taps (RGB stems) 1.6-5x (layers.py).
        guard g.inChannelsPerGroup * g.kernel.h * g.kernel.w >= minimumGemmTaps else { return nil }
        let cpg = g.outChannels / g.groups
        let channelFill = Double(cpg) / Double(cpg.roundedUp(to: tileChannels))
        // Output pixels are flattened into tiles of tilePixels: only the last tile is partial.
        let pixels = g.rows.output * g.cols.output
        let pixelFill = Double(pixels) / Double(pixels.roundedUp(to: tilePixels))
        let flops = Double(g.flops) / (channelFill * pixelFill)
        // The panel: every tap of every output pixel copied once per group (read and written).
        let panelBytes = Double(pixels * g.inChannelsPerGroup * g.kernel.h * g.kernel.w * g.groups * 8)
        let weightBytes = Double(g.outChannels * g.inChannelsPerGroup * g.kernel.h * g.kernel.w * 4)
        let items = (cpg + tileChannels - 1) / tileChannels * g.groups * max(1, pixels / (tilePixels * Gemm.chunkTiles))
        return split(items, threads) { n in
            n * (flops / (gemmRate * 1e6) + (panelBytes + io(g)) / (bandwidth * 1e6))
        } + weightBytes / (bandwidth * 1e6)
    }

    static func separable(_ g: ConvGeometry, threads: Int) -> Double? {
        let taps = Double(g.kernel.h + g.kernel.w) / Double(g.kernel.h * g.kernel.w)
        let items = g.outChannels * bandCount(rows: g.rows.output, perBand: Separable.rowsPerItem)
        return split(items, threads) { n in
            n * (Double(g.flops) * taps / (separableRate * 1e6) + io(g) / (bandwidth * 1e6))
        }
    }

    static func winograd(_ g: ConvGeometry, threads: Int) -> Double? {
        let tilesW = (g.cols.output + 3) / 4, tileStride = tilesW.roundedUp(to: lanes)
        let tileRows = (g.rows.output + 3) / 4
        let cout = g.outChannels.roundedUp(to: tileChannels)
        let tiles = Double(tileRows * tileStride)
        // Tiles padded to whole vectors cost more than their share of the products: 128 channels on
        // 28x28 (7 tiles padded to 16) ran 1.3-3.4x slower than blocked in 4 of 5 runs, 1.3x faster in
        // one; the square root of the padding brings the estimate to the measured side.
        let padding = (Double(tileStride) / Double(tilesW)).squareRoot()
        let products = 2 * 36 * tiles * Double(g.input.channels * cout) * padding
        let transforms = 36 * tiles * Double(g.input.channels + cout)
        // The 36 transformed weight matrices are read once per band of tile rows (as Winograd.run cuts them).
        let weightBytes = 36 * Double(g.input.channels * cout * 4)
        let perBand = max(1, Winograd.bandFloats / (36 * max(g.input.channels, cout) * tileStride))
        let bands = bandCount(rows: tileRows, perBand: perBand)
        let total = products / (winogradRate * 1e6) + transforms * winogradTransformNanoseconds * 1e-6
            + (Double(bands) * weightBytes + io(g)) / (bandwidth * 1e6)
        return split(bands, threads) { n in n * total }
    }

    /// Milliseconds of `items` equal work items on `threads` threads, `work(fraction)` giving the
    /// time of that fraction of the whole: the busiest thread takes ceil(items / used) of them,
    /// and every thread past the first runs at `extraThreadSpeed`.
    private static func split(_ items: Int, _ threads: Int, work: (Double) -> Double) -> Double {
        let items = max(1, items), used = max(1, min(threads, items))
        let perThread = (items + used - 1) / used
        let slowdown = Double(used) / (1 + extraThreadSpeed * Double(used - 1))
        return work(Double(perThread) / Double(items)) * slowdown + callMilliseconds
    }

    /// The share of vector lanes a row of `width` output pixels fills.
    private static func pixelFill(_ width: Int) -> Double { Double(width) / Double(max(1, width.roundedUp(to: lanes))) }

    private static func bandCount(rows: Int, perBand: Int) -> Int { max(1, (rows + perBand - 1) / max(1, perBand)) }

    /// Bytes of the input read and the output written once.
    private static func io(_ g: ConvGeometry) -> Double { Double((g.input.count + g.output.count) * 4) }
}
