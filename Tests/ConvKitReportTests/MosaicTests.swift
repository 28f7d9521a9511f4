import ConvKit
import ConvKitIO
import Testing
@testable import ConvKitReport

@Suite("Mosaic layout and rendering")
struct MosaicTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var count: Int, columns: Int, rows: Int
        var testDescription: String { "\(count) maps -> \(columns)x\(rows)" }
    }

    @Test("The grid is near-square with one tile per map", arguments: [
        Case(count: 1, columns: 1, rows: 1), Case(count: 2, columns: 2, rows: 1), Case(count: 5, columns: 3, rows: 2),
        Case(count: 9, columns: 3, rows: 3), Case(count: 10, columns: 4, rows: 3), Case(count: 32, columns: 6, rows: 6),
        Case(count: 64, columns: 8, rows: 8),
    ])
    func gridShape(_ c: Case) {
        let m = MosaicLayout(count: c.count, mapHeight: 7, mapWidth: 9, labelHeight: 11, labelWidth: 5)
        #expect(m.columns == c.columns)
        #expect(m.rows == c.rows)
        #expect(m.width == c.columns * 9 + (c.columns - 1))
        #expect(m.height == c.rows * (7 + 11) + (c.rows - 1))
    }

    @Test("Tiles have the map's size, 1-px gutters between cells, and never overlap", arguments: [2, 5, 12, 32])
    func tilesAndGutters(count: Int) {
        let m = MosaicLayout(count: count, mapHeight: 13, mapWidth: 13, labelHeight: 12, labelWidth: 20)
        #expect(m.cellWidth == 20)
        for i in 0..<count {
            let t = m.tile(i), l = m.label(i)
            #expect(t.width == 13 && t.height == 13)
            #expect(l.maxY == t.y, "the label strip sits right above its map")
            #expect(t.maxX <= m.width && t.maxY <= m.height)
            if i % m.columns + 1 < m.columns, i + 1 < count {
                #expect(m.cell(i + 1).x - m.cell(i).maxX == 1)
            }
            if i + m.columns < count {
                #expect(m.cell(i + m.columns).y - m.cell(i).maxY == 1)
            }
            for j in 0..<i {
                let o = m.cell(j), c = m.cell(i)
                #expect(o.maxX <= c.x || c.maxX <= o.x || o.maxY <= c.y || c.maxY <= o.y)
            }
        }
    }

    @Test("Rendering puts each map in its tile, gutter colour between, label text in each strip")
    func rendering() throws {
        let maps = 5, h = 16, w = 20
        var t = Tensor(zeros: Shape(channels: maps, height: h, width: w))
        for c in 0..<maps { for i in 0..<(h * w) { t.data[c * h * w + i] = Float(c) / 4 } }
        let text = try TextRenderer(pixelSize: 10)
        let canvas = Mosaic.render(t, map: .clamp, colormap: .gray, text: text)
        let m = Mosaic.layout(for: t.shape, text: text)
        #expect(canvas.width == m.width && canvas.height == m.height)
        for c in 0..<maps {
            let tile = m.tile(c)
            #expect(canvas.count(in: tile, differingFrom: Color(gray: Float(c) / 4), tolerance: 0.003) == 0)
            #expect(canvas.count(in: m.label(c), differingFrom: Mosaic.labelBackground) > 5, "label \(c) has ink")
        }
        let gutterX = m.cell(0).maxX
        #expect(canvas.pixel(gutterX, 3) == .gutter)
    }

    @Test("Kernel-bank maps are named kernel-major")
    func bankNames() {
        #expect(Mosaic.bankNames(kernels: 2, channels: 3) == ["k0 c0", "k0 c1", "k0 c2", "k1 c0", "k1 c1", "k1 c2"])
        #expect(Mosaic.bankNames(kernels: 3, channels: 1) == ["k0", "k1", "k2"])
        #expect(Mosaic.bankNames(kernels: 1, channels: 3) == nil)
    }
}

@Suite("Writing outputs by layout")
struct OutputWriterTests {
    @Test("auto tiles 5 maps into one labelled PNG mosaic with accounting in tEXt")
    func autoMosaic() throws {
        let s = try Scratch()
        var o = EncodeOptions()
        o.text = ["convkit:pipeline": "test"]
        let (paths, note) = try OutputWriter.writeOutputs(ramp(height: 10, width: 12, channels: 5), to: s.path("m.png"),
                                                          layout: .auto, options: o)
        #expect(paths == [s.path("m.png")])
        #expect(note?.contains("3x2 mosaic") == true)
        let img = try ImageDecoder.decode(path: s.path("m.png")).tensor
        let m = Mosaic.layout(for: Shape(channels: 5, height: 10, width: 12), text: try TextRenderer(pixelSize: 10))
        #expect(img.width == m.width && img.height == m.height && img.channels == 3)
        let text = try pngText(s.path("m.png"))
        #expect(text["convkit:pipeline"] == "test")
        #expect(text["convkit:layout"]?.hasPrefix("mosaic of 5 maps, 3x2 tiles of 12x10") == true)
    }

    @Test("auto writes one map through a colormap as RGB; channels writes one file per map")
    func colormapAndChannels() throws {
        let s = try Scratch()
        var o = EncodeOptions()
        o.map = .minmax
        _ = try OutputWriter.writeOutputs(ramp(height: 4, width: 8), to: s.path("v.png"), layout: .auto, options: o, colormap: .viridis)
        let v = try ImageDecoder.decode(path: s.path("v.png")).tensor
        #expect(v.channels == 3)
        #expect(abs(v[0, 0, 0] - 68 / 255) < 1e-6 && abs(v[2, 0, 0] - 84 / 255) < 1e-6)
        let (paths, _) = try OutputWriter.writeOutputs(ramp(height: 4, width: 8, channels: 2), to: s.path("c.png"),
                                                       layout: .channels, options: o)
        #expect(paths == [s.path("c-000.png"), s.path("c-001.png")])
    }

    @Test("ConvKitIO alone refuses a PNG mosaic, naming OutputWriter, and writes .npy whole")
    func ioMosaic() throws {
        let s = try Scratch()
        #expect(throws: CodecError.self) {
            try ImageEncoder.writeOutputs(ramp(height: 4, width: 4, channels: 5), to: s.path("x.png"), layout: .mosaic, options: EncodeOptions())
        }
        let (paths, _) = try ImageEncoder.writeOutputs(ramp(height: 4, width: 4, channels: 5), to: s.path("x.npy"),
                                                       layout: .mosaic, options: EncodeOptions())
        #expect(paths == [s.path("x.npy")])
    }
}
