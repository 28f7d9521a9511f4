import ConvKit
import ConvKitIO
import Foundation
import Testing

/// `--transpose`, `--upsample`, `--output-stride` and `--overlay overlap` from the command line.
@Suite("convkit: denser stages")
struct DenserCLITests {
    /// A float32 .npy of any shape (NPY.encode writes 3-D tensors only).
    static func writeNPY(_ values: [Float], shape: [Int], to path: String) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)]
        bytes += Array(header.utf8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func weights(_ tmp: TempDir, k: Int, name: String) throws -> (path: String, weights: ConvWeights) {
        var rng = SplitMix64(seed: UInt64(k))
        let values = (0..<(2 * k * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let path = tmp.path(name)
        try writeNPY(values, shape: [1, 2, k, k], to: path)
        return (path, try ConvWeights(outChannels: 1, inChannelsPerGroup: 2, kernel: Size2(square: k), values: values))
    }

    static func read(_ path: String) throws -> Tensor {
        try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
    }

    @Test("apply --transpose gives what the library computes, whole and streamed")
    func transposeMatchesLibrary() throws {
        let tmp = try TempDir()
        let (w, weights) = try Self.weights(tmp, k: 3, name: "w.npy")
        let input = CLI.fixture("png/basn0g08.png")
        let args = ["apply", input, "--weights", w, "--transpose", "--stride", "2", "--padding", "1", "--output-padding", "1"]
        let r = try CLI.run(args + ["-o", tmp.path("t.npy")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("checkerboard"))
        let s = try CLI.run(args + ["--stream", "-o", tmp.path("s.npy")])
        #expect(s.status == 0, "\(s.stderr)")
        var t = TransposedConvolution(weights: weights)
        t.stride = Size2(square: 2)
        t.padding = Size2(square: 1)
        t.outputPadding = Size2(square: 1)
        let expected = try t.run(try ImageDecoder.decode(path: input).tensor)
        #expect(expected.shape == ConvKit.Shape(channels: 2, height: 64, width: 64))
        #expect(try Self.read(tmp.path("t.npy")) == expected)
        #expect(try Self.read(tmp.path("s.npy")) == expected)
    }

    @Test("shape states the transposed size rule, and warns about 3x3 stride 2 but not 4x4")
    func shapeRuleAndWarning() throws {
        let tmp = try TempDir()
        let (w3, _) = try Self.weights(tmp, k: 3, name: "w3.npy")
        let (w4, _) = try Self.weights(tmp, k: 4, name: "w4.npy")
        let r3 = try CLI.run(["shape", "--input", "20x24x1", "--weights", w3, "--transpose", "--stride", "2", "--padding", "1", "--output-padding", "1"])
        #expect(r3.status == 0, "\(r3.stderr)")
        #expect(r3.stdout.contains("rows (20-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 40"), "\(r3.stdout)")
        #expect(r3.stdout.contains("40x48x2"))
        #expect(r3.stdout.contains("warning: stage 1: transposed kernel size is not a multiple of the stride"))
        let r4 = try CLI.run(["shape", "--input", "20x24x1", "--weights", w4, "--transpose", "--stride", "2", "--padding", "1"])
        #expect(r4.stdout.contains("40x48x2"))
        #expect(!r4.stdout.contains("checkerboard"))
    }

    @Test("--overlay overlap draws the checkerboard and --json gives min and max overlap")
    func overlapOverlay() throws {
        let tmp = try TempDir()
        let (w3, _) = try Self.weights(tmp, k: 3, name: "w3.npy")
        let (w4, _) = try Self.weights(tmp, k: 4, name: "w4.npy")
        let input = CLI.fixture("png/basn0g08.png")
        func overlap(_ w: String, padding: String) throws -> [String: Any] {
            let r = try CLI.run(["apply", input, "--weights", w, "--transpose", "--stride", "2", "--padding", padding,
                                 "--overlay", "overlap", "--json", "-o", tmp.path("o.png")])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(FileManager.default.fileExists(atPath: tmp.path("o.png")))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            return try #require(json["overlap"] as? [String: Any])
        }
        let odd = try overlap(w3, padding: "1")
        #expect(odd["min"] as? Int == 1 && odd["max"] as? Int == 4)
        #expect(odd["interiorLevels"] as? [Int] == [1, 2, 4])
        let even = try overlap(w4, padding: "1")
        #expect(even["interiorLevels"] as? [Int] == [4])
        let none = try CLI.run(["apply", input, "--overlay", "overlap", "-o", tmp.path("n.png")])
        #expect(none.status == 1)
        #expect(none.stderr.hasPrefix("convkit: error: --overlay: --overlay overlap draws a transposed stage"))
    }

    @Test("--upsample 2,bilinear doubles the size before the kernel")
    func upsample() throws {
        let r = try CLI.run(["shape", "--input", "20x24x1", "--upsample", "2,bilinear", "--kernel", "3x3: 1,1,1 1,1,1 1,1,1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("upsample x2 bilinear  40x48x1"), "\(r.stdout)")
        #expect(r.stdout.contains("conv 3x3 valid        38x46x1"))
        let bad = try CLI.run(["shape", "--input", "20x24x1", "--upsample", "2,cubic"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("upsample '2,cubic' is not F, FH,FW or HxW"), "\(bad.stderr)")
    }

    @Test("--output-stride prints the rewritten pipeline beside the original, and says when it is not exact")
    func outputStride() throws {
        let args = ["shape", "--input", "32x32x1", "--out-channels", "8", "--kernel-size", "3", "--stride", "2", "--padding", "1"]
        let r = try CLI.run(args + ["--output-stride", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("original pipeline:"))
        #expect(r.stdout.contains("rewritten for --output-stride 1:"))
        #expect(r.stdout.contains("output 16x16x8 -> 31x31x8"), "\(r.stdout)")
        #expect(r.stdout.contains("exact: the dense output at every 2 rows and columns"))
        let two = ["shape", "--input", "32x32x1", "--filter", "box3", "--stride", "2", "--padding-mode", "symmetric", "--filter", "box3"]
        let s = try CLI.run(two + ["--padding", "same", "--output-stride", "1"])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stdout.contains("not exact"), "\(s.stdout)")
    }

    @Test("--emit for a shape-only pipeline prints layer constructors, not a kernel of zeros")
    func emitLayers() throws {
        let base = ["shape", "--input", "28x28x1", "--out-channels", "32", "--kernel-size", "3", "--stride", "2"]
        let tf = try CLI.run(base + ["--emit", "tf"])
        #expect(tf.status == 0, "\(tf.stderr)")
        #expect(tf.stdout.contains("tf.keras.layers.Conv2D(32, (3, 3), strides=(2, 2), padding=\"valid\", dilation_rate=(1, 1)"), "\(tf.stdout)")
        #expect(!tf.stdout.contains("np.array"))
        let torch = try CLI.run(base + ["--emit", "torch", "--output-stride", "1"])
        #expect(torch.stdout.contains("nn.Conv2d(1, 32, (3, 3), stride=(1, 1), padding=(0, 0), dilation=(1, 1)"), "\(torch.stdout)")
    }

    @Test("Bad denser options fail with a message")
    func errors() throws {
        let tmp = try TempDir()
        let (w3, _) = try Self.weights(tmp, k: 3, name: "w3.npy")
        let a = try CLI.run(["shape", "--input", "8x8x1", "--transpose"])
        #expect(a.status != 0)
        #expect(a.stderr.contains("--transpose needs --weights"))
        let b = try CLI.run(["shape", "--input", "8x8x1", "--weights", w3, "--transpose", "--stride", "2", "--output-padding", "2"])
        #expect(b.status == 1)
        #expect(b.stderr.hasPrefix("convkit: error: "))
        #expect(b.stderr.contains("output padding 2 along rows must be smaller than the stride (2) or the dilation (1)"), "\(b.stderr)")
        let c = try CLI.run(["shape", "--input", "8x8x1", "--weights", w3, "--transpose", "--padding", "same"])
        #expect(c.status == 1)
        #expect(c.stderr.contains("--transpose takes --padding N or PH,PW"), "\(c.stderr)")
    }

    @Test("demo and compare --ladder draw the density ladder, one cell per lever")
    func ladder() throws {
        let tmp = try TempDir()
        let d = try CLI.run(["demo", "-o", tmp.path("out")])
        #expect(d.status == 0, "\(d.stderr)")
        let grid = try ImageDecoder.decode(path: tmp.path("out/demo-ladder.png")).tensor
        #expect(grid.width > 400)
        for lever in ["less stride", "more padding", "smaller kernel", "dilation 2", "transposed 4x4", "upsample x2", "atrous"] {
            #expect(d.stdout.contains(lever), "\(lever)")
        }
        let c = try CLI.run(["compare", CLI.fixture("png/basn0g08.png"), "--ladder", "--json", "-o", tmp.path("l.png")])
        #expect(c.status == 0, "\(c.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as? [String: Any])
        let cells = try #require(json["cells"] as? [[String: Any]])
        #expect(cells.count == 8)
        #expect(cells.last?["label"] as? String == "atrous: --output-stride 1")
    }

    @Test("batch runs transposed, upsample and --output-stride pipelines with the bytes apply writes")
    func batchMatchesApply() throws {
        let tmp = try TempDir()
        let (w, _) = try Self.weights(tmp, k: 3, name: "w.npy")
        try FileManager.default.createDirectory(atPath: tmp.path("in"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.fixture("png/basn0g08.png"), toPath: tmp.path("in/g.png"))
        let settings = [["--weights", w, "--transpose", "--stride", "2", "--padding", "1", "--upsample", "2,bilinear"],
                        ["--kernel", "3x3: 1,2,1 0,0,0 -1,-2,-1", "--stride", "2", "--padding-mode", "reflect", "--padding", "1",
                         "--output-stride", "1"]]
        for (i, args) in settings.enumerated() {
            let a = try CLI.run(["apply", tmp.path("in/g.png")] + args + ["-o", tmp.path("apply\(i).npy")])
            #expect(a.status == 0, "\(a.stderr)")
            let b = try CLI.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out\(i)"), "--format", "npy"] + args)
            #expect(b.status == 0, "\(b.stderr)")
            let bytes = FileManager.default.contents(atPath: tmp.path("out\(i)/g.npy"))
            #expect(bytes != nil && bytes == FileManager.default.contents(atPath: tmp.path("apply\(i).npy")), "setting \(i)")
        }
        // The rewritten kernel at stride 2 -> dense: 16x16 -> 31x31 (sampled every 2 it is the strided output).
        #expect(try Self.read(tmp.path("apply1.npy")).shape == ConvKit.Shape(channels: 1, height: 31, width: 31))
    }
}
