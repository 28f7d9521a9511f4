import ConvKit
import ConvKitIO
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `apply` streamed (`--memory-limit 1KB` forces it, with pieces of 8 output
/// rows on these images; `--stream` alone streams in one piece) against the
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
    static func run(_ input: String, _ args: [String], ext: String, stream: [String] = forced) throws -> Pair {
        let dir = try TempDir()
        let whole = dir.url.appendingPathComponent("whole"), streamed = dir.url.appendingPathComponent("streamed")
        for d in [whole, streamed] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let w = try CLI.run(["apply", input] + args + ["-o", whole.appendingPathComponent("out.\(ext)").path, "--json"])
        let s = try CLI.run(["apply", input] + args + stream + ["-o", streamed.appendingPathComponent("out.\(ext)").path, "--json"])
        try #require(w.status == 0, "whole: \(w.stderr)")
        try #require(s.status == 0, "streamed: \(s.stderr)")
        #expect(try memory(w)["plan"] as? String == "whole")
        let m = try memory(s)
        #expect(m["plan"] as? String == "streamed")
        return Pair(dir: dir, whole: whole, streamed: streamed, wholeRun: w, streamedRun: s, memory: m)
    }

    static func memory(_ r: CLI.Result) throws -> [String: Any] {
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        return try #require(obj["memory"] as? [String: Any])
    }

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

    /// Equal pixels, depth and channels; tEXt says `convkit:plan` streamed and has no time.
    static func expectSamePNG(_ w: URL, _ s: URL, sourceLocation: SourceLocation) throws {
        let x = try ImageDecoder.decode(path: w.path), y = try ImageDecoder.decode(path: s.path)
        #expect(x.info.bitDepth == y.info.bitDepth, sourceLocation: sourceLocation)
        #expect(x.tensor == y.tensor, "\(s.lastPathComponent): \(tensorDiff(x.tensor, y.tensor))", sourceLocation: sourceLocation)
        let (tw, ts) = (try text(w), try text(s))
        #expect(ts["convkit:plan"] == "streamed" && ts["convkit:milliseconds"] == nil, "\(ts)", sourceLocation: sourceLocation)
        for key in ["convkit:pipeline", "convkit:input-shape", "convkit:output-shape", "convkit:padding", "convkit:layout"] {
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

    /// A gray PNG of `width` x `height`, written in strips of `strip` rows by
    /// ``ImageRowWriter``: one strip (a triangle wave along x plus a ramp down
    /// the strip) is filled once and written again and again, upside down
    /// every other time so that strips meet without a seam. The ramps filter
    /// to runs that zlib packs fast; the writer's own rounding of each sample
    /// (debug code in the test bundle) is most of the time left.
    static func makeGrayPNG(_ path: String, width: Int, height: Int, strip: Int = 64) throws {
        let writer = try ImageRowWriter(path: path, shape: Shape(channels: 1, height: height, width: width),
                                        options: EncodeOptions())
        var even = [Float](repeating: 0, count: strip * width), odd = even
        for r in 0..<strip {
            for x in 0..<width {
                let v = Float(abs(x % 512 - 256)) / 1024 + Float(r) / Float(2 * strip)
                even[r * width + x] = v
                odd[(strip - 1 - r) * width + x] = v
            }
        }
        var top = 0
        while top < height {
            let n = min(strip, height - top)
            try (top / strip % 2 == 0 ? even : odd).withUnsafeBufferPointer { try writer.write(rows: n, from: $0) }
            top += n
        }
        try writer.finish()
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
            GeometryCase(mode: mode, size: (3, 3), flags: ["--padding", "same"]),
            GeometryCase(mode: mode, size: (5, 5), flags: ["--padding", "same", "--stride", "2"]),
            GeometryCase(mode: mode, size: (3, 3), flags: ["--padding", "full", "--dilation", "2"]),
            GeometryCase(mode: mode, size: (7, 3), flags: ["--padding", "1,3,2,0", "--stride", "2", "--dilation", "2"]),
            GeometryCase(mode: mode, size: (5, 7), flags: ["--padding", "3", "--stride", "3,2", "--dilation", "2,1"]),
        ]
    }
}

@Suite("apply streamed in strips equals apply on the whole image")
struct StreamingCLITests {
    @Test("Every pad mode, stride, dilation and padding: .npy byte for byte on a photo, PNG pixels on a gray image",
          arguments: GeometryCase.all)
    func geometry(_ g: GeometryCase) throws {
        let flags = g.flags + ["--padding-mode", g.mode]
        let npy = try Streaming.run(CLI.fixture("png/coffee.png"), ["--kernel", Streaming.kernel(g.size.w, g.size.h)] + flags, ext: "npy")
        try Streaming.expectSame(npy, files: 1)
        let png = try Streaming.run(CLI.fixture("png/camera.png"),
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

    @Test("Chained presets and --color gray", arguments: [
        (["--filter", "gaussian5", "--filter", "sobel"], "npy"),
        (["--filter", "gaussian5", "--filter", "sobel"], "png"),
        (["--filter", "edges"], "png"),
        (["--filter", "edges"], "npy"),
        (["--filter", "conv-relu-pool"], "npy"),
        (["--filter", "max-pool"], "png"),
        (["--filter", "avg-pool", "--filter", "sobel-pool"], "png"),
        (["--filter", "gaussian15", "--padding-mode", "circular"], "npy"),
        (["--filter", "dilated-laplacian", "--filter", "roberts"], "npy"),
        (["--filter", "unsharp", "--filter", "max-pool", "--filter", "sharpen"], "png"),
        (["--filter", "kirsch"], "npy"),
        (["--filter", "keras-conv32"], "npy"),
        (["--color", "gray", "--kernel", "5x3: 1,2,3,2,1 0,0,0,0,0 -1,-2,-3,-2,-1", "--padding", "same", "--padding-mode", "symmetric"], "png"),
    ])
    func presets(_ args: [String], _ ext: String) throws {
        try Streaming.expectSame(try Streaming.run(CLI.fixture("png/coffee.png"), args, ext: ext), files: 1)
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
        let png = try Streaming.run(input, [], ext: "png", stream: ["--stream"])
        try Streaming.expectSame(png, files: 1)
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
        let pair = try Streaming.run(input, ["--kernel", Streaming.kernel(5, 3), "--padding", "same", "--padding-mode", "symmetric",
                                             "--stride", "2,1"], ext: "npy")
        try Streaming.expectSame(pair, files: 1)
        expectScratchStep(pair, orientation: o)
        #expect(Set(dir.contents) == ["turned.png"])
        // --no-auto-orient keeps the stored order: no turn, no scratch file.
        let kept = try Streaming.run(input, ["--no-auto-orient", "--filter", "sobel"], ext: "png")
        try Streaming.expectSame(kept, files: 1)
        expectScratchStep(kept, orientation: nil)
    }

    @Test("--map clamp, abs, minmax and signed on a signed 3-channel output, PNG 8 and 16-bit",
          arguments: ["clamp", "abs", "minmax", "signed"], [8, 16])
    func maps(_ map: String, _ depth: Int) throws {
        let pair = try Streaming.run(CLI.fixture("png/coffee.png"), Self.signed + ["--map", map, "--depth", "\(depth)"], ext: "png")
        try Streaming.expectSame(pair, files: 1)
        let steps = pair.memory["wholeImageSteps"] as? [String] ?? []
        #expect(steps.contains { $0.hasPrefix("--map \(map)") } == (map == "minmax" || map == "signed"), "\(steps)")
    }

    @Test("JPEG output is byte-identical", arguments: ["clamp", "signed"])
    func jpeg(_ map: String) throws {
        let pair = try Streaming.run(CLI.fixture("png/coffee.png"), Self.signed + ["--map", map, "--quality", "80"], ext: "jpg")
        try Streaming.expectSame(pair, files: 1)
        let gray = try Streaming.run(CLI.fixture("png/coffee.png"), ["--color", "gray", "--map", map] + Self.signed, ext: "jpeg")
        try Streaming.expectSame(gray, files: 1)
    }

    @Test("--colormap on one map, with each --map", arguments: ["viridis", "magma", "coolwarm"], ["clamp", "minmax", "signed"])
    func colormap(_ colormap: String, _ map: String) throws {
        let pair = try Streaming.run(CLI.fixture("png/coffee.png"),
                                     ["--color", "gray", "--colormap", colormap, "--map", map] + Self.signed, ext: "png")
        try Streaming.expectSame(pair, files: 1)
    }

    @Test("--layout channels writes one file per map, equal to the whole run's", arguments: [
        (["--map", "minmax"], "png"), (["--map", "signed", "--colormap", "viridis"], "png"), (["--map", "abs"], "jpg"), ([], "npy"),
    ])
    func channels(_ extra: [String], _ ext: String) throws {
        let bank = ["--kernel", "3x3: -1,0,1 -2,0,2 -1,0,1;3x3: 1,2,1 0,0,0 -1,-2,-1;3x3: " + Array(repeating: "0.1", count: 9).joined(separator: ","),
                    "--padding", "same", "--padding-mode", "replicate", "--layout", "channels"]
        let pair = try Streaming.run(CLI.fixture("png/camera.png"), bank + extra, ext: ext)
        try Streaming.expectSame(pair, files: 3)
        #expect(Streaming.names(pair.streamed) == ["out-000.\(ext)", "out-001.\(ext)", "out-002.\(ext)"])
    }

    @Test("A 5-map bank as a mosaic holds only the output: streamed == whole", arguments: ["mosaic", "auto"], ["clamp", "minmax"])
    func mosaic(_ layout: String, _ map: String) throws {
        let bank = ["--kernel", "3x3: 0,1,0 1,-4,1 0,1,0;3x3: 0,0,0 -1,0,1 0,0,0;3x3: 0,-1,0 0,0,0 0,1,0;3x3: 1,2,1 2,4,2 1,2,1;3x3: -1,-1,-1 -1,9,-1 -1,-1,-1",
                    "--padding", "same", "--padding-mode", "circular",
                    "--layout", layout, "--map", map]
        let pair = try Streaming.run(CLI.fixture("png/camera.png"), bank, ext: "png", stream: ["--stream"])
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
    ])
    func npyInput(_ args: [String], _ ext: String) throws {
        let dir = try TempDir()
        let input = dir.path("input.npy")
        let (c, h, w) = (3, 257, 311)
        let data = (0..<(c * h * w)).map { i in Float(i % 29) / 7 - 1.5 + Float(i / w % 13) * 0.125 }
        try ImageEncoder.write(Tensor(shape: Shape(channels: c, height: h, width: w), data: data), to: input, options: EncodeOptions())
        try Streaming.expectSame(try Streaming.run(input, args, ext: ext), files: 1)
    }
}

@Suite("apply streamed: errors and interrupts leave nothing behind")
struct StreamingCLICleanupTests {
    /// A coffee.png cut to `fraction` of its bytes (after an eXIf orientation 6 chunk when `turned`).
    static func truncated(_ dir: TempDir, fraction: Double, turned: Bool) throws -> String {
        var png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("png/coffee.png"))))
        if turned { png = Streaming.withOrientation(png, 6, afterIHDR: true) }
        let path = dir.path(turned ? "turned-cut.png" : "cut.png")
        try Data(png.prefix(Int(Double(png.count) * fraction))).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("A truncated PNG fails naming the file and leaves the output directory empty", arguments: [
        ["-o", "out.png"], ["--map", "minmax", "-o", "out.png"], ["-o", "out.npy"],
        ["--kernel", "1;2;3", "--layout", "channels", "--map", "signed", "-o", "out.png"],
        ["--kernel", "1;2;3;4;5", "--layout", "mosaic", "--memory-limit", "64MB", "-o", "out.png"],
    ], [0.1, 0.5, 0.95])
    func truncatedPNG(_ args: [String], _ fraction: Double) throws {
        let dir = try TempDir()
        for turned in [false, true] {
            let input = try Self.truncated(dir, fraction: fraction, turned: turned)
            let out = dir.url.appendingPathComponent(turned ? "out-turned" : "out")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let r = try CLI.run(["apply", input, "--stream", "--filter", "gaussian3"] + args.dropLast() + [out.appendingPathComponent(args.last!).path])
            #expect(r.status == 1, "\(turned ? "turned: " : "")\(r.stderr)")
            #expect(r.stderr.hasPrefix("convkit: error: \(input): "), "\(r.stderr)")
            #expect(Streaming.names(out).isEmpty, "left in the output directory: \(Streaming.names(out))")
        }
    }

    /// The interrupted run's output directory, and what was in it just before SIGINT.
    struct Interrupted {
        /// The raw wait status.
        var status: Int32
        var before: [String]
        var after: [String]
        var stderr: String
        var exitCode: Int32? { status & 0x7f == 0 ? (status >> 8) & 0xff : nil }
        var summary: String { exitCode.map { "exit \($0)" } ?? "signal \(status & 0x7f)" }
    }

    /// Runs `apply input args -o out/x.png`, waits until a hidden file (the
    /// temporary output) appears in `out`, then 0.3 s more, and sends SIGINT.
    ///
    /// The child starts with no signal blocked and SIGINT at its default, as
    /// a shell starts a job: Foundation's Process passes on the mask of the
    /// test's thread, which blocks SIGINT, and the signal would never arrive.
    static func interrupt(_ input: String, _ args: [String], out: URL, log: String) throws -> Interrupted {
        let argv = [try #require(CLI.binary).path, "apply", input] + args + ["-o", out.appendingPathComponent("x.png").path]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }

        var status: Int32 = 0
        func exited() -> Bool { waitpid(pid, &status, WNOHANG) == pid }
        var done = false
        let deadline = Date().addingTimeInterval(120)
        while !done, Date() < deadline, !Streaming.names(out).contains(where: { $0.hasPrefix(".") }) {
            done = exited()
            usleep(2_000)
        }
        var before: [String] = []
        if !done {
            usleep(300_000)
            before = Streaming.names(out)
            kill(pid, SIGINT)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        return Interrupted(status: status, before: before, after: Streaming.names(out),
                           stderr: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test("SIGINT during a streamed run exits 130 and removes the temporary and scratch files",
          arguments: [[], ["--map", "minmax"]])
    func sigint(_ extra: [String]) throws {
        let dir = try TempDir()
        let out = dir.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // A bigger image when the run finished before it could be interrupted.
        for side in [3000, 6000, 12000] {
            let input = dir.path("big-\(side).png")
            try Streaming.makeGrayPNG(input, width: side, height: side)
            let r = try Self.interrupt(input, ["--stream", "--filter", "gaussian5"] + extra, out: out, log: dir.path("stderr"))
            try? FileManager.default.removeItem(atPath: input)
            if r.before.isEmpty && r.exitCode == 0 {
                // Finished first: the output is complete and alone.
                #expect(r.after == ["x.png"])
                let info = try ImageDecoder.probe(path: out.appendingPathComponent("x.png").path)
                #expect(info.width == side && info.height == side)
                try FileManager.default.removeItem(at: out.appendingPathComponent("x.png"))
                continue
            }
            #expect(r.exitCode == 130, "\(r.summary): \(r.stderr)")
            #expect(r.before.contains { $0.hasPrefix(".x.png.tmp-") }, "before SIGINT: \(r.before)")
            if !extra.isEmpty { #expect(r.before.contains { $0.hasPrefix(".x.png.scratch-") }, "before SIGINT: \(r.before)") }
            #expect(r.after.isEmpty, "left after SIGINT: \(r.after)")
            return
        }
        Issue.record("every run finished before SIGINT; the interrupt was not tested")
    }
}

/// The test the issue asks for. A debug convkit takes minutes on this image,
/// so it runs only against a release build: Scripts/test.sh builds one and
/// sets CONVKIT_RELEASE_BIN.
@Suite("apply streams an image larger than its memory limit")
struct StreamingCLILargeImageTests {
    static let releaseBinary = ProcessInfo.processInfo.environment["CONVKIT_RELEASE_BIN"]

    @Test("A 20000x20000 gray PNG through gaussian5 with --memory-limit 64MB peaks under 96 MiB",
          .enabled(if: releaseBinary != nil, "set CONVKIT_RELEASE_BIN to a release convkit (Scripts/test.sh does); a debug build takes minutes"))
    func largeImage() throws {
        let bin = try #require(Self.releaseBinary)
        let dir = try TempDir()
        let (input, output) = (dir.path("big.png"), dir.path("out.png"))
        let side = 20_000
        let clock = ContinuousClock()
        let made = try clock.measure { try Streaming.makeGrayPNG(input, width: side, height: side) }
        var child: Spawned?
        let ran = try clock.measure {
            child = try Spawned.run([bin, "apply", input, "--filter", "gaussian5", "--memory-limit", "64MB", "-o", output, "--json"],
                                    timeout: 300)
        }
        let run = try #require(child)
        print("20000x20000 gaussian5: generated in \(made), convkit ran in \(ran), peak RSS \(run.maxRSSKiB.map { "\($0) KiB" } ?? "not measured")")
        try #require(run.exitCode == 0, "\(run.summary): \(run.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let memory = try #require(obj["memory"] as? [String: Any])
        #expect(memory["plan"] as? String == "streamed")
        #expect((memory["reason"] as? String)?.hasSuffix("over --memory-limit 64.0 MiB") == true, "\(memory)")
        #expect(memory["decodePasses"] as? Int == 1)
        if !SweepLimits.sanitized, let rss = run.maxRSSKiB { #expect(rss < 96 * 1024, "peak RSS \(rss) KiB") }
        #expect(Set(dir.contents) == ["big.png", "out.png"])
        // The output has the input's size, and a blur of a smooth pattern stays close to it.
        var options = DecodeOptions()
        options.maxPixels = side * side
        let (a, b) = (try ImageRowReader.open(path: input, options: options), try ImageRowReader.open(path: output, options: options))
        #expect(b.storedShape == a.storedShape)
        var x = [Float](repeating: 0, count: 8 * side), y = x
        try x.withUnsafeMutableBufferPointer { try a.read(rows: 0..<8, into: $0) }
        try y.withUnsafeMutableBufferPointer { try b.read(rows: 0..<8, into: $0) }
        let worst = zip(x, y).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 2.0 / 255, "largest difference in the first rows: \(worst * 255)/255")
    }
}
