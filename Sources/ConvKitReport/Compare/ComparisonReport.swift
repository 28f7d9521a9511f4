import ConvKit
import ConvKitIO

/// Writes what `compare` and `demo` produce: the grid PNG (with every cell's
/// accounting in tEXt chunks) and, optionally, the HTML report.
public enum ComparisonReport {
    /// Lays out, draws and writes `cells`; returns the grid that was drawn.
    @discardableResult
    public static func write(cells: [ComparisonCell], rows: Int, input: Tensor, inputName: String, title: String,
                             grid gridPath: String, html htmlPath: String?, pipeline: String? = nil,
                             notes: [(heading: String, text: String)] = []) throws -> ComparisonGrid {
        let grid = try ComparisonGrid(cells: cells, rows: rows, title: title)
        let canvas = grid.render()
        var o = EncodeOptions()
        o.text = pngText(cells: cells, input: input, grid: grid, pipeline: pipeline)
        try OutputWriter.write(canvas.tensor, to: gridPath, options: o)
        if let htmlPath {
            var report = HTMLReport(title: title, input: input, inputName: inputName, grid: canvas, cells: cells)
            report.notes = notes
            report.pipelineDescription = pipeline
            report.fontSource = try FontLocator.dejaVuSans().source
            try report.write(to: htmlPath)
        }
        return grid
    }

    /// tEXt chunks of a grid: the input, the layout, and per cell its
    /// setting, pipeline, output shape, padding, density, MACs and path.
    public static func pngText(cells: [ComparisonCell], input: Tensor, grid: ComparisonGrid,
                               pipeline: String? = nil) -> [String: String] {
        var t = [
            "Software": "convkit \(convkitVersion)",
            "convkit:input-shape": "\(input.channels)x\(input.height)x\(input.width)",
            "convkit:grid": "\(grid.rows) rows x \(grid.columns) columns, row-major",
            "convkit:pipeline": pipeline ?? cells.first?.accounting.pipeline ?? "none",
        ]
        for (i, c) in cells.enumerated() {
            let a = c.accounting
            t["convkit:cell-\(i + 1)"] = "\(c.setting.plain) | pipeline \(a.pipeline) | output-shape "
                + a.outputShape.map(String.init).joined(separator: "x") + " | padding \(a.padding) | density "
                + Format.density(a.density) + " | macs \(a.macs) | path \(a.paths)"
        }
        return t
    }
}
