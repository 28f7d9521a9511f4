import ConvKit
import ConvKitIO
import Foundation
import Testing

/// Python with the modules a recipe needs, found once.
enum Python {
    static func has(_ module: String) -> Bool {
        if let known = lock.withLock({ cache[module] }) { return known }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import \(module)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let ok = (try? p.run()) != nil && { p.waitUntilExit(); return p.terminationStatus == 0 }()
        lock.withLock { cache[module] = ok }
        return ok
    }

    nonisolated(unsafe) private static var cache: [String: Bool] = [:]
    private static let lock = NSLock()

    static func run(_ script: String, _ args: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script] + args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: e, as: UTF8.self))
    }
}

/// One pipeline for the emit-and-execute tests, with a readable id.
struct RecipeCase: CustomTestStringConvertible, Sendable {
    var name: String
    var args: [String]
    /// Channels of the random input.
    var channels = 2
    var testDescription: String { name }

    static let all: [RecipeCase] = [
        RecipeCase(name: "3x3 stride 2 same reflect (TF-style asymmetric pads)",
                   args: ["--kernel", "3x3: 1,2,3 4,5,6 7,8,9", "--stride", "2", "--padding", "same", "--padding-mode", "reflect"]),
        RecipeCase(name: "even 4x4 kernel same zeros", args: ["--kernel", "4x4: 1,2,3,4 5,6,7,8 9,10,11,12 13,14,15,16", "--padding", "same"]),
        RecipeCase(name: "even 4x4 stride 2 same symmetric",
                   args: ["--kernel", "4x4: 1,2,3,4 5,6,7,8 9,10,11,12 13,14,15,16", "--stride", "2", "--padding", "same",
                          "--padding-mode", "symmetric"]),
        RecipeCase(name: "2x3 stride 2,1 full symmetric",
                   args: ["--kernel", "2x3: 1,-2,3 4,5,-6", "--stride", "2,1", "--padding", "full", "--padding-mode", "symmetric"]),
        RecipeCase(name: "dilation 2 same replicate",
                   args: ["--kernel", "3x3: 1,2,3 4,5,6 7,8,9", "--dilation", "2", "--padding", "same", "--padding-mode", "replicate"]),
        RecipeCase(name: "explicit pads 2,1,0,3 circular",
                   args: ["--kernel", "3x3: 1,2,3 4,5,6 7,8,9", "--padding", "2,1,0,3", "--padding-mode", "circular"]),
        RecipeCase(name: "pad value 0.5", args: ["--kernel", "3x3: 1,2,3 4,5,6 7,8,9", "--padding", "1", "--pad-value", "0.5"]),
        RecipeCase(name: "flipped bank, abs, stride 2 same",
                   args: ["--kernel", "3x3: -1,0,1 -2,0,2 -1,0,1;3x3: -1,-2,-1 0,0,0 1,2,1", "--flip", "--activation", "abs",
                          "--stride", "2", "--padding", "same"]),
        RecipeCase(name: "grouped weights with bias, stride 2 same reflect",
                   args: ["--weights", "w.npy", "--bias", "b.npy", "--groups", "2", "--stride", "2", "--padding", "same",
                          "--padding-mode", "reflect"]),
        RecipeCase(name: "preset sobel (bank + magnitude) on gray", args: ["--filter", "sobel", "--color", "gray"], channels: 3),
        RecipeCase(name: "preset edges (gaussian then sobel magnitude)", args: ["--filter", "edges"]),
        RecipeCase(name: "preset conv-relu-pool (random bank, relu, max pool)", args: ["--filter", "conv-relu-pool"], channels: 1),
        RecipeCase(name: "preset avg-pool (pads counted)", args: ["--filter", "avg-pool"]),
        RecipeCase(name: "preset gaussian5 with stride 3", args: ["--filter", "gaussian5", "--stride", "3"]),
        RecipeCase(name: "preset pointwise-gray (1x1 channel mix)", args: ["--filter", "pointwise-gray"], channels: 3),
    ]
}

@Suite("Beyond the peers: recipes run in NumPy, SciPy, OpenCV and PyTorch")
struct RecipeExecutionTests {
    /// Writes a random (C, 9, 10) input and the weights the cases use, runs
    /// convkit and the emitted script on it, and compares to 1e-4 relative.
    func check(_ c: RecipeCase, system: String) throws {
        let tmp = try TempDir()
        var generator = SystemRandomNumberGenerator()
        func random(_ shape: [Int]) -> [Float] { (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) } }
        let input = Tensor(shape: ConvKit.Shape(channels: c.channels, height: 9, width: 10),
                           data: random([c.channels, 9, 10]).map { ($0 + 1) / 2 })
        try Data(NPY.encode(input)).write(to: tmp.url.appendingPathComponent("in.npy"))
        // (4, 1, 3, 2) weights for groups=2 on 2 channels, and 4 biases.
        try writeNPY(random([4, 1, 3, 2]), shape: [4, 1, 3, 2], to: tmp.path("w.npy"))
        try writeNPY(random([4]), shape: [4], to: tmp.path("b.npy"))

        let apply = try CLI.run(["apply", "in.npy", "-o", "ref.npy"] + c.args, in: tmp.url)
        try #require(apply.status == 0, "\(apply.stderr)")
        let emit = try CLI.run(["shape", "in.npy", "--emit", system] + c.args, in: tmp.url)
        try #require(emit.status == 0, "\(emit.stderr)")
        try emit.stdout.write(toFile: tmp.path("recipe.py"), atomically: true, encoding: .utf8)
        let run = try Python.run(tmp.path("recipe.py"), [tmp.path("in.npy"), tmp.path("got.npy")])
        try #require(run.status == 0, "the \(system) recipe failed:\n\(emit.stdout)\n\(run.stderr)")
        let expected = try NPY.decode([UInt8](try Data(contentsOf: tmp.url.appendingPathComponent("ref.npy"))), path: "ref.npy")
        let got = try NPY.decode([UInt8](try Data(contentsOf: tmp.url.appendingPathComponent("got.npy"))), path: "got.npy")
        try #require(got.shape == expected.shape, "\(system): shape \(got.shape), convkit \(expected.shape)\n\(emit.stdout)")
        let scale = max(1, expected.data.map(abs).max() ?? 0)
        let error = zip(got.data, expected.data).map { abs($0 - $1) }.max() ?? 0
        #expect(error / scale < 1e-4, "\(system): max error \(error) (scale \(scale))\n\(emit.stdout)")
    }

    func writeNPY(_ values: [Float], shape: [Int], to path: String) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("The NumPy recipe reproduces convkit", .enabled(if: Python.has("numpy"), "python3 with NumPy is not installed"),
          arguments: RecipeCase.all)
    func numpy(_ c: RecipeCase) throws { try check(c, system: "numpy") }

    @Test("The SciPy recipe reproduces convkit", .enabled(if: Python.has("scipy"), "python3 with SciPy is not installed"),
          arguments: RecipeCase.all)
    func scipy(_ c: RecipeCase) throws { try check(c, system: "scipy") }

    @Test("The OpenCV recipe reproduces convkit", .enabled(if: Python.has("cv2"), "OpenCV (cv2) is not installed: skipped"),
          arguments: RecipeCase.all)
    func opencv(_ c: RecipeCase) throws { try check(c, system: "opencv") }

    @Test("The PyTorch recipe reproduces convkit", .enabled(if: Python.has("torch"), "PyTorch is not installed: skipped"),
          arguments: RecipeCase.all)
    func torch(_ c: RecipeCase) throws { try check(c, system: "torch") }

    @Test("The TensorFlow recipe reproduces convkit", .enabled(if: Python.has("tensorflow"), "TensorFlow is not installed: skipped"),
          arguments: RecipeCase.all)
    func tf(_ c: RecipeCase) throws { try check(c, system: "tf") }

    @Test("The TensorFlow recipe is valid Python (compiled, not run, where TensorFlow is missing)",
          .enabled(if: Python.has("py_compile"), "python3 is not installed"), arguments: RecipeCase.all)
    func tfCompiles(_ c: RecipeCase) throws {
        let tmp = try TempDir()
        try Data(NPY.encode(Tensor(zeros: ConvKit.Shape(channels: c.channels, height: 9, width: 10)))).write(to: tmp.url.appendingPathComponent("in.npy"))
        try writeNPY([Float](repeating: 0.5, count: 24), shape: [4, 1, 3, 2], to: tmp.path("w.npy"))
        try writeNPY([Float](repeating: 0.5, count: 4), shape: [4], to: tmp.path("b.npy"))
        let emit = try CLI.run(["shape", "in.npy", "--emit", "tf"] + c.args, in: tmp.url)
        try #require(emit.status == 0, "\(emit.stderr)")
        try emit.stdout.write(toFile: tmp.path("recipe.py"), atomically: true, encoding: .utf8)
        let run = try Python.run("-m", ["py_compile", tmp.path("recipe.py")])
        #expect(run.status == 0, "\(emit.stdout)\n\(run.stderr)")
    }
}

/// ImageMagick: `magick` (7) or `convert` (6), when installed.
enum ImageMagick {
    static let command: String? = {
        for name in ["magick", "convert"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [name, "-version"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if p.terminationStatus == 0 && text.contains("ImageMagick") { return name }
        }
        return nil
    }()
}

@Suite("Beyond the peers: ImageMagick recipes run")
struct IMRecipeTests {
    @Test("The ImageMagick command reproduces convkit's 8-bit PNG to one level",
          .enabled(if: ImageMagick.command != nil, "ImageMagick is not installed: skipped"), arguments: [
        ["--filter", "gaussian3", "--padding-mode", "replicate"], ["--filter", "box3"],
        ["--filter", "sharpen", "--padding-mode", "circular"], ["--filter", "motion-blur", "--padding-mode", "symmetric"],
        ["--filter", "emboss", "--padding", "valid"], ["--kernel", "2x2: 0.1,0.2 0.3,0.4", "--padding", "same", "--padding-mode", "replicate"],
    ])
    func runs(_ args: [String]) throws {
        let tmp = try TempDir()
        let input = CLI.fixture("png/basn0g08.png")
        let emit = try CLI.run(["shape", input, "--emit", "im"] + args)
        try #require(emit.status == 0, "\(emit.stderr)")
        let script = emit.stdout.replacingOccurrences(of: "magick input.png", with: "\(ImageMagick.command!) '\(input)'")
            .replacingOccurrences(of: "    output.png", with: "    '\(tmp.path("im.png"))'")
        try script.write(toFile: tmp.path("im.sh"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [tmp.path("im.sh")]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "\(script)")
        let apply = try CLI.run(["apply", input, "-o", tmp.path("ref.png")] + args)
        try #require(apply.status == 0, "\(apply.stderr)")
        let a = try ImageDecoder.decode(path: tmp.path("im.png")).tensor, b = try ImageDecoder.decode(path: tmp.path("ref.png")).tensor
        try #require(a.shape == b.shape, "\(a.shape) vs \(b.shape)\n\(script)")
        let error = zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
        #expect(error <= 1.01 / 255, "\(error * 255) levels\n\(script)")
    }
}

@Suite("Beyond the peers: the commands")
struct BeyondCommandTests {
    static let photo = CLI.fixture("png/basn2c08.png")

    @Test("shape counts unread input rows and columns through all stages")
    func shapeUnreadNote() throws {
        let r = try CLI.run(["shape", "--input", "28x28x1", "--out-channels", "32", "--kernel-size", "3", "--stride", "2"])
        #expect(r.stdout.contains("note: unread input: 1 row (27), 1 column (27): 55 of 784 pixels"), "\(r.stdout)")
        let same = try CLI.run(["shape", "--input", "28x28x1", "--out-channels", "32", "--kernel-size", "3", "--padding", "same"])
        #expect(!same.stdout.contains("unread"))
    }

    @Test("apply --overlay unread writes the tinted input and prints the count")
    func overlayUnread() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["apply", Self.photo, "--kernel", "3x3: 1,1,1 1,1,1 1,1,1", "--stride", "2", "--overlay", "unread",
                             "-o", tmp.path("u.png")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("unread input: 1 row (31), 1 column (31)"), "\(r.stdout)")
        let png = try ImageDecoder.decode(path: tmp.path("u.png")).tensor
        #expect(png.channels == 3 && png.width >= 256)
    }

    @Test("apply --overlay pad-influence --json reports the asymmetry of same at stride 2")
    func overlayPadInfluence() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["apply", Self.photo, "--kernel", "3x3: 1,1,1 1,1,1 1,1,1", "--stride", "2", "--padding", "same",
                             "--overlay", "pad-influence", "--json", "-o", tmp.path("p.png")])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let pad = try #require(json["padInfluence"] as? [String: Any])
        let sides = try #require(pad["sides"] as? [Double])
        // 32 rows, stride 2, 3 taps: pads 0 before, 1 after; the top row reads padding only in its last (right) output.
        #expect(sides[0] < 0.03 && sides[2] < 0.03, "\(sides)")
        #expect(sides[1] > 0.3 && sides[3] > 0.3, "all the pad goes bottom and right: \(sides)")
        #expect(FileManager.default.fileExists(atPath: tmp.path("p.png")))
    }

    @Test("apply --json, PNG tEXt and stderr report clipping; more than 1 % clipped warns with a hint")
    func clippingReport() throws {
        let tmp = try TempDir()
        let out = tmp.path("c.png")
        let r = try CLI.run(["apply", Self.photo, "--kernel", "3x3: 1,1,1 1,1,1 1,1,1", "-o", out])
        #expect(r.status == 0)
        #expect(r.stderr.contains("were clipped to [0, 1] by --map clamp"), "\(r.stderr)")
        #expect(r.stderr.contains("--map minmax"))
        let bytes = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self)
        #expect(bytes.contains("convkit:clipped") && bytes.contains("convkit:quantization") && bytes.contains("convkit:warning"))
        let j = try CLI.run(["apply", Self.photo, "--kernel", "3x3: 0,0,0 0,1,0 0,0,0", "--json", "-o", out, "--overwrite", "--depth", "16"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        let q = try #require(json["quantization"] as? [String: Any])
        #expect(q["clippedFraction"] as? Double == 0)
        #expect(q["warning"] == nil)
        #expect(q["depth"] as? Int == 16)
        let e8 = try #require((q["error8"] as? [String: Double])?["max"])
        let e16 = try #require((q["error16"] as? [String: Double])?["max"])
        #expect(e8 <= 1.0 / 510 + 1e-9 && e16 <= 1.0 / 131070 + 1e-12)
        let analysis = try #require(json["analysis"] as? [String: Any])
        #expect((analysis["unread"] as? [String: Any])?["rows"] as? [Int] == [])
    }

    @Test("filters show --impulse prints the rotated kernel and draws it")
    func impulse() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["filters", "show", "sobel-x", "--impulse", "-o", tmp.path("i.png")])
        #expect(r.status == 0, "\(r.stderr)")
        // sobel-x is [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]: a cross-correlation shows it rotated by 180 degrees.
        #expect(r.stdout.contains("   1  0 -1\n   2  0 -2\n   1  0 -1"), "\(r.stdout)")
        #expect(try ImageDecoder.decode(path: tmp.path("i.png")).tensor.width > 100)
        let npy = try CLI.run(["filters", "show", "sobel-x", "--impulse", "-o", tmp.path("i.npy")])
        #expect(npy.status == 0)
        let t = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: tmp.path("i.npy")))), path: "i.npy")
        #expect(t.data == [1, 0, -1, 2, 0, -2, 1, 0, -1])
    }

    @Test("compare --overlay pad-influence draws maps and the HTML report has the clipping section")
    func compareOverlay() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["compare", Self.photo, "--kernel", "3x3: 1,1,1 1,1,1 1,1,1", "--sweep", "padding=valid,same",
                             "--sweep", "stride=1,2", "--overlay", "pad-influence", "-o", tmp.path("g.png"), "--html", tmp.path("r.html")])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: tmp.path("r.html"), encoding: .utf8)
        #expect(html.contains("Clipping and quantisation"))
        #expect(html.contains("Pad influence"))
        #expect(html.contains("WARNING: more than 1 %"))
    }

    @Test("--emit names what a system cannot express", arguments: [
        ("opencv", "filter2D has no stride"), ("im", "ImageMagick has no stride"), ("torch", "F.pad(x, (0, 1, 0, 1)"),
        ("tf", "padding=\"SAME\""), ("scipy", "ndimage has no stride"), ("numpy", "np.pad"),
    ])
    func emitComments(system: String, expected: String) throws {
        let r = try CLI.run(["shape", "--input", "8x8x1", "--kernel", "3x3: 1,2,3 4,5,6 7,8,9", "--stride", "2",
                             "--padding", "same", "--emit", system])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(expected), "\(r.stdout)")
    }
}
