/// What each path should cost on a geometry, in milliseconds: FFTW's
/// "estimate" planning (`kernel/planner-estimate.c`) with measured rates in
/// place of its operation counts. Every estimate is
///
///     arithmetic / (rate x fill x threads used) + bytes moved / bandwidth
///
/// where fill says how much of a register tile the shape uses and threads
/// used how many work items the path's split gives. The rates were fitted
/// to `convkit bench --shape ... --paths all --json` on the suite of
/// `Scripts/layers.py` (docs/layers.md quotes the runs).
///
/// Chosen over a measured autotune because the first call must be fast:
/// the suite's cold single `apply` must not be slower than PyTorch's first
/// call, so no timing runs may land on it (see README, Performance).
enum CostModel {
    /// GFLOP/s of one core in the blocked micro-kernels with full tiles.
    static let blockedRate = 60.0
    /// GFLOP/s of one core in the pointwise matrix product with full tiles.
    static let pointwiseRate = 70.0
    /// GFLOP/s (of the direct sum's flops) of one core in the depthwise row loop.
    static let depthwiseRate = 15.0
    /// GFLOP/s (of the two 1-D passes' flops) of one core in the separable passes.
    static let separableRate = 12.0
    /// GFLOP/s of one core in Winograd's 36 products (of their own flops, 1/4 of the direct sum's).
    static let winogradRate = 50.0
    /// Nanoseconds per transformed input or output value of Winograd, per channel and tile.
    static let winogradTransformNanoseconds = 0.02
    /// GB/s from memory or L3 (weights re-read per band, inputs and outputs).
    static let bandwidth = 15.0
    /// Bytes of one core's L2: weights of a channel block that fit are read once.
    static let cacheBytes = 1 << 20
    /// Fixed cost of a call (thread dispatch, band buffers), milliseconds.
    static let callMilliseconds = 0.02

    static func blocked(_ g: ConvGeometry, threads: Int) -> Double? {
        let cpg = g.outChannels / g.groups
        let blocks = (cpg + tileChannels - 1) / tileChannels
        let channelFill = Double(cpg) / Double(blocks * tileChannels)
        let tiles = (g.cols.output + tilePixels - 1) / tilePixels
        let pixelFill = Double(g.cols.output) / Double(tiles * tilePixels)
        let weightBytes = Double(g.outChannels * g.inChannelsPerGroup * g.kernel.h * g.kernel.w * 4)
        // Weights stay in L2 across output rows when they fit; else each row reads them again.
        let weightReads = weightBytes <= Double(cacheBytes) ? 1 : Double(g.rows.output)
        let used = Double(min(threads, g.rows.output))
        let flops = Double(g.flops) / (channelFill * pixelFill)
        return flops / (blockedRate * 1e6 * used) + (weightBytes * weightReads + io(g)) / (bandwidth * 1e6) / used
            + callMilliseconds
    }

    static func pointwise(_ g: ConvGeometry, threads: Int) -> Double? {
        let blocks = (g.outChannels + tileChannels - 1) / tileChannels
        let channelFill = Double(g.outChannels) / Double(blocks * tileChannels)
        let pixels = g.rows.output * g.cols.output
        let used = Double(min(threads, max(1, pixels / tilePixels)))
        let weightBytes = Double(g.outChannels * g.input.channels * 4)
        return Double(g.flops) / channelFill / (pointwiseRate * 1e6 * used)
            + (weightBytes + io(g)) / (bandwidth * 1e6) / used + callMilliseconds
    }

    static func depthwise(_ g: ConvGeometry, threads: Int) -> Double? {
        let used = Double(min(threads, g.groups * max(1, g.rows.output / 8)))
        return Double(g.flops) / (depthwiseRate * 1e6 * used) + io(g) / (bandwidth * 1e6) / used + callMilliseconds
    }

    static func separable(_ g: ConvGeometry, threads: Int) -> Double? {
        let taps = Double(g.kernel.h + g.kernel.w) / Double(g.kernel.h * g.kernel.w)
        let used = Double(min(threads, g.outChannels * max(1, g.rows.output / 32)))
        return Double(g.flops) * taps / (separableRate * 1e6 * used) + io(g) / (bandwidth * 1e6) / used + callMilliseconds
    }

    static func winograd(_ g: ConvGeometry, threads: Int) -> Double? {
        let tiles = Double(((g.rows.output + 3) / 4) * ((g.cols.output + 3) / 4))
        let tileRows = (g.rows.output + 3) / 4
        let used = Double(min(threads, tileRows))
        let blocks = (g.outChannels + tileChannels - 1) / tileChannels
        let products = 2 * 36 * tiles * Double(g.input.channels * blocks * tileChannels)
        let transforms = 36 * tiles * Double(g.input.channels + g.outChannels)
        // The 36 transformed weight matrices are read once per band of tile rows.
        let weightBytes = 36 * Double(g.input.channels * blocks * tileChannels * 4)
        let bands = max(1, Double(smallestWinogradBands(g)))
        return products / (winogradRate * 1e6 * used) + transforms * winogradTransformNanoseconds * 1e-6 / used
            + (weightBytes * bands + io(g)) / (bandwidth * 1e6) / used + callMilliseconds
    }

    /// Bands of tile rows Winograd cuts the output into (its V buffer holds `Winograd.bandFloats`).
    private static func smallestWinogradBands(_ g: ConvGeometry) -> Int {
        let perTileRow = max(1, Winograd.smallestBandBytes(g) / 4)
        let tileRowsPerBand = max(1, Winograd.bandFloats / perTileRow)
        return ((g.rows.output + 3) / 4 + tileRowsPerBand - 1) / tileRowsPerBand
    }

    /// Bytes of the input read and the output written once.
    private static func io(_ g: ConvGeometry) -> Double { Double((g.input.count + g.output.count) * 4) }
}
