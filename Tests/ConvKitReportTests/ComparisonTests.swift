import ConvKit
import ConvKitIO
import Foundation
import Testing
@testable import ConvKitReport
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("Sweeps, comparison grid and HTML report")
struct ComparisonTests {
    static let sweeps = [Sweep(key: .stride, values: ["1", "2"]), Sweep(key: .padding, values: ["valid", "same"])]

    func cells(scale: CellScale = .native, input: Tensor = ramp(height: 12, width: 17)) throws -> [ComparisonCell] {
        try Comparison.run(input: input, sweeps: Self.sweeps, source: { _ in try boxPipeline(3) }, scale: scale, threads: 1)
    }

    @Test("Sweeps parse, reject unknown keys and bad values, and multiply out first key slowest")
    func parsing() throws {
        let s = try Sweep(parsing: "stride=1,2")
        #expect(s.key == .stride && s.values == ["1", "2"])
        #expect(try Sweep(parsing: "padding=1,2;same").values == ["1,2", "same"])
        #expect(try Sweep(parsing: "padding-mode=reflect,zeros").key == .padding_mode)
        #expect(throws: ReportError.self) { try Sweep(parsing: "strid=1") }
        #expect(throws: ReportError.self) { try Sweep(parsing: "stride=0") }
        #expect(throws: ReportError.self) { try Sweep(parsing: "stride") }
        #expect(throws: ReportError.self) { try Sweep(parsing: "padding=valid,,same") }
        #expect(Self.sweeps.settings.map(\.plain) == ["stride=1 padding=valid", "stride=1 padding=same",
                                                       "stride=2 padding=valid", "stride=2 padding=same"])
        #expect([Sweep]().settings.map(\.description) == ["as given"])
    }

    @Test("A setting replaces geometry in every conv stage")
    func applied() throws {
        let setting = Setting([(.stride, "2"), (.padding, "same"), (.padding_mode, "reflect"), (.dilation, "2")])
        let p = try setting.applied(to: Pipeline(stages: [try boxPipeline(3).stages[0], try boxPipeline(5).stages[0]]))
        for c in p.convolutions {
            #expect(c.stride == Size2(square: 2) && c.padding == .same && c.padMode == .reflect && c.dilation == Size2(square: 2))
        }
    }

    @Test("Native cells are each output's size; fit cells are the input's size")
    func cellSizes() throws {
        let input = ramp(height: 12, width: 17)
        let native = try cells(input: input)
        let grid = try ComparisonGrid(cells: native, rows: 2, title: "t")
        #expect(grid.rows == 2 && grid.columns == 2)
        for (i, cell) in native.enumerated() {
            let plan = try cell.pipeline.plan(for: input.shape)
            let out = plan.last!.geometry.output
            #expect(grid.images[i].width == out.width && grid.images[i].height == out.height, "\(cell.setting)")
            #expect(cell.output.shape == out)
        }
        #expect(native.map { $0.picture.width } == [15, 17, 8, 9])
        let fit = try ComparisonGrid(cells: try cells(scale: .fit, input: input), rows: 2, title: "t")
        for r in fit.images { #expect(r.width == 17 && r.height == 12) }
    }

    @Test("Cells in one row share a top; labels sit below and hold ink")
    func labels() throws {
        let grid = try ComparisonGrid(cells: try cells(), rows: 2, title: "labels")
        #expect(grid.images[0].y == grid.images[1].y)
        #expect(grid.images[2].y > grid.labels[0].maxY)
        let canvas = grid.render()
        for (i, l) in grid.labels.enumerated() {
            #expect(l.y >= grid.images[i].maxY)
            #expect(canvas.count(in: l, differingFrom: .background) > 40, "label \(i) has text")
        }
    }

    @Test("The HTML parses; every data URI is a PNG of the stated size; rows equal the plan")
    func htmlReport() throws {
        let input = ramp(height: 12, width: 17)
        let cells = try cells(input: input)
        let grid = try ComparisonGrid(cells: cells, rows: 2, title: "r")
        let html = try HTMLReport(title: "report <&>", input: input, inputName: "ramp", grid: grid.render(), cells: cells).html
        let page = try #require(Page(html), "the report is well-formed XHTML")
        #expect(page.images.count == cells.count + 2)
        for img in page.images {
            let src = try #require(img["src"])
            #expect(src.hasPrefix("data:image/png;base64,"))
            let bytes = try #require(Data(base64Encoded: String(src.dropFirst("data:image/png;base64,".count))))
            let t = try decodePNG([UInt8](bytes))
            #expect(String(t.width) == img["width"])
            #expect(String(t.height) == img["height"])
        }
        #expect(page.rows.count == cells.count)
        for (tds, cell) in zip(page.rows, cells) {
            let summary = StageSummary(try cell.pipeline.plan(for: input.shape)[0])
            #expect(tds[2] == "\(summary.output[1])x\(summary.output[2])x\(summary.output[0])")
            #expect(tds[3] == summary.padding.map(String.init).joined(separator: ","))
            #expect(tds[6] == String(summary.macs))
            #expect(tds[7] == String(summary.outputBytes))
            #expect(tds[5] == Format.density(summary.density))
        }
        #expect(!html.contains("src=\"http") && !html.contains("href="))
        #expect(!html.contains("<script"))
    }

    @Test("The grid PNG carries each cell's accounting in tEXt")
    func gridText() throws {
        let s = try Scratch()
        let input = ramp(height: 12, width: 17)
        try ComparisonReport.write(cells: try cells(input: input), rows: 2, input: input, inputName: "ramp", title: "t",
                                   grid: s.path("g.png"), html: s.path("r.html"))
        let text = try pngText(s.path("g.png"))
        #expect(text["convkit:input-shape"] == "1x12x17")
        let cell4 = try #require(text["convkit:cell-4"])
        #expect(cell4.hasPrefix("stride=2 padding=same | pipeline conv 3x3 stride 2 same"))
        #expect(cell4.contains("output-shape 1x6x9") && cell4.contains("padding 0,1,1,1") && cell4.contains("density 0.265"))
        #expect(cell4.contains("macs \(6 * 9 * 9)"))
        #expect(FileManager.default.fileExists(atPath: s.path("r.html")))
    }

    @Test("Accounting's tEXt has pipeline, shapes, padding, density and MACs")
    func accountingText() throws {
        var conv = Convolution(kernels: [try Kernel2D(rows: [[1, 2, 1], [2, 4, 2], [1, 2, 1]])])
        conv.stride = Size2(square: 2)
        conv.padding = .same
        let shape = Shape(channels: 1, height: 28, width: 28)
        let t = Accounting(input: shape, stages: try Pipeline(stages: [conv]).plan(for: shape)).pngText()
        #expect(t["convkit:pipeline"] == "conv 3x3 stride 2 same")
        #expect(t["convkit:input-shape"] == "1x28x28" && t["convkit:output-shape"] == "1x14x14")
        #expect(t["convkit:padding"] == "0,1,0,1")
        #expect(t["convkit:density"] == "0.25")
        #expect(t["convkit:macs"] == String(14 * 14 * 9))
        #expect(t["convkit:stages"]?.contains("\"macs\":1764") == true)
    }

    @Test("Demo writes its grid and report and reproduces the seed's Keras numbers")
    func demo() throws {
        let s = try Scratch()
        let r = try Demo.run(outputDirectory: s.path("out"), threads: 1)
        #expect(FileManager.default.fileExists(atPath: r.grid) && FileManager.default.fileExists(atPath: r.report))
        for shape in ["26x26x32", "13x13x32", "28x28x32", "27.592", "6.898", "48672"] { #expect(r.table.contains(shape)) }
        #expect(Demo.photo().shape == Shape(channels: 3, height: 100, width: 150))
    }
}

/// The images and table body rows of a report, read with an XML parser.
final class Page: NSObject, XMLParserDelegate {
    var images: [[String: String]] = []
    var rows: [[String]] = []
    private var inBody = false, cell: String?

    init?(_ html: String) {
        super.init()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = self
        guard parser.parse() else { return nil }
    }

    func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "img": images.append(attributes)
        case "tbody": inBody = true
        case "tr" where inBody: rows.append([])
        case "td" where inBody: cell = ""
        default: break
        }
    }

    func parser(_ p: XMLParser, foundCharacters s: String) { cell? += s }

    func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "td", let c = cell { rows[rows.count - 1].append(c); cell = nil }
        if name == "tbody" { inBody = false }
    }
}
