import ConvKit
import ConvKitIO
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `apply` streamed (`--memory-limit 1KB` forces it, in pieces of 64 KiB: 8
/// rows of the photo; `--stream` alone streams small images in one piece) against the
/// same command run whole (issue "Images larger than memory"): `.npy` and
/// JPEG files byte for byte, PNG pixels (their tEXt differs on purpose).
enum Streaming {
    /// Forces a streamed run with the smallest pieces (64 KiB each).
    static let forced = ["--memory-limit", "1KB"]

    /// The two runs of one command, each into its own directory under the same file name.
    struct Pair {
        let dir: TempDir
        let whole: URL
        let streamed: URL
        let wholeRun: CLI.Result
        let streamedRun: CLI.Result
        /// `memory` of the streamed run's `--json`.
        let memory: [String: Any]
    }

    /// Runs `apply input args -o whole/out.EXT --json`, then the same with
    /// `stream` into `streamed/`, and checks that both succeeded with the plan each says.
    static func run(_ input: String, _ args: [String], ext: String, stream: [String] = forced,
                    environment: [String: String] = [:]) throws -> Pair {
        let dir = try TempDir()
        let whole = dir.url.appendingPathComponent("whole"), streamed = dir.url.appendingPathComponent("streamed")
        for d in [whole, streamed] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let w = try CLI.run(["apply", input] + args + ["-o", whole.appendingPathComponent("out.\(ext)").path, "--json"],
                            environment: environment)
        let s = try CLI.run(["apply", input] + args + stream + ["-o", streamed.appendingPathComponent("out.\(ext)").path, "--json"],
                            environment: environment)
        try #require(w.status == 0, "whole: \(w.stderr)")
        try #require(s.status == 0, "streamed: \(s.stderr)")
        #expect(try memory(w)["plan"] as? String == "whole")
        let (a, b) = (try summary(w), try summary(s))
        for key in ["inputShape", "outputShape", "macs"] { #expect(a[key] as? NSObject == b[key] as? NSObject, "--json \(key)") }
        // The same fields whatever the strip height: times per stage, quantisation and all.
        #expect(Set(a.keys) == Set(b.keys), "--json keys: whole \(a.keys.sorted()), streamed \(b.keys.sorted())")
        #expect(b["milliseconds"] as? Double != nil)
        let stages = (b["stages"] as? [[String: Any]]) ?? []
        #expect(stages.allSatisfy { $0["milliseconds"] as? Double != nil }, "streamed stages carry their time")
        if ext != "npy", let qa = a["quantization"] as? [String: Any], let qb = b["quantization"] as? [String: Any] {
            for key in ["values", "clippedLow", "clippedHigh", "nonFinite", "map", "depth"] {
                #expect(qa[key] as? NSObject == qb[key] as? NSObject, "quantization \(key)")
            }
        } else if ext != "npy" {
            Issue.record("--json quantization missing: whole \(a["quantization"] != nil), streamed \(b["quantization"] != nil)")
        }
        let m = try memory(s)
        #expect(m["plan"] as? String == "streamed")
        return Pair(dir: dir, whole: whole, streamed: streamed, wholeRun: w, streamedRun: s, memory: m)
    }

    static func summary(_ r: CLI.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    static func memory(_ r: CLI.Result) throws -> [String: Any] { try #require(try summary(r)["memory"] as? [String: Any]) }

    static func names(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    /// The same files in both directories, each equal; no hidden (`.tmp-`, `.scratch-`) file left.
    static func expectSame(_ pair: Pair, files expected: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let a = names(pair.whole), b = names(pair.streamed)
        #expect(a == b, "whole wrote \(a), streamed wrote \(b)", sourceLocation: sourceLocation)
        #expect(!a.isEmpty, sourceLocation: sourceLocation)
        if let expected { #expect(b.count == expected, "\(b)", sourceLocation: sourceLocation) }
        #expect(b.allSatisfy { !$0.hasPrefix(".") }, "left behind: \(b)", sourceLocation: sourceLocation)
        for name in Set(a).intersection(b).sorted() {
            let w = pair.whole.appendingPathComponent(name), s = pair.streamed.appendingPathComponent(name)
            if name.hasSuffix(".png") {
                try expectSamePNG(w, s, sourceLocation: sourceLocation)
            } else {
                let (x, y) = (try Data(contentsOf: w), try Data(contentsOf: s))
                if x == y { continue }
                let (u, v) = ([UInt8](x), [UInt8](y))
                let first = u.indices.first { $0 >= v.count || u[$0] != v[$0] }
                let message = "\(name): \(x.count) and \(y.count) bytes, first difference at byte \(first ?? min(x.count, y.count))"
                Issue.record(Comment(rawValue: message + npyDiff(w, s)), sourceLocation: sourceLocation)
            }
        }
    }

    /// Where two `.npy` files differ, as tensors (for the message).
    static func npyDiff(_ a: URL, _ b: URL) -> String {
        guard a.pathExtension == "npy",
              let x = try? NPY.decode([UInt8](Data(contentsOf: a)), path: a.path),
              let y = try? NPY.decode([UInt8](Data(contentsOf: b)), path: b.path) else { return "" }
        return "; " + tensorDiff(x, y)
    }

    static func tensorDiff(_ x: Tensor, _ y: Tensor) -> String {
        guard x.shape == y.shape else { return "shapes \(x.shape) and \(y.shape)" }
        let diffs = x.data.indices.filter { x.data[$0].bitPattern != y.data[$0].bitPattern }
        guard let i = diffs.first else { return "equal" }
        let plane = x.height * x.width
        return "\(diffs.count) of \(x.data.count) samples differ, first (c \(i / plane), y \(i % plane / x.width), "
            + "x \(i % x.width)): whole \(x.data[i]), streamed \(y.data[i]); rows \(Set(diffs.map { $0 % plane / x.width }).sorted().prefix(12))"
    }

    /// Equal pixels, depth and channels; tEXt says `convkit:plan` streamed and carries the same
    /// fields as the one-strip run, the time and the quantisation included (after the pixel data).
    static func expectSamePNG(_ w: URL, _ s: URL, sourceLocation: SourceLocation) throws {
        let x = try ImageDecoder.decode(path: w.path), y = try ImageDecoder.decode(path: s.path)
        #expect(x.info.bitDepth == y.info.bitDepth, sourceLocation: sourceLocation)
        #expect(x.tensor == y.tensor, "\(s.lastPathComponent): \(tensorDiff(x.tensor, y.tensor))", sourceLocation: sourceLocation)
        let (tw, ts) = (try text(w), try text(s))
        #expect(ts["convkit:plan"] == "streamed", "\(ts)", sourceLocation: sourceLocation)
        #expect(Set(tw.keys) == Set(ts.keys), "tEXt keys: whole \(tw.keys.sorted()), streamed \(ts.keys.sorted())",
                sourceLocation: sourceLocation)
        if tw["convkit:layout"] == nil {
            #expect(ts["convkit:milliseconds"] != nil && ts["convkit:quantization"] != nil, "\(ts)", sourceLocation: sourceLocation)
        }
        for key in ["convkit:pipeline", "convkit:input-shape", "convkit:output-shape", "convkit:padding", "convkit:layout",
                    "convkit:clipped"] {
            #expect(tw[key] == ts[key], "tEXt \(key)", sourceLocation: sourceLocation)
        }
    }

    /// A PNG's tEXt chunks, key to value.
    static func text(_ url: URL) throws -> [String: String] {
        let b = [UInt8](try Data(contentsOf: url))
        var out: [String: String] = [:], at = 8
        while at + 8 <= b.count {
            let n = b[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            if String(decoding: b[(at + 4)..<(at + 8)], as: UTF8.self) == "tEXt", at + 8 + n <= b.count {
                let data = b[(at + 8)..<(at + 8 + n)]
                if let z = data.firstIndex(of: 0) {
                    out[String(decoding: data[..<z], as: UTF8.self)] = String(decoding: data[(z + 1)...], as: UTF8.self)
                }
            }
            at += 12 + n
        }
        return out
    }

    /// A `w`x`h` kernel string: signed weights, or positive ones summing to 1.
    static func kernel(_ w: Int, _ h: Int, signed: Bool = true) -> String {
        let n = w * h
        let sum = Float(n * (n + 1) / 2)
        let v: [Float] = (0..<n).map { (i: Int) -> Float in signed ? Float((i * 7) % 11 - 5) / 8 : Float(i + 1) / sum }
        let text: [String] = v.map { "\($0)" }
        return "\(w)x\(h): " + text.joined(separator: ",")
    }

    /// `fixture` cropped to `height` x `width` from (`top`, `left`), written as
    /// `dir/name` (odd sizes: the last piece of rows is a short one).
    static func crop(_ fixture: String, height: Int, width: Int, top: Int = 37, left: Int = 53, in dir: TempDir,
                     name: String) throws -> String {
        let t = try ImageDecoder.decode(path: CLI.fixture(fixture)).tensor
        var data: [Float] = []
        data.reserveCapacity(t.channels * height * width)
        for c in 0..<t.channels {
            for y in top..<(top + height) {
                let row = (c * t.height + y) * t.width + left
                data += t.data[row..<(row + width)]
            }
        }
        let path = dir.path(name)
        try ImageEncoder.write(Tensor(shape: Shape(channels: t.channels, height: height, width: width), data: data), to: path,
                               options: EncodeOptions())
        return path
    }

    /// A 203x157 crop of coffee.png (3 channels), or a 211x173 crop of camera.png (gray).
    static func small(_ dir: TempDir, gray: Bool = false) throws -> String {
        gray ? try crop("png/camera.png", height: 211, width: 173, in: dir, name: "small-gray.png")
            : try crop("png/coffee.png", height: 203, width: 157, in: dir, name: "small.png")
    }

    /// A little-endian float32 `.npy` file of any shape (weights are 4-D).
    static func writeNPY(_ path: String, shape: [Int], values: [Float]) throws {
        var bytes = npyHeader(shape)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The format 1.0 header of a C-order `<f4` array of `shape`.
    static func npyHeader(_ shape: [Int]) -> [UInt8] {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape.map { "\($0), " }.joined() + "), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + Array(header.utf8)
    }

    /// `png` with an eXIf chunk (big-endian TIFF, one Orientation entry) inserted before IEND, or after IHDR.
    static func withOrientation(_ png: [UInt8], _ orientation: UInt8, afterIHDR: Bool = false) -> [UInt8] {
        let exif: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]
        let body = Array("eXIf".utf8) + exif
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in body {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc = ~crc
        func be(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
        let at = afterIHDR ? 33 : png.count - 12  // signature 8, IHDR 25
        return Array(png[..<at]) + be(UInt32(exif.count)) + body + be(crc) + png[at...]
    }
}

/// One geometry: a pad mode, a kernel and the flags around it.
struct GeometryCase: CustomTestStringConvertible, Sendable {
    var mode: String
    var size: (w: Int, h: Int)
    var flags: [String]
    var testDescription: String { "\(mode) \(size.w)x\(size.h) \(flags.joined(separator: " "))" }

    static let all: [GeometryCase] = ["zeros", "reflect", "symmetric", "replicate", "circular"].flatMap { mode in
        [
            GeometryCase(mode: mode, size: (5, 5), flags: ["--padding", "same", "--stride", "2"]),
            GeometryCase(mode: mode, size: (3, 3), flags: ["--padding", "full", "--dilation", "2"]),
            GeometryCase(mode: mode, size: (7, 3), flags: ["--padding", "1,3,2,0", "--stride", "2", "--dilation", "2,1"]),
        ]
    }
}

@Suite("apply streamed in strips equals apply on the whole image")
struct StreamingCLITests {
    @Test("Every pad mode, stride, dilation and padding: .npy byte for byte on a photo, PNG pixels on a small gray image",
          arguments: GeometryCase.all)
    func geometry(_ g: GeometryCase) throws {
        let flags = g.flags + ["--padding-mode", g.mode]
        let npy = try Streaming.run(CLI.fixture("png/coffee.png"), ["--kernel", Streaming.kernel(g.size.w, g.size.h)] + flags, ext: "npy")
        try Streaming.expectSame(npy, files: 1)
        let dir = try TempDir()
        let png = try Streaming.run(try Streaming.small(dir, gray: true),
                                    ["--kernel", Streaming.kernel(g.size.w, g.size.h, signed: false)] + flags, ext: "png")
        try Streaming.expectSame(png, files: 1)
        if g.mode == "circular" {
            #expect((npy.memory["wholeImageSteps"] as? [String] ?? []).contains { $0.hasPrefix("circular padding") })
        }
    }

    @Test("--stream alone (one piece on a small image) equals the whole-image run")
    func streamFlag() throws {
        let pair = try Streaming.run(CLI.fixture("png/coffee.png"), ["--kernel", Streaming.kernel(5, 5), "--padding", "same",
                                                                     "--padding-mode", "circular"], ext: "npy", stream: ["--stream"])
        try Streaming.expectSame(pair, files: 1)
        #expect(pair.memory["reason"] as? String == "--stream")
    }

    @Test("Chained presets and --color gray, on a 203x157 crop of the photo", arguments: [
        (["--filter", "gaussian5", "--filter", "sobel"], "npy"),
        (["--filter", "gaussian5", "--filter", "sobel"], "png"),
        (["--filter", "edges"], "png"),
        (["--filter", "edges", "--padding-mode", "circular", "--stride", "2"], "npy"),
        (["--filter", "conv-relu-pool"], "npy"),
        (["--filter", "max-pool"], "png"),
        (["--filter", "avg-pool", "--filter", "sobel-pool"], "png"),
        (["--filter", "gaussian15", "--padding-mode", "circular"], "npy"),
        (["--filter", "dilated-laplacian", "--filter", "roberts"], "npy"),
        (["--filter", "unsharp", "--filter", "max-pool", "--filter", "sharpen"], "png"),
        (["--filter", "kirsch"], "npy"),
        (["--color", "gray", "--kernel", "5x3: 1,2,3,2,1 0,0,0,0,0 -1,-2,-3,-2,-1", "--padding", "same", "--padding-mode", "symmetric"], "png"),
    ])
    func presets(_ args: [String], _ ext: String) throws {
        let dir = try TempDir()
        try Streaming.expectSame(try Streaming.run(try Streaming.small(dir), args, ext: ext), files: 1)
    }

    @Test("gaussian5 then sobel on the whole photo")
    func presetsPhoto() throws {
        try Streaming.expectSame(try Streaming.run(CLI.fixture("png/coffee.png"), ["--filter", "gaussian5", "--filter", "sobel"],
                                                   ext: "png"), files: 1)
    }

    @Test("Every kernel path (depthwise, narrow, separable, blocked, pointwise, Winograd) and groups, bias, flip, activation, pad value",
          arguments: [
            ("blocked", ["--weights", "w8x3x3x3.npy", "--stride", "2", "--padding", "same", "--padding-mode", "reflect"]),
            ("pointwise", ["--weights", "w8x3x1x1.npy", "--bias", "b8.npy", "--activation", "relu"]),
            ("winograd", ["--filter", "keras-conv32", "--weights", "w16x32x3x3.npy", "--padding", "same", "--padding-mode", "circular"]),
            ("winograd", ["--filter", "keras-conv32", "--weights", "w16x32x3x3.npy", "--padding", "same", "--padding-mode", "reflect"]),
            ("winograd", ["--filter", "keras-conv32", "--weights", "w16x32x3x3.npy", "--padding", "full", "--padding-mode", "symmetric"]),
            ("winograd", ["--filter", "keras-conv32", "--weights", "w16x32x3x3.npy", "--padding", "same", "--padding-mode", "replicate"]),
            ("depthwise-planes", ["--weights", "w6x1x3x3.npy", "--groups", "3", "--bias", "b6.npy", "--padding", "same", "--padding-mode", "symmetric"]),
            ("narrow", ["--weights", "w2x3x3x3.npy", "--stride", "2", "--padding", "same", "--padding-mode", "circular"]),
            ("depthwise-planes", ["--kernel", Streaming.kernel(5, 3), "--flip", "--activation", "abs", "--padding", "2", "--pad-value", "0.25"]),
            ("separable", ["--filter", "gaussian5", "--padding-mode", "reflect", "--dilation", "2"]),
          ])
    func kernelPaths(_ path: String, _ args: [String]) throws {
        let dir = try TempDir()
        for (name, shape) in [("w8x3x3x3", [8, 3, 3, 3]), ("w8x3x1x1", [8, 3, 1, 1]), ("w16x32x3x3", [16, 32, 3, 3]),
                              ("w6x1x3x3", [6, 1, 3, 3]), ("w2x3x3x3", [2, 3, 3, 3]),
                              ("b8", [8]), ("b6", [6])] {
            let n = shape.reduce(1, *)
            try Streaming.writeNPY(dir.path(name + ".npy"), shape: shape, values: (0..<n).map { Float(($0 * 37) % 19 - 9) / 16 })
        }
        let resolved = args.map { $0.hasSuffix(".npy") ? dir.path($0) : $0 }
        // Odd heights: the last piece of 8 rows is a short one (203 = 25 x 8 + 3). The path is forced:
        // on a small image the cost model may prefer another.
        let pair = try Streaming.run(try Streaming.small(dir), resolved, ext: "npy", environment: ["CONVKIT_KERNEL": path])
        try Streaming.expectSame(pair, files: 1)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(pair.wholeRun.stdout.utf8)) as? [String: Any])
        let paths = (summary["stages"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(paths.contains(path), "stage paths \(paths)")
    }

    @Test("Winograd (3x3, 16 channels in and out) on heights whose last piece has an odd row count",
          arguments: ["zeros", "reflect", "symmetric", "replicate", "circular"], [(9, "same"), (23, "full"), (24, "2,1,0,2")])
    func winogradOddRows(_ mode: String, _ height: (rows: Int, padding: String)) throws {
        let dir = try TempDir()
        let (input, weights) = (dir.path("in.npy"), dir.path("w.npy"))
        // 16 x rows x 100: pieces of 8 output rows (6400 bytes a row against 64 KiB pieces).
        try Streaming.writeNPY(input, shape: [16, height.rows, 100], values: (0..<(1600 * height.rows)).map { sin(Float($0) * 0.37) })
        try Streaming.writeNPY(weights, shape: [16, 16, 3, 3], values: (0..<2304).map { Float(($0 * 37) % 19 - 9) / 16 })
        let pair = try Streaming.run(input, ["--weights", weights, "--padding", height.padding, "--padding-mode", mode], ext: "npy",
                                     environment: ["CONVKIT_KERNEL": "winograd"])
        try Streaming.expectSame(pair, files: 1)
        let stages = try Streaming.summary(pair.wholeRun)["stages"] as? [[String: Any]]
        #expect(stages?.first?["path"] as? String == "winograd")
    }

    @Test("A preset's mosaic (8 maps) streams when the output fits the limit")
    func presetMosaic() throws {
        let pair = try Streaming.run(CLI.fixture("png/coffee.png"), ["--filter", "conv-relu-pool"], ext: "png",
                                     stream: ["--stream", "--memory-limit", "8MB"])
        try Streaming.expectSame(pair, files: 1)
        #expect((pair.memory["wholeImageSteps"] as? [String] ?? []).contains { $0.hasPrefix("mosaic") })
    }
}

@Suite("apply streamed: EXIF turns, maps, layouts and .npy input")
struct StreamingCLIOutputTests {
    static let signed = ["--kernel", "3x3: -1,0,1 -2,0,2 -1,0,1", "--padding", "same", "--padding-mode", "reflect"]

    /// `wholeImageSteps` names a scratch file for the turns that reorder rows (3-8), and nothing for 0-2.
    func expectScratchStep(_ pair: Streaming.Pair, orientation: Int?, sourceLocation: SourceLocation = #_sourceLocation) {
        let steps = pair.memory["wholeImageSteps"] as? [String] ?? []
        let scratch = steps.filter { $0.hasPrefix("EXIF") }
        if let o = orientation, o >= 3 {
            #expect(scratch.contains { $0.hasPrefix("EXIF orientation \(o)") && $0.contains("scratch file") }, "\(steps)",
                    sourceLocation: sourceLocation)
        } else {
            #expect(scratch.isEmpty, "\(steps)", sourceLocation: sourceLocation)
        }
    }

    @Test("EXIF orientations 0-8 of a JPEG: streamed == whole; turns 3-8 go through a scratch file", arguments: 0...8)
    func jpegOrientation(_ o: Int) throws {
        let input = CLI.fixture("jpeg/orientation_\(o).jpg")
        let pair = try Streaming.run(input, ["--kernel", Streaming.kernel(3, 5), "--padding", "same", "--padding-mode", "reflect"],
                                     ext: "npy")
        try Streaming.expectSame(pair, files: 1)
        expectScratchStep(pair, orientation: o)
    }

    @Test("An interlaced PNG whose eXIf (orientation 5) follows IDAT: streamed == whole, decoded whole")
    func pngtest() throws {
        let pair = try Streaming.run(CLI.fixture("png/pngtest.png"), ["--filter", "gaussian3"], ext: "png")
        try Streaming.expectSame(pair, files: 1)
        expectScratchStep(pair, orientation: 5)
        #expect(pair.memory["fullDecode"] as? Bool == true)
        let npy = try Streaming.run(CLI.fixture("png/pngtest.png"), ["--kernel", Streaming.kernel(5, 3), "--padding", "same",
                                                                     "--padding-mode", "circular"], ext: "npy")
        try Streaming.expectSame(npy, files: 1)
    }

    @Test("A 600x400 photo with eXIf orientations 2-8 streams in many strips from the scratch file", arguments: 2...8)
    func photoOrientation(_ o: Int) throws {
        let dir = try TempDir()
        let input = dir.path("turned.png")
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("png/coffee.png"))))
        try Data(Streaming.withOrientation(png, UInt8(o))).write(to: URL(fileURLWithPath: input))
        let info = try ImageDecoder.probe(path: input)
        #expect(info.orientation == o)
        let mode = ["zeros", "reflect", "symmetric", "replicate", "circular"][o % 5]
        let pair = try Streaming.run(input, ["--kernel", Streaming.kernel(5, 3), "--padding", "same", "--padding-mode", mode,
                                             "--stride", "2,1"], ext: "npy")
        try Streaming.expectSame(pair, files: 1)
        expectScratchStep(pair, orientation: o)
        #expect(Set(dir.contents) == ["turned.png"])
        guard o == 6 else { return }
        // --no-auto-orient keeps the stored order: no turn, no scratch file.
        let kept = try Streaming.run(input, ["--no-auto-orient", "--filter", "sobel"], ext: "png")
        try Streaming.expectSame(kept, files: 1)
        expectScratchStep(kept, orientation: nil)
    }

    @Test("--map clamp, abs, minmax and signed on a signed 3-channel output, PNG 8 and 16-bit",
          arguments: ["clamp", "abs", "minmax", "signed"], [8, 16])
    func maps(_ map: String, _ depth: Int) throws {
        let dir = try TempDir()
        let pair = try Streaming.run(try Streaming.small(dir), Self.signed + ["--map", map, "--depth", "\(depth)"], ext: "png")
        try Streaming.expectSame(pair, files: 1)
        let steps = pair.memory["wholeImageSteps"] as? [String] ?? []
        #expect(steps.contains { $0.hasPrefix("--map \(map)") } == (map == "minmax" || map == "signed"), "\(steps)")
    }

    @Test("JPEG output is byte-identical", arguments: ["clamp", "signed"])
    func jpeg(_ map: String) throws {
        let dir = try TempDir()
        let pair = try Streaming.run(try Streaming.small(dir), Self.signed + ["--map", map, "--quality", "80"], ext: "jpg")
        try Streaming.expectSame(pair, files: 1)
        let gray = try Streaming.run(try Streaming.small(dir), ["--color", "gray", "--map", map] + Self.signed, ext: "jpeg")
        try Streaming.expectSame(gray, files: 1)
    }

    @Test("--colormap on one map", arguments: zip(["viridis", "magma", "coolwarm", "viridis"], ["clamp", "minmax", "signed", "abs"]))
    func colormap(_ colormap: String, _ map: String) throws {
        let dir = try TempDir()
        let pair = try Streaming.run(try Streaming.small(dir),
                                     ["--color", "gray", "--colormap", colormap, "--map", map] + Self.signed, ext: "png")
        try Streaming.expectSame(pair, files: 1)
    }

    @Test("--layout channels writes one file per map, equal to the whole run's", arguments: [
        (["--map", "minmax"], "png"), (["--map", "signed", "--colormap", "viridis"], "png"), (["--map", "abs"], "jpg"), ([], "npy"),
    ])
    func channels(_ extra: [String], _ ext: String) throws {
        let bank = ["--kernel", "3x3: -1,0,1 -2,0,2 -1,0,1;3x3: 1,2,1 0,0,0 -1,-2,-1;3x3: 1,1,1 1,1,1 1,1,1", "--padding", "same", "--padding-mode", "replicate", "--layout", "channels"]
        let dir = try TempDir()
        let pair = try Streaming.run(try Streaming.small(dir, gray: true), bank + extra, ext: ext)
        try Streaming.expectSame(pair, files: 3)
        #expect(Streaming.names(pair.streamed) == ["out-000.\(ext)", "out-001.\(ext)", "out-002.\(ext)"])
    }

    @Test("A 5-map bank as a mosaic holds only the output: streamed == whole",
          arguments: [("mosaic", ["--map", "clamp"]), ("auto", ["--map", "minmax"]), ("mosaic", ["--map", "signed", "--colormap", "coolwarm"])])
    func mosaic(_ layout: String, _ map: [String]) throws {
        let kernels = ["0,1,0 1,-4,1 0,1,0", "0,0,0 -1,0,1 0,0,0", "0,-1,0 0,0,0 0,1,0", "1,2,1 2,4,2 1,2,1", "-1,-1,-1 -1,9,-1 -1,-1,-1"]
        let bank = ["--kernel", kernels.map { "3x3: " + $0 }.joined(separator: ";"), "--padding", "same", "--padding-mode", "circular",
                    "--layout", layout] + map
        let dir = try TempDir()
        let pair = try Streaming.run(try Streaming.small(dir, gray: true), bank, ext: "png", stream: ["--stream"])
        try Streaming.expectSame(pair, files: 1)
        #expect((pair.memory["wholeImageSteps"] as? [String] ?? []).contains { $0.hasPrefix("mosaic") })
    }

    @Test("A mosaic over the memory limit is refused before any file is written")
    func mosaicOverLimit() throws {
        let dir = try TempDir()
        let r = try CLI.run(["apply", CLI.fixture("png/camera.png"), "--kernel", "1;2;3;4;5", "--layout", "mosaic",
                             "--memory-limit", "1KB", "-o", dir.path("m.png")])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("convkit: error: \(dir.path("m.png")): a mosaic of 5 maps of 512x512 needs the whole output in memory"),
                "\(r.stderr)")
        #expect(dir.contents.isEmpty, "\(dir.contents)")
    }

    @Test(".npy input is read by strips: streamed == whole", arguments: [
        (["--kernel", Streaming.kernel(5, 5), "--padding", "same", "--padding-mode", "circular"], "npy"),
        (["--kernel", Streaming.kernel(3, 7), "--stride", "2", "--dilation", "2", "--padding", "full", "--padding-mode", "reflect"], "npy"),
        (["--filter", "max-pool", "--map", "minmax"], "png"),
        (["--color", "gray", "--filter", "sobel"], "png"),
        (["--kernel", "1x1: 1", "--map", "signed", "--layout", "channels"], "png"),
    ])
    func npyInput(_ args: [String], _ ext: String) throws {
        let dir = try TempDir()
        let input = dir.path("input.npy")
        let (c, h, w) = (3, 257, 311)
        var data = (0..<(c * h * w)).map { i in Float(i % 29) / 7 - 1.5 + Float(i / w % 13) * 0.125 }
        // Non-finite samples: min-max and signed maps skip them, and the two runs must agree on where they spread.
        for (i, v) in [(1000, Float.nan), (50_000, .infinity), (150_000, -.infinity)] { data[i] = v }
        try ImageEncoder.write(Tensor(shape: Shape(channels: c, height: h, width: w), data: data), to: input, options: EncodeOptions())
        try Streaming.expectSame(try Streaming.run(input, args, ext: ext), files: args.contains("channels") ? c : 1)
    }

    @Test("PNG and JPEG sample formats (1-16 bits, palette, alpha, interlaced, progressive, CMYK, arithmetic)", arguments: [
        "png/basn0g01.png", "png/basn0g16.png", "png/basn2c16.png", "png/basn3p04.png", "png/basn4a08.png", "png/basn6a16.png",
        "png/ibasn2c08.png", "png/palette-8-tRNS.png", "jpeg/jpg-progressive.jpg", "jpeg/pil_sample_cmyk.jpg",
        "jpeg/hopper_gray.jpg", "jpeg/testimgari.jpg", "jpeg/flower.jpg",
    ])
    func formats(_ file: String) throws {
        let pair = try Streaming.run(CLI.fixture(file), ["--kernel", Streaming.kernel(3, 3), "--padding", "same", "--padding-mode", "reflect"],
                                     ext: "npy")
        try Streaming.expectSame(pair, files: 1)
    }

    @Test("RGBA to JPEG and gray+alpha to PNG are mosaics; RGBA to PNG stays RGBA", arguments: [
        ("png/basn6a08.png", "jpg"), ("png/basn4a16.png", "png"), ("png/basn6a16.png", "png"),
    ])
    func alpha(_ file: String, _ ext: String) throws {
        let pair = try Streaming.run(CLI.fixture(file), ["--filter", "box3", "--depth", "16"], ext: ext, stream: ["--stream"])
        try Streaming.expectSame(pair, files: 1)
    }

    @Test("A relative output path: the scratch file goes to the working directory and is removed")
    func relativeOutput() throws {
        let dir = try TempDir()
        let input = try Streaming.small(dir)
        for (name, stream) in [("whole.png", [String]()), ("streamed.png", Streaming.forced)] {
            let r = try CLI.run(["apply", input, "--filter", "sobel", "--map", "minmax", "-o", name] + stream, in: dir.url)
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(Set(dir.contents) == ["small.png", "whole.png", "streamed.png"])
        let (w, s) = (try ImageDecoder.decode(path: dir.path("whole.png")), try ImageDecoder.decode(path: dir.path("streamed.png")))
        #expect(w.tensor == s.tensor, "\(Streaming.tensorDiff(w.tensor, s.tensor))")
    }

    @Test("A truncated JPEG fails the same streamed (also through an EXIF turn) and writes nothing",
          arguments: [("jpeg/flower.jpg", "out.npy", Streaming.forced), ("jpeg/flower.jpg", "out.png", ["--stream", "--map", "minmax"]),
                      ("jpeg/orientation_6.jpg", "out.npy", ["--stream"])])
    func truncatedJPEG(_ file: String, _ name: String, _ stream: [String]) throws {
        let dir = try TempDir()
        let input = dir.path("cut.jpg")
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture(file)))
        try jpeg.prefix(jpeg.count * 2 / 3).write(to: URL(fileURLWithPath: input))
        var stderr: [String] = []
        for (sub, extra) in [("whole", [String]()), ("streamed", stream)] {
            let out = dir.url.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let r = try CLI.run(["apply", input, "--filter", "gaussian3", "-o", out.appendingPathComponent(name).path] + extra)
            #expect(r.status == 1, "\(sub): \(r.stderr)")
            #expect(Streaming.names(out).isEmpty, "\(sub) left \(Streaming.names(out))")
            stderr.append(r.stderr)
        }
        #expect(stderr[0] == "convkit: error: \(input): JPEG: Premature end of JPEG file\n")
        #expect(stderr[1] == stderr[0])
    }
}
