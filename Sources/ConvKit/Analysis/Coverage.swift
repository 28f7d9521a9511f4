/// Which input rows and columns the pipeline reads at all, and which pads
/// each stage's windows reach: the shared basis of the unread-pixel map and
/// the pad-influence map.
extension StageReport {
    /// What a pad sample of this stage holds, for the analyses.
    ///
    /// - `data`: a copy of a real sample (reflect, symmetric, replicate,
    ///   circular convolutions): the source sample counts as read.
    /// - `constant`: a made-up constant (zeros or `--pad-value`, and the
    ///   zeros of average pooling).
    /// - `ignored`: never chosen (max pooling pads with -inf), so the tap is
    ///   not part of the window at all.
    public enum PadContent: Sendable, Equatable {
        case data(PadMode), constant, ignored
    }

    /// What this stage's pads hold: `.constant` for zeros, `.data(.reflect)` for a reflecting conv, `.ignored` for max pooling.
    public var padContent: PadContent {
        switch stage.operation {
        case let .conv(c): c.padMode == .zeros ? .constant : .data(c.padMode)
        case let .pool(p): p.kind == .max ? .ignored : .constant
        case .activation, .magnitude, .color, .transposed, .upsample: .constant
        }
    }
}

extension AxisGeometry {
    /// The input samples (in `0..<input`) that the windows of the outputs
    /// marked in `used` read: in-bounds taps, and for pads that copy data
    /// (`mode` non-nil) the sample each pad tap copies.
    public func readMask(outputs used: [Bool], copying mode: PadMode?) -> [Bool] {
        precondition(used.count == output, "one flag per output sample")
        var read = [Bool](repeating: false, count: input)
        for o in 0..<output where used[o] {
            for t in 0..<kernel {
                guard let i = sourceIndex(output: o, tap: t) else { continue }
                if i >= 0 && i < input {
                    read[i] = true
                } else if let mode, let s = mode.sourceIndex(i, count: input) {
                    read[s] = true
                }
            }
        }
        return read
    }
}

/// The input rows and columns that no window of any stage reads, traced back
/// from the last stage's output to the pipeline's input.
///
/// A stage's unread rows are rows of *its* input; a row of the pipeline's
/// input is unread when every path from it to the final output is cut.
///
///     let u = UnreadMap(stages: try p.plan(for: Shape(channels: 1, height: 28, width: 28)))
///     u.rows      // [27]: stride 2 with a 3x3 valid window never reaches the last row
///     u.pixels    // 28 + 28 - 1 = 55 input pixels per channel are never read
public struct UnreadMap: Sendable, Equatable, Codable {
    /// Input height and width.
    public var height: Int
    public var width: Int
    /// Unread input row and column indices, increasing.
    public var rows: [Int]
    public var columns: [Int]

    public init(height: Int, width: Int, rows: [Int], columns: [Int]) {
        self.height = height
        self.width = width
        self.rows = rows
        self.columns = columns
    }

    public init(stages: [StageReport]) {
        guard let first = stages.first else {
            self.init(height: 0, width: 0, rows: [], columns: [])
            return
        }
        var usedRows = [Bool](repeating: true, count: stages.last!.geometry.rows.output)
        var usedCols = [Bool](repeating: true, count: stages.last!.geometry.cols.output)
        for r in stages.reversed() {
            var mode: PadMode? = nil
            if case let .data(m) = r.padContent { mode = m }
            usedRows = r.geometry.rows.readMask(outputs: usedRows, copying: mode)
            usedCols = r.geometry.cols.readMask(outputs: usedCols, copying: mode)
        }
        self.init(height: first.geometry.rows.input, width: first.geometry.cols.input,
                  rows: usedRows.indices.filter { !usedRows[$0] }, columns: usedCols.indices.filter { !usedCols[$0] })
    }

    /// Input pixels (per channel) in an unread row or column.
    public var pixels: Int { rows.count * width + columns.count * height - rows.count * columns.count }

    /// Unread pixels over all pixels of one channel.
    public var fraction: Double { height * width == 0 ? 0 : Double(pixels) / Double(height * width) }

    public var isEmpty: Bool { rows.isEmpty && columns.isEmpty }

    /// One line: `unread input: 1 row (27), 1 column (27): 55 of 784 pixels (7.02 %)`.
    public var summary: String {
        func list(_ v: [Int], _ noun: String) -> String {
            let items = v.count <= 8 ? v.map(String.init).joined(separator: ", ")
                : v.prefix(8).map(String.init).joined(separator: ", ") + ", ..."
            return "\(v.count) \(v.count == 1 ? noun : noun + "s")" + (v.isEmpty ? "" : " (\(items))")
        }
        let percent = (fraction * 10000).rounded() / 100
        return "unread input: \(list(rows, "row")), \(list(columns, "column")): \(pixels) of \(height * width) pixels (\(percent) %)"
    }
}
