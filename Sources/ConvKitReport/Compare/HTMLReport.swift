import ConvKit
import ConvKitIO
import Foundation

/// The self-contained HTML page of a comparison: the grid, a table of every
/// cell's settings and costs, and the input, with images as PNG data URIs
/// and the CSS inline (nothing is loaded from anywhere). The markup is
/// well-formed XHTML, so XML parsers read it too.
///
///     let html = try HTMLReport(title: "convkit compare", input: image, inputName: "a.png",
///                               grid: canvas, cells: cells).html
public struct HTMLReport {
    public var title: String
    public var input: Tensor
    public var inputName: String
    public var grid: Canvas
    public var cells: [ComparisonCell]
    /// Further sections of preformatted text (e.g. shape tables), in order.
    public var notes: [(heading: String, text: String)] = []
    public var fontSource: String?
    /// What ran, e.g. the base pipeline; default: the first cell's pipeline.
    public var pipelineDescription: String?

    public init(title: String, input: Tensor, inputName: String, grid: Canvas, cells: [ComparisonCell]) {
        self.title = title
        self.input = input
        self.inputName = inputName
        self.grid = grid
        self.cells = cells
    }

    /// The table's column headings, in order.
    public static let columns = ["#", "settings", "output (HxWxC)", "padding t,b,l,r", "receptive field", "density",
                                 "MACs", "output bytes", "time (ms)", "kernel path", "output"]

    /// One table row's text cells (all but the picture), as the page shows them.
    public static func row(_ i: Int, _ cell: ComparisonCell) -> [String] {
        let a = cell.accounting
        if let failure = cell.failure {
            return [String(i + 1), cell.setting.description, "cannot run: " + failure] + Array(repeating: "-", count: columns.count - 4)
        }
        let out = Shape(channels: a.outputShape[0], height: a.outputShape[1], width: a.outputShape[2])
        return [String(i + 1), cell.setting.description, Format.hwc(out), a.padding,
                a.stages.last.map { $0.receptiveField.map(String.init).joined(separator: "x") } ?? "1x1",
                Format.density(a.density), String(a.macs), String(a.outputBytes),
                a.milliseconds.map(Format.milliseconds) ?? "-", a.paths]
    }

    public var html: String {
        get throws(CodecError) {
            let inputPicture = Comparison.picture(of: input, map: .clamp, colormap: .gray, text: nil)
            var rows = ""
            for (i, cell) in cells.enumerated() {
                let tds = Self.row(i, cell).enumerated().map { j, v in
                    "<td\(j == 0 || (5...8).contains(j) ? " class=\"num\"" : "")>\(escape(v))</td>"
                }.joined()
                rows += "<tr>\(tds)<td>\(try image(cell.picture, alt: "output of \(cell.setting)"))</td></tr>\n"
            }
            let pipeline = pipelineDescription ?? cells.first.map { $0.accounting.pipeline } ?? "none"
            let noteHTML = notes.map { "<h2>\(escape($0.heading))</h2>\n<pre>\(escape($0.text))</pre>\n" }.joined()
            return """
                <!DOCTYPE html>
                <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
                <head>
                <meta charset="utf-8"/>
                <meta name="generator" content="convkit \(convkitVersion)"/>
                <title>\(escape(title))</title>
                <style>
                body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 24px; color: #1f1f1f; background: #fafafa; }
                h1 { font-size: 22px; margin: 0 0 4px 0; }
                h2 { font-size: 16px; margin: 28px 0 8px 0; }
                p.meta { color: #555; margin: 0 0 16px 0; font-size: 13px; }
                img { image-rendering: pixelated; border: 1px solid #bbb; max-width: 100%; height: auto; }
                td img { max-width: 256px; }
                table { border-collapse: collapse; font-size: 13px; background: #fff; }
                th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
                th { background: #eee; }
                td.num { text-align: right; font-variant-numeric: tabular-nums; }
                pre { background: #fff; border: 1px solid #ccc; padding: 8px; font-size: 12px; overflow-x: auto; }
                </style>
                </head>
                <body>
                <h1>\(escape(title))</h1>
                <p class="meta">input <b>\(escape(inputName))</b> (\(Format.hwc(input.shape))) \u{00B7} pipeline \
                \(escape(pipeline)) \u{00B7} \(cells.count) settings \u{00B7} convkit \(convkitVersion)\
                \(fontSource.map { " \u{00B7} labels in " + escape($0) } ?? "")</p>
                <h2>Outputs at their native size</h2>
                \(try image(grid.tensor, alt: "comparison grid"))
                <h2>Settings and costs</h2>
                <table>
                <thead><tr>\(Self.columns.map { "<th>\(escape($0))</th>" }.joined())</tr></thead>
                <tbody>
                \(rows)</tbody>
                </table>
                <p class="meta">density = output activations / input activations; MACs = multiply-accumulates \
                (FLOPs = 2 MACs); padding per stage as top,bottom,left,right.</p>
                \(noteHTML)<h2>Input</h2>
                \(try image(inputPicture, alt: "input"))
                </body>
                </html>

                """
        }
    }

    /// Writes the page atomically.
    public func write(to path: String) throws(CodecError) {
        let text = try html
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CodecError(path: path, "cannot write the report: \(error.localizedDescription)")
        }
    }

    private func image(_ picture: Tensor, alt: String) throws(CodecError) -> String {
        var o = EncodeOptions()
        o.map = .clamp
        let png = try ImageEncoder.encode(picture, as: .png, path: "report image", options: o)
        return "<img src=\"data:image/png;base64,\(Data(png).base64EncodedString())\" width=\"\(picture.width)\" "
            + "height=\"\(picture.height)\" alt=\"\(escape(alt))\"/>"
    }
}

/// Text for HTML and XML: &, <, > and quotes escaped.
func escape(_ s: String) -> String {
    var out = ""
    for ch in s {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(ch)
        }
    }
    return out
}
