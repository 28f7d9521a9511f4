/// Rows of a CHW image that a kernel may read: a contiguous band (the whole
/// image, or a strip of it plus its halo when an image is streamed) and, when
/// streaming, a few pinned rows outside the band (rows that pad modes map to
/// from beyond the image's edges: the last rows for circular padding at the top).
struct RowStrip {
    /// Rows `firstRow..<firstRow+rowCount` of every channel; channel `c` starts
    /// at `c * channelStride` and its rows follow each other, `shape.width` apart.
    let base: UnsafeBufferPointer<Float>
    /// The shape of the whole image (its height is the full height).
    let shape: Shape
    let firstRow: Int
    let rowCount: Int
    let channelStride: Int
    /// Sorted row indices of the pinned rows, and their storage: row `extraRows[i]`
    /// of channel `c` at `extraBase + (c * extraRows.count + i) * width`.
    let extraRows: UnsafeBufferPointer<Int>
    let extraBase: UnsafePointer<Float>?

    /// A band of rows stored channel after channel without gaps (`channelStride` = `rowCount * width`).
    init(base: UnsafeBufferPointer<Float>, shape: Shape, firstRow: Int, rowCount: Int) {
        self.init(base: base, shape: shape, firstRow: firstRow, rowCount: rowCount,
                  channelStride: rowCount * shape.width, extraRows: UnsafeBufferPointer(start: nil, count: 0), extraBase: nil)
    }

    init(base: UnsafeBufferPointer<Float>, shape: Shape, firstRow: Int, rowCount: Int, channelStride: Int,
         extraRows: UnsafeBufferPointer<Int>, extraBase: UnsafePointer<Float>?) {
        self.base = base
        self.shape = shape
        self.firstRow = firstRow
        self.rowCount = rowCount
        self.channelStride = channelStride
        self.extraRows = extraRows
        self.extraBase = extraBase
    }

    /// Whether the band is the whole image, channel planes back to back.
    var isWholeImage: Bool { firstRow == 0 && rowCount == shape.height && channelStride == rowCount * shape.width }

    /// Row `y` (whole-image coordinates) of channel `c`.
    @inline(__always)
    func row(_ c: Int, _ y: Int) -> UnsafePointer<Float> {
        if y >= firstRow && y < firstRow + rowCount {
            return base.baseAddress! + c * channelStride + (y - firstRow) * shape.width
        }
        return pinnedRow(c, y)
    }

    @inline(never)
    private func pinnedRow(_ c: Int, _ y: Int) -> UnsafePointer<Float> {
        var i = 0
        while i < extraRows.count && extraRows[i] != y { i += 1 }
        guard i < extraRows.count, let extraBase else { preconditionFailure("row \(y) is outside the strip") }
        return extraBase + (c * extraRows.count + i) * shape.width
    }
}
