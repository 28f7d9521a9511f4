import ConvKit
import ConvKitIO
import Foundation
import Testing

/// TIFF and WebP through the commands: Fixtures/formats (Scripts/make_format_fixtures.py).
@Suite("CLI: TIFF and WebP")
struct FormatCLITests {
    static func fixture(_ name: String) -> String { CLI.root.appendingPathComponent("Fixtures/formats/\(name)").path }

    static let broken: [String] = {
        let text = (try? String(contentsOfFile: fixture("broken.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").dropFirst().compactMap { $0.split(separator: "\t").first.map(String.init) }
    }()

    @Test("A float32 TIFF through apply with an identity kernel comes back with the same values, whole and streamed",
          arguments: [[], ["--stream"], ["--tile", "16", "--compression", "lzw"]])
    func floatIdentity(_ extra: [String]) throws {
        let dir = try TempDir()
        let input = Self.fixture("f32_3ch_planar.tif")
        let out = dir.path("out.tif")
        let r = try CLI.run(["apply", input, "--kernel", "1x1:1", "--depth", "32", "-o", out] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let a = try ImageDecoder.decode(path: input).tensor, b = try ImageDecoder.decode(path: out)
        #expect(b.info.sampleFormat == "float" && b.info.bitDepth == 32)
        // Bit for bit: the fixture has no -0.0, which x * 1 + 0 turns into +0.0.
        #expect(zip(a.data, b.tensor.data).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test("A 16-bit TIFF through apply with an identity kernel round-trips exactly")
    func sixteenBitIdentity() throws {
        let dir = try TempDir()
        let input = Self.fixture("u16_rgb_deflate_tiled.tif")
        let r = try CLI.run(["apply", input, "--kernel", "1x1:1", "--depth", "16", "-o", dir.path("o.tif")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try ImageDecoder.decode(path: dir.path("o.tif")).tensor.data == ImageDecoder.decode(path: input).tensor.data)
    }

    @Test("A broken TIFF or WebP: convkit: error: <file>: ..., exit 1, no output file", arguments: broken)
    func brokenInput(_ name: String) throws {
        let dir = try TempDir()
        let input = Self.fixture(name)
        let r = try CLI.run(["apply", input, "--filter", "gaussian5", "-o", dir.path("o.tif")])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("convkit: error: \(input): "), "\(r.stderr)")
        #expect(dir.contents.isEmpty)
    }

    @Test("--max-pixels and --max-bytes are checked from a TIFF's header, before any pixel is read")
    func headerLimits() throws {
        let input = Self.fixture("broken_huge_size.tif")
        let info = try CLI.run(["info", input])
        #expect(info.status == 1)
        #expect(info.stderr.contains("declared 200000x200000 exceeds max-pixels"))
        let dir = try TempDir()
        // The 48 data rows are all the file has: with the limit raised the first strip fails, cleanly.
        let apply = try CLI.run(["apply", input, "--max-pixels", "100000000000", "--filter", "gaussian5", "-o", dir.path("o.png")])
        #expect(apply.status == 1)
        #expect(apply.stderr.hasPrefix("convkit: error: \(input): TIFF: "), "\(apply.stderr)")
        let bytes = try CLI.run(["apply", Self.fixture("u16_rgb_deflate_tiled.tif"), "--filter", "gaussian5", "--max-bytes", "1000",
                                 "-o", dir.path("o.png")])
        #expect(bytes.status == 1)
        #expect(bytes.stderr.contains("the decoded input 3x19x27 needs 6.0 KiB, over --max-bytes 1000 bytes"))
        #expect(dir.contents.isEmpty)
    }

    @Test("info lists the pages of a multi-page TIFF; --page picks one")
    func infoPages() throws {
        let r = try CLI.run(["info", Self.fixture("multipage.tif"), "--page", "1"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("TIFF 27x19, 3 channels, 16-bit"))
        #expect(r.stdout.contains("page 1 of 3"))
        #expect(r.stdout.contains("page 2: 27x19, 1 channel, 32-bit float, orientation 1"))
    }

    @Test("WebP in, WebP out: lossless keeps every pixel; quality and size checks")
    func webp() throws {
        let dir = try TempDir()
        let input = Self.fixture("lossless_rgba.webp")
        let r = try CLI.run(["apply", input, "--kernel", "1x1:1", "--lossless", "-o", dir.path("o.webp")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try ImageDecoder.decode(path: dir.path("o.webp")).tensor.data == ImageDecoder.decode(path: input).tensor.data)
        let gray = try CLI.run(["apply", input, "--color", "gray", "--kernel", "1x1:1", "-o", dir.path("g.webp")])
        #expect(gray.status == 1)
        #expect(gray.stderr.contains("a WebP holds 3 or 4 channels"))
    }

    @Test("batch --format tiff writes one TIFF per input, TIFF inputs included")
    func batchTIFF() throws {
        let dir = try TempDir()
        let r = try CLI.run(["batch", Self.fixture("u8_rgb_lzw.tif"), Self.fixture("lossy_rgb.webp"), "--filter", "gaussian5",
                             "--format", "tiff", "--out-dir", dir.path("out")])
        #expect(r.status == 0, "\(r.stderr)")
        let written = (try? FileManager.default.contentsOfDirectory(atPath: dir.path("out"))) ?? []
        #expect(written.filter { $0.hasSuffix(".tiff") || $0.hasSuffix(".tif") }.count == 2, "\(written)")
    }
}

@Suite("CLI: --layout pages")
struct PagesLayoutTests {
    @Test("--layout pages writes one TIFF page per map, float values kept; other formats are refused")
    func pages() throws {
        let dir = try TempDir()
        let input = FormatCLITests.fixture("u8_rgb_lzw.tif")
        let out = dir.path("maps.tif")
        let r = try CLI.run(["apply", input, "--kernel", "1x1:1", "--depth", "32", "--layout", "pages", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let rgb = try ImageDecoder.decode(path: input).tensor
        let pages = try ImageDecoder.probePages(path: out)
        #expect(pages.count == 3)
        for p in 0..<3 {
            var o = DecodeOptions()
            o.page = p
            #expect(try ImageDecoder.decode(path: out, options: o).tensor.data == rgb.channel(p).data)
        }
        let png = try CLI.run(["apply", input, "--kernel", "1x1:1", "--layout", "pages", "-o", dir.path("maps.png")])
        #expect(png.status == 1)
        #expect(png.stderr.contains("--layout pages writes one page per map into a TIFF"))
    }
}
