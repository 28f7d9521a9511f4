import ConvKit
import ConvKitIO
import Foundation
import Testing

/// Runs the built binary with extra environment variables.
private func runCLI(_ args: [String], in dir: URL? = nil, environment: [String: String] = [:]) throws -> CLI.Result {
    let bin = try #require(CLI.binary, "the convkit binary was not found next to the tests; set CONVKIT_BIN")
    let p = Process()
    p.executableURL = bin
    p.arguments = args
    p.currentDirectoryURL = dir ?? CLI.root
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "CONVKIT_FILTERS")
    env.merge(environment) { $1 }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return CLI.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
}

private func npy(_ path: String) throws -> Tensor {
    try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
}

@Suite("convkit --filter and convkit filters")
struct FilterCommandTests {
    static let image = CLI.fixture("png/basn2c08.png")

    @Test("Shipped presets are found by name from a directory outside the source tree")
    func shippedFromTempDir() throws {
        let tmp = try TempDir()
        let r = try runCLI(["apply", Self.image, "--filter", "edges", "-o", "edges.npy"], in: tmp.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try npy(tmp.path("edges.npy")).shape == ConvKit.Shape(channels: 1, height: 32, width: 32))
        let list = try runCLI(["filters", "list"], in: tmp.url)
        #expect(list.status == 0)
        for name in ["sobel", "keras-conv32", "max-pool", "avg-pool", "kirsch"] {
            #expect(list.stdout.contains("\n\(name) ") || list.stdout.hasPrefix("\(name) "), "\(name) missing from \(list.stdout)")
        }
        #expect(list.stdout.contains("[shipped]"))
    }

    @Test("--filter repeats and chains; shape reports every stage")
    func chainInShape() throws {
        let r = try runCLI(["shape", "--input", "28x28x1", "--filter", "keras-conv32", "--filter", "max-pool", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let stages = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(stages.map { $0["kind"] as? String } == ["conv", "pool"])
        #expect(stages.map { $0["output"] as? [Int] } == [[32, 26, 26], [32, 13, 13]])
        #expect(stages.last?["receptiveField"] as? [Int] == [4, 4])
        #expect(stages.last?["jump"] as? [Int] == [2, 2])
        #expect((stages.first?["origin"] as? String)?.hasPrefix("keras-conv32.yaml:6:5") == true)
    }

    @Test("Geometry flags given on the command line override every conv stage of a preset")
    func overrides() throws {
        let r = try runCLI(["shape", "--input", "28x28x1", "--filter", "edges", "--stride", "2", "--padding", "valid"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("conv 5x5 stride 2 valid replicate  12x12x1"), "\(r.stdout)")
        #expect(r.stdout.contains("conv 3x3 stride 2 valid replicate  5x5x2"), "\(r.stdout)")
        let plain = try runCLI(["shape", "--input", "28x28x1", "--filter", "edges"])
        #expect(plain.stdout.contains("28x28x1"))
    }

    @Test("apply --filter equals the library pipeline, and --json lists every stage")
    func applyJSON() throws {
        let tmp = try TempDir()
        let r = try runCLI(["apply", Self.image, "--filter", "sobel", "--filter", "avg-pool", "--json", "-o", tmp.path("s.npy")])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let stages = try #require(obj["stages"] as? [[String: Any]])
        #expect(stages.map { $0["operation"] as? String } == ["conv 3x3 same replicate", "magnitude of 2 groups", "avgpool 3x3 stride 2 1,1,1,1"])
        #expect(obj["outputShape"] as? [Int] == [1, 16, 16])
    }

    @Test("--filters-dir and $CONVKIT_FILTERS come before the shipped presets")
    func lookupOrder() throws {
        let dir = try TempDir(), env = try TempDir()
        try "description: mine\nstages:\n  - pool: {type: max, size: 4}\n".write(toFile: dir.path("sobel.yaml"), atomically: true, encoding: .utf8)
        try "description: from env\nstages:\n  - pool: {type: avg, size: 8}\n".write(toFile: env.path("sobel.yml"), atomically: true, encoding: .utf8)
        let a = try runCLI(["shape", "--input", "32x32x1", "--filter", "sobel", "--filters-dir", dir.url.path],
                           environment: ["CONVKIT_FILTERS": env.url.path])
        #expect(a.stdout.contains("maxpool 4x4 stride 4 valid  8x8x1"), "\(a.stdout)\(a.stderr)")
        let b = try runCLI(["shape", "--input", "32x32x1", "--filter", "sobel"], environment: ["CONVKIT_FILTERS": "/nonexistent:" + env.url.path])
        #expect(b.stdout.contains("avgpool 8x8 stride 8 valid  4x4x1"), "\(b.stdout)\(b.stderr)")
        let list = try runCLI(["filters", "list", "--filters-dir", dir.url.path])
        #expect(list.stdout.contains("mine  [--filters-dir \(dir.url.path): \(dir.path("sobel.yaml"))]"))
        #expect(list.stdout.contains("Sobel gradients and their magnitude  [shipped, shadowed]"))
    }

    @Test("filters show prints the kernels as aligned matrices and the shape table")
    func show() throws {
        let r = try runCLI(["filters", "show", "sobel", "--input", "28x28x3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("""
              kernel 1:
                -1 -2 -1
                 0  0  0
                 1  2  1
            """))
        #expect(r.stdout.contains("input 28x28x3 (H x W x C)"))
        #expect(r.stdout.contains("2      magnitude of 2 groups    28x28x1"))
    }

    @Test("filters validate prints every error and exits 1 when any file fails")
    func validate() throws {
        let tmp = try TempDir()
        try "stages:\n  - conv:\n      kernel: [[1]]\n      stride: -1\n".write(toFile: tmp.path("edges.yaml"), atomically: true, encoding: .utf8)
        try "stages:\n  - conv: {kernel: [[1, 2], [3]]}\n".write(toFile: tmp.path("ragged.yaml"), atomically: true, encoding: .utf8)
        try "stages:\n  - pool: {type: max, size: 2}\n".write(toFile: tmp.path("good.yaml"), atomically: true, encoding: .utf8)
        let r = try runCLI(["filters", "validate", "edges.yaml", "good.yaml", "ragged.yaml"], in: tmp.url)
        #expect(r.status == 1)
        #expect(r.stdout == "good.yaml: ok (1 stage)\n")
        #expect(r.stderr == """
            convkit: error: edges.yaml:4:15: stages[0].conv.stride: expected a positive integer or "SH,SW", got -1
            convkit: error: ragged.yaml:2:29: stages[0].conv.kernel[1]: expected 2 values like stages[0].conv.kernel[0], got 1 (every row needs the same number of values)

            """)
        let shipped = try runCLI(["filters", "validate"] + (try FileManager.default.contentsOfDirectory(atPath: CLI.root.appendingPathComponent("Filters").path)
            .filter { $0.hasSuffix(".yaml") }.map { "Filters/\($0)" }) + ["--input", "32x32x3"])
        #expect(shipped.status == 0, "\(shipped.stderr)")
    }

    @Test("A broken preset given to apply fails with its location and no output")
    func applyBroken() throws {
        let tmp = try TempDir()
        try "stages:\n  - conv: {box: {size: 40}}\n".write(toFile: tmp.path("big.yaml"), atomically: true, encoding: .utf8)
        let r = try runCLI(["apply", Self.image, "--filter", "big.yaml", "-o", "out.png"], in: tmp.url)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("convkit: error: big.yaml:2:5: stages[0].conv: output would have -7 rows"), "\(r.stderr)")
        #expect(!tmp.contents.contains("out.png"))
        let unknown = try runCLI(["apply", Self.image, "--filter", "no-such-preset", "-o", "out.png"], in: tmp.url)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.hasPrefix("convkit: error: no-such-preset: no preset of this name"), "\(unknown.stderr)")
    }
}
