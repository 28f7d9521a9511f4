import ConvKit

extension Overlay {
    /// An impulse response drawn large: every map of the cropped response
    /// side by side, one square per sample coloured with `coolwarm` around
    /// 0 (blue negative, red positive, one scale for all maps), the value
    /// written in each square when it fits, and a label above each map.
    public static func impulse(_ r: ImpulseResponse, title: String, text: TextRenderer? = nil) throws(ReportError) -> Canvas {
        let text = try renderer(text, 11)
        let maps = r.maps
        let h = r.support.rows.count, w = r.support.columns.count
        let cell = max(6, min(44, 360 / max(h, w)))
        let peak = maps.flatMap { $0.flatMap { $0 } }.map { Swift.abs($0) }.max() ?? 0
        let labelHeight = text.lineHeight + 4
        let gap = 12
        let columns = min(maps.count, 4), rows = (maps.count + columns - 1) / columns
        let mapWidth = w * cell + 1, mapHeight = h * cell + 1
        let top = margin + text.lineHeight + 8
        let footer = "coolwarm: blue < 0 < red, |max| = \(ImpulseResponse.format(peak)); \(h)x\(w) samples around the delta"
        let width = max(columns * (mapWidth + gap) - gap, text.width(of: title), text.width(of: footer)) + 2 * margin
        let height = top + rows * (labelHeight + mapHeight + gap) + text.lineHeight + margin
        var canvas = Canvas(width: width, height: height)
        _ = text.draw(title, on: &canvas, x: margin, y: margin, color: .ink)
        for (i, m) in maps.enumerated() {
            let x0 = margin + (i % columns) * (mapWidth + gap)
            let y0 = top + (i / columns) * (labelHeight + mapHeight + gap)
            _ = text.draw("map \(i)", on: &canvas, x: x0, y: y0, color: Color(gray: 0.3))
            let y1 = y0 + labelHeight
            canvas.fill(Rect(x: x0, y: y1, width: mapWidth, height: mapHeight), Color.gutter)
            for (y, row) in m.enumerated() {
                for (x, v) in row.enumerated() {
                    let (cr, cg, cb) = Colormap.coolwarm.rgb(peak > 0 ? 0.5 + v / (2 * peak) : 0.5)
                    let box = Rect(x: x0 + x * cell + 1, y: y1 + y * cell + 1, width: cell - 1, height: cell - 1)
                    canvas.fill(box, Color(cr, cg, cb))
                    let label = ImpulseResponse.format(v)
                    if cell >= 24, v != 0, text.width(of: label) <= cell - 4 {
                        _ = text.draw(label, on: &canvas, x: box.x + (box.width - text.width(of: label)) / 2,
                                      y: box.y + (box.height - text.lineHeight) / 2, color: .ink)
                    }
                }
            }
        }
        _ = text.draw(footer, on: &canvas, x: margin, y: height - margin - text.lineHeight, color: Color(gray: 0.3))
        return canvas
    }
}
