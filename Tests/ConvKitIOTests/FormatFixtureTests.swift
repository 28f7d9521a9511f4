import ConvKit
import Foundation
import Testing

@testable import ConvKitIO

/// Fixtures/formats (made by Scripts/make_format_fixtures.py): TIFF and WebP
/// variants written by tifffile and Pillow, with reference decodes.
enum FormatFixtures {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures/formats").path
    }()

    struct Row: Sendable, CustomTestStringConvertible {
        var file: String
        var page: Int
        var tolerance: Float
        var what: String
        var testDescription: String { page == 0 ? file : "\(file) page \(page)" }
        var path: String { FormatFixtures.root + "/" + file }
        var reference: String { path + (page == 0 ? "" : ".page\(page)") + ".npy" }
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        var file: String
        var words: String
        var testDescription: String { file }
        var path: String { FormatFixtures.root + "/" + file }
    }

    static func table(_ name: String) -> [[String]] {
        guard let text = try? String(contentsOfFile: root + "/" + name, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    static let rows: [Row] = table("MANIFEST.tsv").map {
        Row(file: $0[0], page: Int($0[1]) ?? 0, tolerance: Float($0[2]) ?? 0, what: $0[3])
    }
    static let broken: [Broken] = table("broken.tsv").map { Broken(file: $0[0], words: $0.count > 1 ? $0[1] : "") }

    static func reference(_ row: Row) throws -> Tensor {
        try NPY.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: row.reference))), path: row.reference)
    }
}

@Suite("TIFF and WebP: reference decodes, broken files, round trips")
struct FormatFixtureTests {
    @Test("The corpus is there: TIFF and WebP rows and broken files")
    func corpusPresent() {
        #expect(FormatFixtures.rows.count >= 25)
        #expect(FormatFixtures.broken.count >= 8)
    }

    @Test("Each file decodes equal to its reference (bit for bit when lossless)", arguments: FormatFixtures.rows)
    func referenceDecode(_ row: FormatFixtures.Row) throws {
        var options = DecodeOptions()
        options.page = row.page
        let image = try ImageDecoder.decode(path: row.path, options: options)
        let ref = try FormatFixtures.reference(row)
        #expect(image.tensor.shape == ref.shape)
        guard image.tensor.shape == ref.shape else { return }
        if row.tolerance == 0 {
            let same = zip(image.tensor.data, ref.data).allSatisfy { $0.bitPattern == $1.bitPattern }
            #expect(same, "\(row.file): not bit-exact")
        } else {
            let worst = zip(image.tensor.data, ref.data).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= row.tolerance + 1e-6, "\(row.file): max difference \(worst)")
        }
        let info = try ImageDecoder.probe(path: row.path, options: options)
        #expect(info.width == ref.width && info.height == ref.height && info.channels == ref.channels)
    }

    @Test("Rows streamed by ImageRowReader equal the stored-order decode", arguments: FormatFixtures.rows)
    func streamedRows(_ row: FormatFixtures.Row) throws {
        var options = DecodeOptions()
        options.page = row.page
        options.autoOrient = false
        let whole = try ImageDecoder.decode(path: row.path, options: options).tensor
        let reader = try ImageRowReader.open(path: row.path, options: options)
        #expect(reader.storedShape == whole.shape)
        let (c, h, w) = (whole.channels, whole.height, whole.width)
        var strip = [Float](repeating: 0, count: c * 5 * w)
        // Bottom half first, then the top: any order works.
        for top in Array(stride(from: 0, to: h, by: 5)).reversed() {
            let rows = top..<min(h, top + 5)
            try strip.withUnsafeMutableBufferPointer { try reader.read(rows: rows, into: $0) }
            for ch in 0..<c {
                for (i, y) in rows.enumerated() {
                    for x in 0..<w where strip[(ch * rows.count + i) * w + x].bitPattern != whole.data[(ch * h + y) * w + x].bitPattern {
                        Issue.record("\(row.file): sample (\(ch), \(y), \(x)) differs")
                        return
                    }
                }
            }
        }
    }

    @Test("A broken file is a CodecError naming it, from decode and from the row reader", arguments: FormatFixtures.broken)
    func brokenFile(_ file: FormatFixtures.Broken) throws {
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: file.path) }
        #expect(error?.path == file.path)
        #expect(error?.codec == (file.file.hasSuffix(".webp") ? "WEBP" : "TIFF"))
        if !file.words.isEmpty { #expect(error?.message.contains(file.words) == true, "\(error?.message ?? "")") }
        #expect(throws: CodecError.self) {
            let reader = try ImageRowReader.open(path: file.path)
            let s = reader.storedShape
            var all = [Float](repeating: 0, count: s.channels * s.height * s.width)
            try all.withUnsafeMutableBufferPointer { try reader.read(rows: 0..<s.height, into: $0) }
        }
    }

    @Test("max-pixels is checked from the header, before pixels are read")
    func maxPixels() throws {
        var options = DecodeOptions()
        options.maxPixels = 100
        for file in ["u8_rgb_lzw.tif", "lossless_rgb.webp"] {
            let error = #expect(throws: CodecError.self) { try ImageDecoder.probe(path: FormatFixtures.root + "/" + file, options: options) }
            #expect(error?.message.contains("exceeds max-pixels 100") == true)
            #expect(error?.hint?.contains("--max-pixels") == true)
        }
    }

    @Test("info facts: pages, sample format, BigTIFF content detection with a wrong extension")
    func probeFacts() throws {
        let pages = try ImageDecoder.probePages(path: FormatFixtures.root + "/multipage.tif")
        #expect(pages.map(\.bitDepth) == [8, 16, 32])
        #expect(pages.map(\.channels) == [1, 3, 1])
        #expect(pages.map(\.sampleFormat) == ["uint", "uint", "float"])
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: FormatFixtures.root + "/u8_rgb_bigtiff.tif")))
        let image = try ImageDecoder.decode(bytes: bytes, name: "big.png")
        #expect(image.info.format == .tiff)
        #expect(image.warnings.first == "extension .png does not match content (TIFF)")
        var options = DecodeOptions()
        options.page = 3
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: FormatFixtures.root + "/multipage.tif", options: options) }
        #expect(error?.message == "page 3 does not exist: the file has 3 pages")
    }

    static func randomTensor(_ shape: Shape, seed: UInt64) -> Tensor {
        var state = seed
        var data = [Float](repeating: 0, count: shape.count)
        for i in data.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            data[i] = Float(Int32(truncatingIfNeeded: state >> 33)) / 1e6
        }
        return Tensor(shape: shape, data: data)
    }

    @Test("float32 TIFF keeps every bit (negative zero, infinities, subnormals) in strips, tiles, LZW and Deflate",
          arguments: [(TIFFCompression.none, 0), (.lzw, 0), (.deflate, 32), (.none, 16)])
    func floatRoundTrip(_ compression: TIFFCompression, _ tile: Int) throws {
        var t = Self.randomTensor(Shape(channels: 3, height: 37, width: 41), seed: 7)
        t.data[0] = -0.0
        t.data[1] = .infinity
        t.data[2] = -.infinity
        t.data[3] = Float(bitPattern: 1)
        var o = EncodeOptions()
        o.depth = 32
        o.tiffCompression = compression
        o.tiffTile = tile
        o.map = .minmax  // ignored: float output is never mapped
        let bytes = try ImageEncoder.encode(t, as: .tiff, path: "f.tif", options: o)
        let back = try ImageDecoder.decode(bytes: bytes, name: "f.tif")
        #expect(back.tensor.shape == t.shape)
        #expect(zip(back.tensor.data, t.data).allSatisfy { $0.bitPattern == $1.bitPattern })
        #expect(back.info.sampleFormat == "float")
    }

    @Test("16- and 8-bit TIFF round-trip exactly", arguments: [8, 16])
    func integerRoundTrip(_ depth: Int) throws {
        let levels = Float((1 << depth) - 1)
        let shape = Shape(channels: 4, height: 23, width: 29)
        let t = Tensor(shape: shape, data: (0..<shape.count).map { Float(($0 * 7919) % (1 << depth)) / levels })
        var o = EncodeOptions()
        o.depth = depth
        o.tiffCompression = .lzw
        let back = try ImageDecoder.decode(bytes: try ImageEncoder.encode(t, as: .tiff, path: "i.tif", options: o), name: "i.tif")
        #expect(back.tensor.data == t.data)
        #expect(back.info.bitDepth == depth)
    }

    @Test("Several pages in one TIFF come back page by page")
    func pagesRoundTrip() throws {
        let maps = (0..<3).map { Self.randomTensor(Shape(channels: 1, height: 9, width: 11), seed: UInt64($0 + 1)) }
        var o = EncodeOptions()
        o.depth = 32
        let bytes = try TIFFCodec.encode(pages: maps, options: o, path: "p.tif")
        for (i, m) in maps.enumerated() {
            var d = DecodeOptions()
            d.page = i
            #expect(try ImageDecoder.decode(bytes: bytes, name: "p.tif", options: d).tensor.data == m.data)
        }
    }

    @Test("The streamed TIFF writer, in strips of 5 rows, writes what ImageEncoder writes", arguments: [0, 16])
    func streamedWriter(_ tile: Int) throws {
        let t = Self.randomTensor(Shape(channels: 3, height: 33, width: 21), seed: 3)
        var o = EncodeOptions()
        o.depth = 32
        o.tiffTile = tile
        o.tiffCompression = .deflate
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ck-tiff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.tif").path
        let writer = try ImageRowWriter(path: path, shape: t.shape, options: o)
        for top in stride(from: 0, to: 33, by: 5) {
            let rows = top..<min(33, top + 5)
            var strip: [Float] = []
            for c in 0..<3 { for y in rows { strip += t.data[((c * 33 + y) * 21)..<((c * 33 + y + 1) * 21)] } }
            try strip.withUnsafeBufferPointer { try writer.write(rows: rows.count, from: $0) }
        }
        try writer.finish()
        let streamed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(streamed == (try ImageEncoder.encode(t, as: .tiff, path: path, options: o)))
    }

    @Test("WebP: lossless keeps RGBA exactly; past 16383 px a side is refused before any work")
    func webp() throws {
        let shape = Shape(channels: 4, height: 13, width: 17)
        let t = Tensor(shape: shape, data: (0..<shape.count).map { Float(($0 * 37) % 256) / 255 })
        var o = EncodeOptions()
        o.webpLossless = true
        let bytes = try ImageEncoder.encode(t, as: .webp, path: "x.webp", options: o)
        #expect(try ImageDecoder.decode(bytes: bytes, name: "x.webp").tensor.data == t.data)
        let error = #expect(throws: CodecError.self) {
            try ImageEncoder.validate(Shape(channels: 3, height: 10, width: 16384), as: .webp, path: "w.webp", options: o)
        }
        #expect(error?.message == "16384x10 exceeds WebP's 16383 px a side")
        #expect(throws: CodecError.self) {
            try ImageEncoder.validate(Shape(channels: 2, height: 10, width: 10), as: .webp, path: "w.webp", options: o)
        }
    }

    @Test("TIFF options ImageEncoder refuses: depth 12, tile 100")
    func refusedOptions() throws {
        var o = EncodeOptions()
        o.depth = 12
        #expect(throws: CodecError.self) { try ImageEncoder.validate(Shape(channels: 1, height: 4, width: 4), as: .tiff, path: "a.tif", options: o) }
        o.depth = 8
        o.tiffTile = 100
        let error = #expect(throws: CodecError.self) {
            try ImageEncoder.validate(Shape(channels: 1, height: 4, width: 4), as: .tiff, path: "a.tif", options: o)
        }
        #expect(error?.hint?.contains("multiples of 16") == true)
    }
}

@Suite("TIFF warnings and --strict")
struct TIFFStrictTests {
    @Test("libtiff's warning about an unknown tag is reported, and is an error with strict, from decode and the row reader")
    func strictUnknownTag() throws {
        let path = FormatFixtures.root + "/u8_unknown_tag.tif"
        let lenient = try ImageDecoder.decode(path: path)
        #expect(lenient.warnings.contains { $0.hasPrefix("libtiff: ") && $0.contains("65000") }, "\(lenient.warnings)")
        var options = DecodeOptions()
        options.strict = true
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: path, options: options) }
        #expect(error?.codec == "TIFF")
        #expect(error?.hint?.contains("--strict") == true)
        #expect(throws: CodecError.self) { try ImageRowReader.open(path: path, options: options) }
    }
}
