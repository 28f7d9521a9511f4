import ConvKit
import ConvKitIO
import Foundation
import Testing

/// Convolution.run against outputs computed without convkit (NumPy float64,
/// cross-checked with torch.nn.functional.conv2d): see Scripts/make_goldens.py.
@Suite("Golden outputs")
struct GoldenTests {
    @Test("The golden manifest is bundled and lists every case directory")
    func manifestIsComplete() throws {
        let manifest = try GoldenCatalog.manifest.get()
        #expect(manifest.count > 0)
        #expect(manifest.cases.count == manifest.count)
        #expect(GoldenCatalog.ids.count == manifest.count)
        #expect(Set(manifest.cases.map(\.id)).count == manifest.count, "case ids are unique")
        let dir = try #require(GoldenCatalog.directory)
        let dirs = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { !$0.hasPrefix(".") && $0 != "cases.json" }
        #expect(Set(dirs) == Set(manifest.cases.map(\.id)))
    }

    @Test("Convolution matches the golden output", arguments: GoldenCatalog.ids)
    func matchesGolden(_ id: String) throws {
        let gc = try GoldenCatalog.case(id)
        let input = try GoldenCatalog.tensor(id, "input")
        #expect([input.channels, input.height, input.width] == gc.inputShape)
        let conv = try Self.convolution(for: gc)

        let geometry = try conv.geometry(for: input.shape)
        let p = geometry.pads
        #expect([p.top, p.bottom, p.left, p.right] == gc.pads, "pads resolved by ConvGeometry")

        let expected = try GoldenCatalog.array(id, "expected")
        #expect(expected.shape == gc.expectedShape)
        // The spec asks for 1e-4 relative error. A Float32 sum of L products
        // may be off by about L ulps of its magnitude, so long reductions get
        // L*eps instead; every bundled case has L <= 196, where 1e-4 rules.
        let relative = max(1e-4, Float(gc.reduction) * Float.ulpOfOne)
        for threads in [1, 2] {
            let got = try conv.run(input, threads: threads)
            try #require([got.channels, got.height, got.width] == expected.shape,
                         "\(id), threads \(threads): shape")
            var worst: (index: Int, got: Float, expected: Float)?
            var failures = 0
            for (i, e) in expected.values.enumerated() {
                let g = got.data[i]
                let ok = abs(g - e) <= relative * max(1, abs(e))
                if !ok {
                    failures += 1
                    if worst == nil || abs(g - e) > abs(worst!.got - worst!.expected) { worst = (i, g, e) }
                }
            }
            if let worst {
                let plane = got.height * got.width
                let (c, y, x) = (worst.index / plane, worst.index % plane / got.width, worst.index % got.width)
                Issue.record("""
                    \(id), threads \(threads): \(failures) of \(expected.values.count) values differ; \
                    worst at (c \(c), y \(y), x \(x)): got \(worst.got), expected \(worst.expected)
                    """)
            }
        }
    }

    /// The Convolution a case describes, built the way a user would.
    static func convolution(for gc: GoldenCase) throws -> Convolution {
        let w = try GoldenCatalog.array(gc.id, "weights")
        #expect(w.shape == gc.weightsShape)
        var conv: Convolution
        switch gc.mode {
        case "weights":
            try #require(w.shape.count == 4)
            let weights = try ConvWeights(outChannels: w.shape[0], inChannelsPerGroup: w.shape[1],
                                          kernel: Size2(w.shape[2], w.shape[3]), values: w.values)
            conv = Convolution(weights: weights, groups: try #require(gc.groups))
        case "kernels":
            try #require(w.shape.count == 3)
            let n = w.shape[1] * w.shape[2]
            let kernels = try (0..<w.shape[0]).map { k in
                try Kernel2D(size: Size2(w.shape[1], w.shape[2]), values: Array(w.values[(k * n)..<((k + 1) * n)]))
            }
            conv = Convolution(kernels: kernels)
        default:
            throw CatalogError("\(gc.id): unknown mode \(gc.mode)")
        }
        conv.stride = try Size2(parsing: gc.stride, name: "stride")
        conv.dilation = try Size2(parsing: gc.dilation, name: "dilation")
        conv.padding = try Padding(parsing: gc.padding)
        conv.padMode = try PadMode(parsing: gc.padMode)
        conv.padValue = gc.padValue
        conv.flip = gc.flip
        conv.activation = try #require(Activation(rawValue: gc.activation))
        if gc.bias { conv.bias = try GoldenCatalog.array(gc.id, "bias").values }
        return conv
    }
}
