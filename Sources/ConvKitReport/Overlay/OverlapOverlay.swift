import ConvKit

extension Overlay {
    /// The overlap of a transposed stage as a picture: each output pixel
    /// coloured by how many kernel taps land on it (one colour per count,
    /// `colormap` from the fewest to the most), at the output's size.
    public static func overlapPicture(_ m: OverlapMap, colormap: Colormap = .viridis) -> Tensor {
        let levels = m.levels
        let colors = levels.indices.map { i in colormap.rgb(levels.count == 1 ? 1 : Float(i) / Float(levels.count - 1)) }
        var out = Tensor(zeros: Shape(channels: 3, height: m.height, width: m.width))
        let plane = m.height * m.width
        for y in 0..<m.height {
            for x in 0..<m.width {
                let c = colors[levels.firstIndex(of: m.count(y: y, x: x)) ?? 0]
                out.data[y * m.width + x] = c.r
                out.data[plane + y * m.width + x] = c.g
                out.data[2 * plane + y * m.width + x] = c.b
            }
        }
        return out
    }

    /// The overlap picture (magnified when small), a legend with one swatch
    /// per tap count, and the summary line: the checkerboard made visible.
    public static func overlap(_ m: OverlapMap, colormap: Colormap = .viridis, text: TextRenderer? = nil) throws(ReportError) -> Canvas {
        let text = try renderer(text, 12)
        let f = magnification(height: m.height, width: m.width)
        let picture = overlapPicture(m, colormap: colormap).resizedNearest(height: m.height * f, width: m.width * f)
        let lines = ["kernel taps landing on each output pixel of the transposed stage"] + m.summary.split(separator: "; ").map(String.init)
        let levels = m.levels
        let labels = levels.map { "\($0) tap\($0 == 1 ? "" : "s")" }
        let swatch = 12
        let legendWidth = labels.map { swatch + 4 + text.width(of: $0) + 12 }.reduce(0, +)
        let textWidth = lines.map(text.width(of:)).max() ?? 0
        let width = max(picture.width, textWidth, legendWidth) + 2 * margin
        let height = picture.height + 2 * margin + lines.count * text.lineHeight + 10 + max(swatch, text.lineHeight)
        var canvas = Canvas(width: width, height: height)
        canvas.draw(picture, at: margin, margin)
        var y = picture.height + margin + 6
        for (i, line) in lines.enumerated() {
            _ = text.draw(line, on: &canvas, x: margin, y: y + i * text.lineHeight, color: .ink)
        }
        y += lines.count * text.lineHeight + 4
        var x = margin
        for (i, label) in labels.enumerated() {
            let (r, g, b) = colormap.rgb(levels.count == 1 ? 1 : Float(i) / Float(levels.count - 1))
            canvas.fill(Rect(x: x - 1, y: y - 1, width: swatch + 2, height: swatch + 2), .gutter)
            canvas.fill(Rect(x: x, y: y, width: swatch, height: swatch), Color(r, g, b))
            x += swatch + 4
            _ = text.draw(label, on: &canvas, x: x, y: y, color: .ink)
            x += text.width(of: label) + 12
        }
        return canvas
    }
}
