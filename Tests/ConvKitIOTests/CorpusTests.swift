import ConvKit
import ConvKitIO
import Foundation
import Testing

@Suite("Corpus: every MANIFEST.tsv row")
struct CorpusTests {
    @Test("The manifest lists all 92 corpus files")
    func manifestLoads() {
        #expect(Corpus.rows.count == 92)
        #expect(Corpus.rows.filter(\.ok).count == 61)
    }

    @Test("Each file decodes or fails as the manifest says", arguments: Corpus.rows)
    func decodesAsManifestSays(_ row: Corpus.Row) throws {
        if row.ok {
            let image = try ImageDecoder.decode(path: row.path)
            #expect(image.tensor.width == row.width)
            #expect(image.tensor.height == row.height)
            #expect(image.tensor.channels == row.channels)
            #expect(image.info.width == row.width && image.info.height == row.height)
            #expect(image.info.channels == row.channels)
            #expect(image.info.bitDepth == row.bitDepth)
            #expect(image.info.orientation == row.orientation)
            var stored = DecodeOptions()
            stored.autoOrient = false
            let raw = try ImageDecoder.decode(path: row.path, options: stored)
            #expect(raw.tensor.width == row.storedWidth)
            #expect(raw.tensor.height == row.storedHeight)
            #expect(raw.info.storedWidth == row.storedWidth && raw.info.storedHeight == row.storedHeight)
            #expect(image.tensor.data.allSatisfy { $0.isFinite })
        } else {
            #expect {
                _ = try ImageDecoder.decode(path: row.path)
            } throws: { error in
                guard let e = error as? CodecError else { return false }
                return !e.message.isEmpty && e.path == row.path
            }
        }
    }

    @Test("Probe reports the manifest's header facts without decoding", arguments: Corpus.rows.filter(\.ok))
    func probeMatchesManifest(_ row: Corpus.Row) throws {
        let info = try ImageDecoder.probe(path: row.path)
        #expect(info.width == row.width && info.height == row.height)
        #expect(info.storedWidth == row.storedWidth && info.storedHeight == row.storedHeight)
        #expect(info.channels == row.channels)
        #expect(info.bitDepth == row.bitDepth)
        #expect(info.orientation == row.orientation)
    }

    static let references: [String] = listing(Corpus.path("refs")).filter { $0.hasSuffix(".npy") }

    @Test("Reference tensors match the stored-order decode", arguments: references)
    func matchesReference(_ name: String) throws {
        let source = String(name.dropLast(4))
        let row = try #require(Corpus.rows.first { ($0.file as NSString).lastPathComponent == source })
        let expected = try Corpus.reference(name)
        var options = DecodeOptions()
        options.autoOrient = false
        let got = try ImageDecoder.decode(path: row.path, options: options).tensor
        #expect(got.shape == expected.shape)
        guard got.shape == expected.shape else { return }
        if source.hasSuffix(".jpg") {
            let worst = zip(got.data, expected.data).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6)
        } else {
            #expect(got.data == expected.data)
        }
    }

    @Test("All EXIF orientations show the same picture once oriented", arguments: 0...8)
    func orientationsAgree(_ n: Int) throws {
        let reference = try ImageDecoder.decode(path: Corpus.path("jpeg/orientation_1.jpg")).tensor
        let image = try ImageDecoder.decode(path: Corpus.path("jpeg/orientation_\(n).jpg"))
        #expect(image.info.orientation == (n == 0 ? nil : n))
        #expect(image.tensor.shape == reference.shape)
        guard image.tensor.shape == reference.shape else { return }
        let mean = zip(image.tensor.data, reference.data).map { abs($0 - $1) }.reduce(0, +) / Float(reference.data.count)
        #expect(mean < 0.05)
    }

    @Test("Without auto-orient the stored order is kept")
    func noAutoOrientKeepsStoredOrder() throws {
        var options = DecodeOptions()
        options.autoOrient = false
        let image = try ImageDecoder.decode(path: Corpus.path("jpeg/orientation_6.jpg"), options: options)
        #expect(image.info.orientation == 6)
        #expect(image.tensor.width == 70 && image.tensor.height == 50)
        #expect(image.info.width == 70 && image.info.height == 50)
    }

    @Test("A PNG eXIf chunk after IDAT orients the image")
    func pngExifAfterIDAT() throws {
        let image = try ImageDecoder.decode(path: Corpus.path("png/pngtest.png"))
        #expect(image.info.orientation == 5)
        #expect(image.tensor.width == 69 && image.tensor.height == 91)
    }

    @Test("Adobe CMYK JPEG becomes RGB exactly as Pillow converts it")
    func cmykToRGB() throws {
        let image = try ImageDecoder.decode(path: Corpus.path("jpeg/pil_sample_cmyk.jpg"))
        // Fixtures/pillow-refs: Pillow 13.0.0 `Image.open(...).convert("RGB")` / 255.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.root + "/../pillow-refs/pil_sample_cmyk.jpg.npy")))
        let expected = try NPY.decode(bytes, path: "pil_sample_cmyk.jpg.npy")
        #expect(image.tensor.shape == expected.shape)
        guard image.tensor.shape == expected.shape else { return }
        let worst = zip(image.tensor.data, expected.data).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6)
    }

    @Test("Warnings-only JPEG decodes and reports the libjpeg warning")
    func jpegWarningsAreReported() throws {
        let image = try ImageDecoder.decode(path: Corpus.path("jpeg/jpeg_ff00_header.jpg"))
        #expect(image.warnings.contains { $0.contains("extraneous bytes before marker") })
    }
}
