import ConvKit

/// Pictures for `apply --overlay`: the input with the rows and columns no
/// window reads tinted red, and the pad-influence heat map with its legend.
///
///     let canvas = try Overlay.unread(input: image, map: UnreadMap(stages: reports))
///     try ImageEncoder.write(canvas.tensor, to: "unread.png", options: EncodeOptions())
public enum Overlay {
    /// The tint of unread rows and columns.
    public static let unreadTint = Color(0.95, 0.1, 0.1)
    static let margin = 8

    static func renderer(_ given: TextRenderer?, _ size: Int) throws(ReportError) -> TextRenderer {
        if let given { return given }
        return try TextRenderer(pixelSize: size)
    }

    /// An integer magnification that makes small pictures at least about 256
    /// pixels on their longer side (at most 16x; 1 for large pictures).
    public static func magnification(height: Int, width: Int) -> Int {
        max(1, min(16, 256 / max(1, max(height, width))))
    }

    /// The input as a [0, 1] RGB picture: gray, RGB or RGBA as they are
    /// (clamped), other channel counts by their first channel.
    static func rgb(_ t: Tensor) -> Tensor {
        let planes: [Tensor]
        switch t.channels {
        case 3, 4: planes = (0..<3).map { t.channel($0) }
        default: planes = Array(repeating: t.channel(0), count: 3)
        }
        var out = Tensor.stacking(planes)
        for i in out.data.indices { out.data[i] = PixelMapUnit.unit(out.data[i]) }
        return out
    }

    /// The input (magnified when small) with unread rows and columns tinted,
    /// and a legend line below.
    public static func unread(input: Tensor, map: UnreadMap, text: TextRenderer? = nil) throws(ReportError) -> Canvas {
        let text = try renderer(text, 12)
        let f = magnification(height: input.height, width: input.width)
        let picture = rgb(input).resizedNearest(height: input.height * f, width: input.width * f)
        let lines = [map.isEmpty ? "every input row and column is read" : "red: input rows and columns that no window reads",
                     map.summary]
        let textWidth = lines.map(text.width(of:)).max() ?? 0
        var canvas = Canvas(width: max(picture.width, textWidth) + 2 * margin,
                            height: picture.height + 2 * margin + 2 * text.lineHeight + 6)
        canvas.draw(picture, at: margin, margin)
        let rows = Set(map.rows), cols = Set(map.columns)
        for y in 0..<picture.height {
            for x in 0..<picture.width where rows.contains(y / f) || cols.contains(x / f) {
                canvas.blend(margin + x, margin + y, unreadTint, alpha: 0.65)
            }
        }
        for (i, line) in lines.enumerated() {
            _ = text.draw(line, on: &canvas, x: margin, y: picture.height + margin + 6 + i * text.lineHeight,
                          color: i == 0 && !map.isEmpty ? Color(0.75, 0.05, 0.05) : .ink)
        }
        return canvas
    }
}
