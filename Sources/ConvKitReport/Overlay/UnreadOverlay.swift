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
        let f = magnification(height: input.height, width: input.width)
        let picture = rgb(input).resizedNearest(height: input.height * f, width: input.width * f)
        let layout = try UnreadPicture(picture: Shape(channels: 3, height: picture.height, width: picture.width),
                                       magnification: f, map: map, text: text)
        var canvas = Canvas(width: layout.width, height: layout.height)
        canvas.draw(picture, at: margin, margin)
        let rows = Set(map.rows), cols = Set(map.columns)
        for y in 0..<picture.height {
            for x in 0..<picture.width where rows.contains(y / f) || cols.contains(x / f) {
                canvas.blend(margin + x, margin + y, unreadTint, alpha: 0.65)
            }
        }
        layout.drawLegend(on: &canvas, top: 0)
        return canvas
    }
}

/// The unread overlay's layout, and its rows one at a time: what
/// ``Overlay/unread(input:map:text:)`` draws whole, a streamed run writes a
/// row at a time (an image too large to magnify is drawn at 1x), with the
/// same expressions, so both give the same pixels.
public struct UnreadPicture {
    public let width: Int
    public let height: Int
    /// The picture's rows: `top..<top + pictureHeight`.
    public let pictureHeight: Int
    /// The first picture row (the margin above it).
    public var top: Int { Overlay.margin }
    public let pictureWidth: Int
    let magnification: Int
    let lines: [String]
    let isEmpty: Bool
    let text: TextRenderer
    /// Per picture column and row: whether it is tinted.
    let tintedColumns: [Bool]
    let tintedRows: Set<Int>
    /// The rows below the picture (legend), drawn once.
    let legend: Canvas

    public init(picture: Shape, magnification f: Int, map: UnreadMap, text given: TextRenderer? = nil) throws(ReportError) {
        text = try Overlay.renderer(given, 12)
        lines = [map.isEmpty ? "every input row and column is read" : "red: input rows and columns that no window reads",
                 map.summary]
        isEmpty = map.isEmpty
        magnification = f
        pictureHeight = picture.height
        pictureWidth = picture.width
        let textWidth = lines.map(text.width(of:)).max() ?? 0
        width = max(picture.width, textWidth) + 2 * Overlay.margin
        height = picture.height + 2 * Overlay.margin + 2 * text.lineHeight + 6
        let cols = Set(map.columns)
        tintedColumns = (0..<picture.width).map { cols.contains($0 / f) }
        tintedRows = Set(map.rows)
        var below = Canvas(width: width, height: height - Overlay.margin - picture.height)
        Self.legend(lines, isEmpty: isEmpty, text: text, on: &below, top: -(Overlay.margin + picture.height), pictureHeight: picture.height)
        legend = below
    }

    private static func legend(_ lines: [String], isEmpty: Bool, text: TextRenderer, on canvas: inout Canvas, top: Int,
                               pictureHeight: Int) {
        for (i, line) in lines.enumerated() {
            _ = text.draw(line, on: &canvas, x: Overlay.margin, y: top + pictureHeight + Overlay.margin + 6 + i * text.lineHeight,
                          color: i == 0 && !isEmpty ? Color(0.75, 0.05, 0.05) : .ink)
        }
    }

    /// Draws the legend lines on the whole canvas (whose row 0 is at `top`).
    func drawLegend(on canvas: inout Canvas, top: Int) {
        Self.legend(lines, isEmpty: isEmpty, text: text, on: &canvas, top: top, pictureHeight: pictureHeight)
    }

    /// Row `y` of the overlay as three planes of ``width`` floats at
    /// `out`, `out + width`, `out + 2 * width`. For a picture row, `rgb`
    /// holds that row of the input's RGB picture (three planes of
    /// ``pictureWidth``, ``Overlay``'s colours: gray repeated, RGBA's alpha dropped).
    public func row(_ y: Int, rgb: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>) {
        let m = Overlay.margin
        guard y >= m else { return fill(out, Color.background) }
        let py = y - m
        guard py < pictureHeight, let rgb else {
            let ly = y - m - pictureHeight
            let n = legend.width * legend.height
            legend.data.withUnsafeBufferPointer { d in
                for c in 0..<3 { (out + c * width).update(from: d.baseAddress! + c * n + ly * width, count: width) }
            }
            return
        }
        fill(out, Color.background)
        let tintRow = tintedRows.contains(py / magnification)
        let t = Overlay.unreadTint, a: Float = 0.65
        let tint = [t.r, t.g, t.b]
        for c in 0..<3 {
            let src = rgb + c * pictureWidth, dst = out + c * width + m
            for x in 0..<pictureWidth {
                var v = PixelMapUnit.unit(src[x])
                if tintRow || tintedColumns[x] { v += (tint[c] - v) * a }
                dst[x] = v
            }
        }
    }

    private func fill(_ out: UnsafeMutablePointer<Float>, _ color: Color) {
        out.update(repeating: color.r, count: width)
        (out + width).update(repeating: color.g, count: width)
        (out + 2 * width).update(repeating: color.b, count: width)
    }
}
