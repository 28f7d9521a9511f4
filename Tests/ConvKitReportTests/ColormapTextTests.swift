import ConvKit
import ConvKitIO
import Foundation
import Testing
@testable import ConvKitReport

@Suite("Colormaps")
struct ColormapTests {
    struct Endpoint: CustomTestStringConvertible, Sendable {
        var map: Colormap, t: Float, rgb: [Int]
        var testDescription: String { "\(map.rawValue)(\(t))" }
    }

    /// matplotlib's values: viridis and magma ends, coolwarm ends and middle.
    @Test("Endpoints equal matplotlib's tables", arguments: [
        Endpoint(map: .viridis, t: 0, rgb: [68, 1, 84]), Endpoint(map: .viridis, t: 1, rgb: [253, 231, 37]),
        Endpoint(map: .magma, t: 0, rgb: [0, 0, 4]), Endpoint(map: .magma, t: 1, rgb: [252, 253, 191]),
        Endpoint(map: .coolwarm, t: 0, rgb: [59, 76, 192]), Endpoint(map: .coolwarm, t: 1, rgb: [180, 4, 38]),
        Endpoint(map: .coolwarm, t: 0.5, rgb: [221, 220, 220]), Endpoint(map: .gray, t: 1, rgb: [255, 255, 255]),
        Endpoint(map: .gray, t: 0, rgb: [0, 0, 0]),
    ])
    func endpoints(_ e: Endpoint) {
        let c = e.map.rgb(e.t)
        let got = [c.r, c.g, c.b].map { Int(($0 * 255).rounded()) }
        for (g, x) in zip(got, e.rgb) { #expect(abs(g - x) <= 1, "\(got) vs \(e.rgb)") }
    }

    @Test("Out-of-range and NaN inputs clamp to the ends")
    func clamping() {
        #expect(Colormap.viridis.rgb(-3) == Colormap.viridis.rgb(0))
        #expect(Colormap.magma.rgb(7) == Colormap.magma.rgb(1))
        #expect(Colormap.viridis.rgb(.nan) == Colormap.viridis.rgb(0))
    }

    @Test("With --map signed, coolwarm diverges around zero: negative blue, zero pale, positive red")
    func signedCoolwarm() {
        let t = Tensor(shape: Shape(channels: 1, height: 1, width: 3), data: [-2, 0, 1])
        let rgb = Colormap.coolwarm.apply(PixelMap.signed.apply(t))
        let n = 3
        let (r0, b0) = (rgb.data[0], rgb.data[2 * n])
        let (r1, g1, b1) = (rgb.data[1], rgb.data[n + 1], rgb.data[2 * n + 1])
        let (r2, b2) = (rgb.data[2], rgb.data[2 * n + 2])
        #expect(b0 > r0)
        #expect(r2 > b2)
        #expect(abs(r1 - g1) < 0.02 && abs(g1 - b1) < 0.02 && r1 > 0.8)
    }

    @Test("Every table has 256 entries")
    func tableSizes() {
        for m in Colormap.allCases where m != .gray {
            let hex = Colormap.tables[m]!.filter { $0 != "\n" }
            #expect(hex.count == 256 * 3 * 2)
        }
    }
}

@Suite("Text through FreeType")
struct TextTests {
    @Test("Drawn text puts anti-aliased ink inside its box and nowhere else")
    func inkInsideBox() throws {
        let text = try TextRenderer(pixelSize: 14)
        var c = Canvas(width: 200, height: 40)
        let box = text.draw("stride 2 · same", on: &c, x: 10, y: 8, color: .ink)
        #expect(box.width == text.width(of: "stride 2 · same") && box.width > 60)
        let inside = c.count(in: box, differingFrom: .background)
        #expect(inside > 50)
        // Everything outside the box (one pixel of slack for glyph overhang) is untouched.
        let slack = Rect(x: box.x - 1, y: box.y - 1, width: box.width + 2, height: box.height + 2)
        #expect(c.count(in: Rect(x: 0, y: 0, width: 200, height: 40), differingFrom: .background) == c.count(in: slack, differingFrom: .background))
        // Anti-aliased: some pixels are between background and ink.
        var partial = 0
        for y in box.y..<box.maxY { for x in box.x..<box.maxX {
            let g = c.pixel(x, y).r
            if g < Color.background.r - 0.05 && g > Color.ink.r + 0.05 { partial += 1 }
        } }
        #expect(partial > 10)
    }

    @Test("The embedded fallback font draws too")
    func embeddedFont() throws {
        let font = FontLocator.embedded
        #expect(font.bytes.count > 10_000)
        let text = try TextRenderer(font: font, pixelSize: 12)
        var c = Canvas(width: 120, height: 20)
        let box = text.draw("MACs 1.2M", on: &c, x: 2, y: 2, color: .ink)
        #expect(c.count(in: box, differingFrom: .background) > 30)
    }

    @Test("A CONVKIT_FONT that cannot be read is an error, not missing labels")
    func badFontPath() {
        #expect(throws: ReportError.self) { try FontLocator.locate(environment: ["CONVKIT_FONT": "/nonexistent/font.ttf"]) }
        #expect(throws: ReportError.self) {
            try TextRenderer(font: FontLocator.Font(bytes: [1, 2, 3], source: "junk"), pixelSize: 12)
        }
    }
}
