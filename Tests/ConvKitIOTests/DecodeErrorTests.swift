import ConvKit
import ConvKitIO
import Foundation
import Testing

/// Inputs that must be rejected with a clear CodecError.
@Suite("Decode errors")
struct DecodeErrorTests {
    /// The library message the corpus recorded for a row ("decoder: libpng error: X"), if any.
    static func recordedMessage(_ row: Corpus.Row) -> String? {
        for marker in ["libpng error: ", "libjpeg error: "] {
            guard let r = row.notes.range(of: marker) else { continue }
            let rest = row.notes[r.upperBound...]
            let end = rest.firstIndex(of: ";") ?? rest.endIndex
            return rest[..<end].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    static let libraryErrors = Corpus.rows.filter { !$0.ok && recordedMessage($0) != nil }

    @Test("libpng and libjpeg errors carry the library's own message", arguments: libraryErrors)
    func libraryMessage(_ row: Corpus.Row) throws {
        let expected = try #require(Self.recordedMessage(row))
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: row.path) }
        #expect(error?.message == expected)
        #expect(error?.codec == (row.file.hasPrefix("png/") ? "PNG" : "JPEG"))
    }

    static let truncatedJPEGs = Corpus.rows.filter { $0.notes.contains("libjpeg warning treated as error") }

    @Test("Truncated JPEG data is an error, not a silently filled image", arguments: truncatedJPEGs)
    func truncatedJPEG(_ row: Corpus.Row) throws {
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: row.path) }
        let message = error?.message ?? ""
        #expect(message == "Premature end of JPEG file" || message == "Corrupt JPEG data: premature end of data segment")
    }

    @Test("Huge declared sizes are refused from the header", arguments: [
        "png/bad/huge_dims_100000x100000.png", "jpeg/bad/huge_dims_60000x60000.jpg",
    ])
    func hugeDimensions(_ file: String) throws {
        let error = #expect(throws: CodecError.self) { try ImageDecoder.probe(path: Corpus.path(file)) }
        #expect(error?.message.hasPrefix("declared ") == true)
        #expect(error?.message.contains("exceeds max-pixels 268435456") == true)
        #expect(error?.hint != nil)
    }

    @Test("A small maxPixels rejects PNG, JPEG and .npy before decoding", arguments: [
        "png/basn2c08.png", "jpeg/testorig.jpg", "npy/f8_chw.npy",
    ])
    func smallMaxPixels(_ file: String) throws {
        var options = DecodeOptions()
        options.maxPixels = 16
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: Corpus.path(file), options: options) }
        #expect(error?.message.contains("exceeds max-pixels 16") == true)
        #expect(throws: CodecError.self) { try ImageDecoder.probe(path: Corpus.path(file), options: options) }
        // Exactly at the limit is accepted.
        let info = try ImageDecoder.probe(path: Corpus.path(file))
        options.maxPixels = info.storedWidth * info.storedHeight
        _ = try ImageDecoder.decode(path: Corpus.path(file), options: options)
    }

    @Test("An empty file says so")
    func emptyFile() {
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: Corpus.path("misc/empty.png")) }
        #expect(error?.message == "empty file")
    }

    @Test("A directory says so")
    func directory() {
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: Corpus.path("png")) }
        #expect(error?.message == "is a directory")
    }

    @Test("A missing file gives the errno text")
    func missingFile() {
        let path = Corpus.path("png/no-such-file.png")
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: path) }
        #expect(error?.message == "No such file or directory")
        #expect(error?.path == path)
    }

    @Test("Text is not an image, and the hint lists the magic bytes")
    func notAnImage() {
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: Corpus.path("misc/text_named.png")) }
        #expect(error?.message == "not a PNG, JPEG, TIFF, WebP or NumPy file")
        #expect(error?.hint?.contains("89 50 4E 47") == true)
        #expect(error?.hint?.contains("FF D8") == true)
        #expect(error?.hint?.contains("49 49 2A 00") == true)
    }

    @Test("A lying extension decodes by content, with a warning", arguments: [
        ("misc/pngbar_png_named.jpg", ImageFormat.png, "extension .jpg does not match content (PNG)"),
        ("misc/pngbar_jpeg_named.png", ImageFormat.jpeg, "extension .png does not match content (JPEG)"),
    ])
    func wrongExtension(_ file: String, _ format: ImageFormat, _ warning: String) throws {
        let image = try ImageDecoder.decode(path: Corpus.path(file))
        #expect(image.info.format == format)
        #expect(image.warnings.contains(warning))
    }

    @Test("Broken or odd EXIF blocks are ignored, never fatal")
    func brokenExif() {
        let good: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]
        #expect(EXIF.orientation(in: good) == 6)
        #expect(EXIF.orientation(in: Array("Exif\0\0".utf8) + good) == 6)
        let little: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 3, 0, 0, 0]
        #expect(EXIF.orientation(in: little) == 3)
        #expect(EXIF.orientation(in: []) == nil)
        #expect(EXIF.orientation(in: Array(good.prefix(12))) == nil)          // entry cut short
        var farOffset = good
        farOffset[4...7] = [0xFF, 0xFF, 0xFF, 0xF0]                              // IFD past the end
        #expect(EXIF.orientation(in: farOffset) == nil)
        var badValue = good
        badValue[19] = 9                                                         // outside 1-8
        #expect(EXIF.orientation(in: badValue) == nil)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var junk = good
            for _ in 0..<3 { junk[Int.random(in: 0..<junk.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if let o = EXIF.orientation(in: Array(junk.prefix(Int.random(in: 0...junk.count, using: &rng)))) {
                #expect((1...8).contains(o))
            }
        }
    }
}
