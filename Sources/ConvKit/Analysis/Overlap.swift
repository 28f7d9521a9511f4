/// How many kernel taps land on each output pixel of a transposed stage:
/// `rows[y] * cols[x]`. When the kernel size is not a multiple of the stride
/// the counts alternate (a 3x3 stride-2 kernel gives 1, 2 and 4): the
/// checkerboard of uneven overlap (Odena, Dumoulin, Olah, Distill 2016);
/// a 4x4 stride-2 kernel gives 4 everywhere away from the border.
///
///     let m = try #require(OverlapMap(stages: reports))
///     m.minimum, m.maximum   // 1, 4
public struct OverlapMap: Sendable {
    /// 1-based index of the transposed stage drawn (the last one in the pipeline).
    public let stage: Int
    public let summaryOfStage: String
    /// Taps landing on each output row and column.
    public let rows: [Int]
    public let cols: [Int]

    /// The last transposed stage's overlap, nil when the pipeline has none.
    public init?(stages: [StageReport]) {
        guard let r = stages.last(where: { if case .transposed = $0.stage.operation { true } else { false } }) else { return nil }
        stage = r.index
        summaryOfStage = r.summary
        rows = (0..<r.geometry.rows.output).map { r.geometry.rows.transposedSources(output: $0).count }
        cols = (0..<r.geometry.cols.output).map { r.geometry.cols.transposedSources(output: $0).count }
    }

    public var height: Int { rows.count }
    public var width: Int { cols.count }
    public func count(y: Int, x: Int) -> Int { rows[y] * cols[x] }
    public var minimum: Int { (rows.min() ?? 0) * (cols.min() ?? 0) }
    public var maximum: Int { (rows.max() ?? 0) * (cols.max() ?? 0) }

    /// The counts that occur, in increasing order.
    public var levels: [Int] { Set(rows.flatMap { r in cols.map { r * $0 } }).sorted() }

    /// Counts away from the border (where the full kernel fits), which show the checkerboard alone.
    public var interiorLevels: [Int] {
        let ri = Self.interior(rows), ci = Self.interior(cols)
        return Set(ri.flatMap { r in ci.map { r * $0 } }).sorted()
    }

    private static func interior(_ v: [Int]) -> [Int] {
        guard let m = v.max() else { return [] }
        // The border is where fewer inputs reach; inside, the counts repeat with the stride.
        let first = v.firstIndex(where: { $0 == m }) ?? 0, last = v.lastIndex(where: { $0 == m }) ?? 0
        return Array(v[first...last])
    }

    public var summary: String {
        let inner = interiorLevels
        let even = inner.count <= 1
        return "stage \(stage) (\(summaryOfStage)): \(minimum) to \(maximum) kernel taps per output pixel; "
            + (even ? "even overlap away from the border (\(inner.first ?? 0) taps)"
                : "uneven inside (\(inner.map(String.init).joined(separator: ", ")) taps): a checkerboard")
    }
}
