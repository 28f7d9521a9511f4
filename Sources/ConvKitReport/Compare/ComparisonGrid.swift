import ConvKit

/// The picture `convkit compare` writes: one cell per setting, each output
/// drawn at its top-left corner so sizes compare directly, labelled below
/// with the setting, output shape, density and MACs.
///
/// Rows follow the first swept key and columns the combinations of the
/// others (one swept key: a single row).
///
///     let grid = try ComparisonGrid(cells: cells, rows: 2, title: "coffee.png")
///     let canvas = grid.render()
///     grid.images[3]   // where cell 3's picture is
public struct ComparisonGrid {
    public let cells: [ComparisonCell]
    public let rows: Int
    public let columns: Int
    public let title: String
    /// Each cell's picture, row-major as `cells`.
    public let images: [Rect]
    /// Each cell's label block, below its picture.
    public let labels: [Rect]
    public let width: Int
    public let height: Int

    static let margin = 12, gap = 14

    private let text: TextRenderer
    private let titleText: TextRenderer

    /// Lays out `cells` (row-major) in `rows` rows.
    public init(cells: [ComparisonCell], rows: Int, title: String) throws(ReportError) {
        precondition(!cells.isEmpty && rows >= 1 && cells.count % rows == 0, "cells fill the rows")
        self.cells = cells
        self.rows = rows
        columns = cells.count / rows
        self.title = title
        let text = try TextRenderer(pixelSize: 12)
        let titleText = try TextRenderer(pixelSize: 15)
        self.text = text
        self.titleText = titleText
        let lines = cells.map(Self.lines(of:))
        let labelHeight = 3 * text.lineHeight + 4
        let textWidths = lines.map { $0.map(text.width(of:)).max() ?? 0 }
        let cols = cells.count / rows
        let colWidth = (0..<cols).map { c in
            Swift.stride(from: c, to: cells.count, by: cols).map { max(cells[$0].picture.width, textWidths[$0]) }.max() ?? 0
        }
        let rowHeight = (0..<rows).map { r in
            (0..<cols).map { cells[r * cols + $0].picture.height }.max()! + labelHeight
        }
        let top = Self.margin + titleText.lineHeight + 8
        var images: [Rect] = [], labels: [Rect] = []
        for i in cells.indices {
            let r = i / cols, c = i % cols
            let x = Self.margin + colWidth[..<c].reduce(0, +) + c * Self.gap
            let y = top + rowHeight[..<r].reduce(0, +) + r * Self.gap
            let p = cells[i].picture
            images.append(Rect(x: x, y: y, width: p.width, height: p.height))
            let imageRowHeight = rowHeight[r] - labelHeight
            labels.append(Rect(x: x, y: y + imageRowHeight + 3, width: colWidth[c], height: labelHeight - 3))
        }
        self.images = images
        self.labels = labels
        width = max(2 * Self.margin + colWidth.reduce(0, +) + (cols - 1) * Self.gap,
                    2 * Self.margin + titleText.width(of: title))
        height = top + rowHeight.reduce(0, +) + (rows - 1) * Self.gap + Self.margin
    }

    /// The three label lines of a cell.
    public static func lines(of cell: ComparisonCell) -> [String] {
        if let failure = cell.failure {
            let words = failure.split(separator: " ")
            let half = words.count / 2
            return [cell.setting.description, "cannot run: " + words[..<half].joined(separator: " "), words[half...].joined(separator: " ")]
        }
        let a = cell.accounting
        let out = Shape(channels: a.outputShape[0], height: a.outputShape[1], width: a.outputShape[2])
        return [cell.setting.description, "out \(Format.hwc(out))  \u{00B7}  density \(Format.density(a.density))",
                "MACs \(Format.count(a.macs))  \u{00B7}  pad \(a.stages.first.map { $0.padding.map(String.init).joined(separator: ",") } ?? "-")"]
    }

    /// The grid drawn: title, pictures with a 1-px frame outside them, labels.
    public func render() -> Canvas {
        var canvas = Canvas(width: width, height: height)
        titleText.draw(title, on: &canvas, x: Self.margin, y: Self.margin, color: .ink)
        for (i, cell) in cells.enumerated() {
            let r = images[i]
            canvas.fill(Rect(x: r.x - 1, y: r.y - 1, width: r.width + 2, height: r.height + 2), .gutter)
            canvas.draw(cell.picture, at: r.x, r.y)
            for (n, line) in Self.lines(of: cell).enumerated() {
                text.draw(line, on: &canvas, x: labels[i].x, y: labels[i].y + n * text.lineHeight,
                          color: n == 0 ? .ink : Color(gray: 0.3))
            }
        }
        return canvas
    }

    /// How many rows a sweep's cells take: the first key's values when
    /// there are two keys or more, else 1.
    public static func rows(for sweeps: [Sweep]) -> Int {
        sweeps.count >= 2 ? sweeps[0].values.count : 1
    }
}
