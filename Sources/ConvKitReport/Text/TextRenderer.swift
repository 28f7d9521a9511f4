import CFreeType
import Foundation

/// Draws text with FreeType: anti-aliased glyphs of DejaVu Sans, blended
/// onto a ``Canvas`` by their coverage.
///
///     let text = try TextRenderer(pixelSize: 12)
///     let box = text.draw("stride 2", on: &canvas, x: 4, y: 4, color: .ink)
///     // box: the rectangle the line occupies (ascent + descent high)
///
/// A renderer is not shared between threads (FreeType faces are not
/// thread-safe); make one per task.
public final class TextRenderer {
    struct Glyph {
        var width, rows, left, top, advance: Int
        var coverage: [UInt8]
    }

    public let pixelSize: Int
    /// Pixels above and below the baseline, and the distance between lines.
    public let ascent: Int, descent: Int, lineHeight: Int
    /// Where the font came from (see ``FontLocator``).
    public let fontSource: String

    private var library: FT_Library?
    private var face: FT_Face?
    private let fontData: UnsafeMutableRawBufferPointer
    private var glyphs: [Unicode.Scalar: Glyph] = [:]

    public convenience init(pixelSize: Int = 12) throws(ReportError) {
        try self.init(font: try FontLocator.dejaVuSans(), pixelSize: pixelSize)
    }

    public init(font: FontLocator.Font, pixelSize: Int) throws(ReportError) {
        precondition(pixelSize >= 4, "text smaller than 4 px is unreadable")
        self.pixelSize = pixelSize
        fontSource = font.source
        fontData = UnsafeMutableRawBufferPointer.allocate(byteCount: max(font.bytes.count, 1), alignment: 8)
        fontData.copyBytes(from: font.bytes)
        guard FT_Init_FreeType(&library) == 0, let library else {
            fontData.deallocate()
            throw ReportError("FreeType did not initialise")
        }
        let base = fontData.baseAddress!.assumingMemoryBound(to: FT_Byte.self)
        guard FT_New_Memory_Face(library, base, FT_Long(font.bytes.count), 0, &face) == 0, let face,
              FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixelSize)) == 0 else {
            FT_Done_FreeType(library)
            fontData.deallocate()
            throw ReportError("FreeType cannot load the font", hint: "set CONVKIT_FONT to a TrueType file", subject: font.source)
        }
        let m = face.pointee.size.pointee.metrics
        ascent = Int(m.ascender >> 6)
        descent = Int(-(m.descender >> 6))
        lineHeight = Int(m.height >> 6)
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
        fontData.deallocate()
    }

    /// The advance width of `text` in pixels.
    public func width(of text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + glyph($1).advance }
    }

    /// Draws one line with its top (ascent line) at `y`; returns the
    /// rectangle it occupies (advance width x ascent + descent).
    @discardableResult
    public func draw(_ text: String, on canvas: inout Canvas, x: Int, y: Int, color: Color) -> Rect {
        var pen = x
        let baseline = y + ascent
        for s in text.unicodeScalars {
            let g = glyph(s)
            for row in 0..<g.rows {
                for col in 0..<g.width {
                    let a = g.coverage[row * g.width + col]
                    if a > 0 { canvas.blend(pen + g.left + col, baseline - g.top + row, color, alpha: Float(a) / 255) }
                }
            }
            pen += g.advance
        }
        return Rect(x: x, y: y, width: pen - x, height: ascent + descent)
    }

    private func glyph(_ s: Unicode.Scalar) -> Glyph {
        if let g = glyphs[s] { return g }
        var g = Glyph(width: 0, rows: 0, left: 0, top: 0, advance: pixelSize / 2, coverage: [])
        // 4 is FT_LOAD_RENDER: load the outline and render an 8-bit anti-aliased bitmap.
        if let face, FT_Load_Char(face, FT_ULong(s.value), FT_Int32(4)) == 0, let slot = face.pointee.glyph {
            let bm = slot.pointee.bitmap
            let w = Int(bm.width), h = Int(bm.rows), pitch = Int(bm.pitch)
            var cov = [UInt8](repeating: 0, count: w * h)
            if let buf = bm.buffer, w > 0, h > 0 {
                for r in 0..<h {
                    let src = pitch >= 0 ? r * pitch : (h - 1 - r) * -pitch
                    for c in 0..<w { cov[r * w + c] = buf[src + c] }
                }
            }
            g = Glyph(width: w, rows: h, left: Int(slot.pointee.bitmap_left), top: Int(slot.pointee.bitmap_top),
                      advance: Int(slot.pointee.advance.x >> 6), coverage: cov)
        }
        glyphs[s] = g
        return g
    }
}
