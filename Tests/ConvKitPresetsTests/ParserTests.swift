import ConvKit
import ConvKitIO
import Foundation
import Testing
@testable import ConvKitPresets

@Suite("Preset parser")
struct ParserTests {
    @Test("The SPEC sketch parses into a gray Sobel bank followed by magnitude")
    func specSketch() throws {
        let p = try preset("""
            name: sobel
            description: Sobel gradients and their magnitude
            color: gray
            output: {map: minmax}
            stages:
              - conv:
                  kernels:
                    - [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
                    - [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
                  stride: 1
                  padding: same
                  padding_mode: replicate
              - magnitude: {}
            """, file: "Filters/sobel.yaml")
        #expect(p.name == "sobel")
        #expect(p.description == "Sobel gradients and their magnitude")
        #expect(p.color == .gray)
        #expect(p.output.map == .minmax)
        let pipeline = try p.pipeline()
        #expect(pipeline.stages.map(\.kind) == ["conv", "magnitude"])
        let conv = try #require(pipeline.stages[0].convolution)
        #expect(conv.filters == .perChannel([try Kernel2D(rows: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
                                             try Kernel2D(rows: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])]))
        #expect(conv.padding == .same)
        #expect(conv.padMode == .replicate)
        #expect(pipeline.stages[0].origin == StageOrigin(file: "Filters/sobel.yaml", line: 6, column: 5, keyPath: "stages[0].conv"))
    }

    @Test("A JSON preset gives the same pipeline as its YAML twin")
    func json() throws {
        let yaml = try preset("""
            color: gray
            stages:
              - conv: {kernel: "3x3: 0,-1,0 -1,4,-1 0,-1,0", stride: "2,1", padding: [1, 2], flip: true, activation: abs}
              - pool: {type: avg, size: 2}
            """, file: "a.yaml")
        let json = try preset("""
            {"color": "gray", "stages": [
              {"conv": {"kernel": "3x3: 0,-1,0 -1,4,-1 0,-1,0", "stride": "2,1", "padding": [1, 2], "flip": true, "activation": "abs"}},
              {"pool": {"type": "avg", "size": 2}}]}
            """, file: "a.json")
        #expect(try yaml.pipeline().stages.map(\.operation) == json.pipeline().stages.map(\.operation))
        let conv = try #require(try json.pipeline().stages[0].convolution)
        #expect(conv.stride == Size2(2, 1))
        #expect(conv.padding == .explicit(top: 1, bottom: 1, left: 2, right: 2))
        #expect(conv.flip && conv.activation == .abs)
    }

    @Test("An ImageMagick kernel string gives the kernels KernelString parses")
    func kernelString() throws {
        let p = try preset("stages:\n  - conv: {kernel: \"2x2+0+0: 1,2 3,4; 2x2: 0,1 1,0\"}\n")
        #expect(try p.pipeline().stages[0].convolution?.filters == .perChannel(try KernelString.parse("2x2+0+0: 1,2 3,4; 2x2: 0,1 1,0")))
    }

    @Test("Generators: gaussian sums to 1 and is symmetric, box is flat, laplacian sums to 0")
    func generators() throws {
        let p = try preset("""
            stages:
              - conv: {gaussian: {size: 5, sigma: 1.1}}
              - conv: {box: {size: "3,2"}}
              - conv: {laplacian: {size: 5}}
              - conv: {laplacian: {neighbours: 4}}
              - conv: {gaussian: {sigma: 1}}
            """)
        let kernels = try p.pipeline().convolutions.map { c -> Kernel2D in
            guard case let .perChannel(ks) = c.filters else { throw GeometryError("not a bank") }
            return ks[0]
        }
        let g = kernels[0]
        #expect(abs(g.values.reduce(0, +) - 1) < 1e-6)
        #expect(g.values == g.values.reversed())
        // OpenCV's getGaussianKernel(5, 1.1), whose outer product is the 2-D kernel.
        let t: [Float] = [0.07076637, 0.2444604, 0.36954646, 0.2444604, 0.07076637]
        for y in 0..<5 { for x in 0..<5 { #expect(abs(g.values[y * 5 + x] - t[y] * t[x]) < 1e-6) } }
        #expect(kernels[1].size == Size2(3, 2) && kernels[1].values.allSatisfy { abs($0 - 1 / 6) < 1e-7 })
        #expect(kernels[2].values.reduce(0, +) == 0 && kernels[2].values[12] == 24)
        #expect(kernels[3].values == [0, -1, 0, -1, 4, -1, 0, -1, 0])
        #expect(kernels[4].size == Size2(square: 7))   // 2 * ceil(3 sigma) + 1
    }

    @Test("normalize divides by the sum, scale multiplies, bias and weights are read as written")
    func options() throws {
        let p = try preset("""
            color: rgb
            stages:
              - conv: {kernel: [[1, 2], [3, 2]], normalize: true, scale: 2, padding: "0,1,0,1", padding_mode: symmetric}
              - conv:
                  weights: [[[[1]], [[2]], [[3]]], [[[4]], [[5]], [[6]]]]
                  bias: [0.5, -0.5]
                  pad_value: -1
                  padding: 1
              - conv: {weights: [[[[1]]], [[[2]]]], groups: 2, bias: 0.25}
            """)
        let c = try p.pipeline().convolutions
        #expect(c[0].filters == .perChannel([try Kernel2D(rows: [[0.25, 0.5], [0.75, 0.5]])]))
        #expect(c[0].padMode == .symmetric)
        #expect(c[1].filters == .weights(try ConvWeights(outChannels: 2, inChannelsPerGroup: 3, kernel: Size2(square: 1),
                                                         values: [1, 2, 3, 4, 5, 6]), groups: 1))
        #expect(c[1].bias == [0.5, -0.5] && c[1].padValue == -1)
        #expect(c[2].bias == [0.25, 0.25])
        let out = try p.pipeline().plan(for: Shape(channels: 4, height: 6, width: 6)).last?.geometry.output
        #expect(out == Shape(channels: 2, height: 8, width: 8))
    }

    @Test("weights: a .npy path is read relative to the preset file")
    func npyWeights() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-presets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bank = Tensor(shape: Shape(channels: 2, height: 1, width: 3), data: [1, 0, -1, 0.5, 0.5, 0])
        try Data(NPY.encode(bank)).write(to: dir.appendingPathComponent("bank.npy"))
        let p = try preset("stages:\n  - conv: {weights: bank.npy}\n", file: dir.appendingPathComponent("p.yaml").path, directory: dir.path)
        #expect(try p.pipeline().convolutions[0].filters == .perChannel([try Kernel2D(rows: [[1, 0, -1]]), try Kernel2D(rows: [[0.5, 0.5, 0]])]))
        let missing = try #require(throws: PresetError.self) { try preset("stages:\n  - conv: {weights: nope.npy}\n", directory: dir.path) }
        #expect(missing.keyPath == "stages[0].conv.weights" && missing.line == 2 && missing.column == 21)
    }

    @Test("A generator kernel size override remakes gaussian, box, laplacian and random kernels")
    func kernelSizeOverride() throws {
        let p = try preset("""
            color: gray
            stages:
              - conv: {gaussian: {size: 3}}
              - conv: {kernel: [[1, 1]]}
              - conv: {random: {filters: 4, size: 3, seed: 1}}
            """)
        let sizes = try p.pipeline(kernelSize: Size2(square: 5)).convolutions.map(\.kernelSize)
        #expect(sizes == [Size2(square: 5), Size2(1, 2), Size2(square: 5)])
    }

    @Test("Output defaults are read and checked")
    func outputDefaults() throws {
        let p = try preset("output: {map: signed, depth: 16, layout: channels, colormap: viridis, quality: 80}\nstages:\n  - activation: abs\n")
        #expect(p.output == OutputDefaults(map: .signed, depth: 16, layout: .channels, colormap: "viridis", quality: 80))
        let bad = try #require(throws: PresetError.self) { try preset("output: {depth: 12}\nstages:\n  - activation: abs\n") }
        #expect(bad.description == "test.yaml:1:17: output.depth: expected 8 or 16, got 12")
    }
}
