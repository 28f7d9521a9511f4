/// A resize (upsample) resolved for one input shape: the source samples and
/// weights of every output row and column, from ``AxisGeometry/resizeSource(output:)``.
///
/// Schedule: work items are (channel, band of output rows). Nearest copies
/// `in[iy][ix]` through the column table. Bilinear interpolates each of the two
/// source rows horizontally, `w0*r[j0] + w1*r[j1]`, then blends the two rows
/// vertically, `h0*a + h1*b`: PyTorch's order of operations
/// (`h0*(w0*x00 + w1*x01) + h1*(w0*x10 + w1*x11)`).
struct ResizePlan: Sendable {
    /// Output rows per work item: enough to amortise the item, few enough to share a small image.
    static let rowsPerItem = 16

    let geometry: ConvGeometry
    let bilinear: Bool
    let rowFirst: [Int], rowSecond: [Int], rowWeight: [Float]
    let colFirst: [Int], colSecond: [Int], colWeight: [Float]

    init(geometry g: ConvGeometry) {
        geometry = g
        if case let .resize(mode, _) = g.rows.mapping { bilinear = mode == .bilinear } else { bilinear = false }
        let r = (0..<g.rows.output).map { g.rows.resizeSource(output: $0) }
        let c = (0..<g.cols.output).map { g.cols.resizeSource(output: $0) }
        (rowFirst, rowSecond, rowWeight) = (r.map(\.first), r.map(\.second), r.map(\.weight))
        (colFirst, colSecond, colWeight) = (c.map(\.first), c.map(\.second), c.map(\.weight))
    }

    /// Computes `outputRows` of every channel from `strip` (which holds the
    /// input rows they read) into `out`, which holds exactly those rows.
    func run(_ strip: RowStrip, outputRows: Range<Int>, into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = geometry, w = g.output.width, n = outputRows.count
        let bands = (n + Self.rowsPerItem - 1) / Self.rowsPerItem
        let work = g.output.channels * bands
        let workers = max(1, min(threads, work))
        colFirst.withUnsafeBufferPointer { j0 in
            colSecond.withUnsafeBufferPointer { j1 in
                colWeight.withUnsafeBufferPointer { cw in
                    parallelFor(workers) { worker in
                        for item in (work * worker / workers)..<(work * (worker + 1) / workers) {
                            let c = item / bands, band = item % bands
                            let lo = outputRows.lowerBound + band * Self.rowsPerItem
                            for y in lo..<min(lo + Self.rowsPerItem, outputRows.upperBound) {
                                let dst = out.baseAddress! + (c * n + y - outputRows.lowerBound) * w
                                let a = strip.row(c, rowFirst[y])
                                if !bilinear {
                                    for x in 0..<w { dst[x] = a[j0[x]] }
                                    continue
                                }
                                let b = strip.row(c, rowSecond[y])
                                let h1 = rowWeight[y], h0 = 1 - h1
                                for x in 0..<w {
                                    let w1 = cw[x], w0 = 1 - w1
                                    let top = w0 * a[j0[x]] + w1 * a[j1[x]]
                                    let bottom = w0 * b[j0[x]] + w1 * b[j1[x]]
                                    dst[x] = h0 * top + h1 * bottom
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
